import Foundation
import TesseraCore
import TesseraDomain

/// The loyalty benchmark's PostgreSQL baseline: the statements of one points redemption, exactly as
/// the ledger sends them (lock, read, one write statement), run by `pgbench` — PostgreSQL's own C
/// client, prepared statements, the same number of clients — against the benchmark's database.
/// What PostgreSQL alone sustains for this transaction on the machine: the ceiling under any server.
enum PgbenchBaseline {
    /// Transactions per second over `transactions` in all, or `nil` (with the reason printed) when
    /// `pgbench` cannot run. A count rather than `-T`: the duration needs `SIGALRM`, which a child of
    /// this process may inherit blocked (seen: pgbench ran on forever).
    static func run(
        executable: String, url: String, store: SQLTesseraStore, group: GroupID, brand: BrandID,
        members: [MemberID], clients: Int, transactions: Int
    ) async throws -> Double? {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            print("pgbench baseline: skipped (no pgbench at \(executable); pass --pgbench PATH)")
            return nil
        }
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user
        else { return nil }
        // The script picks a member by number; pgbench cannot hold the ids itself.
        try await store.driver.run(
            ExecuteProgram(
                [SQLStatement("CREATE TABLE bench_ids (n BIGINT PRIMARY KEY, member_id TEXT NOT NULL)", [])]
                    + SQLBuilder.insert(
                        into: "bench_ids", columns: ["n", "member_id"],
                        rows: members.enumerated().map { [.int(Int64($0.offset)), .text($0.element.rawValue)] })),
            writes: true)
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-redeem-\(UUID()).pgbench")
        try Self.script(members: members.count).write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-h", host, "-p", String(components.port ?? 5432), "-U", user, "-n", "-M", "prepared", "-c",
            String(clients),
            "-j", "2", "-t", String(max(1, transactions / clients)), "-D", "g=\(group.rawValue)", "-D",
            "b=\(brand.rawValue)", "-f", script.path,
            String(components.path.dropFirst()),
        ]
        if let password = components.password {
            process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { $1 }
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst(6).prefix { $0 != " " })
        else {
            let tail = text.split(separator: "\n").suffix(8).joined(separator: "\n")
            print("pgbench baseline: failed (exit \(process.terminationStatus)):\n\(tail)")
            return nil
        }
        return tps
    }

    /// One redemption of 10 points of a random member: the account upsert that locks, the read of
    /// open lots and replayed keys, and entry, lot, balance and event written as one statement —
    /// nothing when no lot holds 10 (as the ledger refuses an overdraft).
    static func script(members: Int) -> String {
        """
        \\set n random(0, \(members - 1))
        \\set k random(1, 2000000000)
        SELECT member_id AS m FROM bench_ids WHERE n = :n \\gset
        BEGIN;
        INSERT INTO points_accounts (group_id, brand_id, member_id, balance, debt, updated_at) \
        SELECT group_id, :b, id, 0, 0, 1 FROM members WHERE group_id = :g AND id = :m AND merged_into IS NULL \
        ON CONFLICT (group_id, brand_id, member_id) DO UPDATE SET updated_at = points_accounts.updated_at \
        RETURNING balance, debt;
        SELECT id, earned_at, expires_at, amount, remaining, NULL FROM points_lots WHERE group_id = :g \
        AND brand_id = :b AND member_id = :m AND remaining > 0 UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, id \
        FROM points_entries WHERE group_id = :g AND brand_id = :b AND idempotency_key IN ('pgbench-' || :k::text, 'none');
        WITH w1 AS (UPDATE points_lots SET remaining = remaining - 10 WHERE group_id = :g AND id = (SELECT id FROM \
        points_lots WHERE group_id = :g AND brand_id = :b AND member_id = :m AND remaining >= 10 LIMIT 1) RETURNING id), \
        w0 AS (INSERT INTO points_entries (group_id, id, brand_id, member_id, kind, points, debt, reason, \
        source_type, source_id, idempotency_key, consumed, occurred_at) SELECT :g, gen_random_uuid()::text, :b, :m, \
        'redeem', -10, 0, 'pgbench', 'system', NULL, gen_random_uuid()::text, '[]'::jsonb, 1 FROM w1), \
        w2 AS (UPDATE points_accounts SET balance = balance - 10, updated_at = 2 WHERE group_id = :g \
        AND brand_id = :b AND member_id = :m AND EXISTS (SELECT 1 FROM w1)) \
        INSERT INTO events (group_id, id, idempotency_key, member_id, origin_member_id, brand_id, kind, name, channel, \
        occurred_at, received_at, properties) SELECT :g, gen_random_uuid()::text, gen_random_uuid()::text, :m, :m, :b, \
        'loyalty', 'points.redeemed', 'tessera', 1, 1, '{"points": -10}'::jsonb FROM w1 \
        ON CONFLICT (group_id, idempotency_key) DO NOTHING;
        COMMIT;

        """
    }
}
