public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    public func loyaltyProgram(group: GroupID, brand: BrandID) async throws -> (version: Int, program: LoyaltyProgram) {
        try await driver.run(
            QueryProgram(ProgramSQL.select(group: group, brand: brand), map: ProgramSQL.parse), writes: false)
    }

    public func setLoyaltyProgram(_ program: LoyaltyProgram, group: GroupID, brand: BrandID, at: Date) async throws
        -> Int
    {
        let errors = program.validate()
        if let error = errors.first { throw TesseraError.invalid(field: error.path, reason: error.reason) }
        let config = try ConfigCoding.encode(program)
        let (g, b) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue))
        // The event names that earn travel with the version, so the ingest path queues exactly
        // the events the programme in force rewards.
        let names =
            [SQLStatement("DELETE FROM loyalty_event_names WHERE group_id = ? AND brand_id = ?", [g, b])]
            + SQLBuilder.insert(
                into: "loyalty_event_names", columns: ["group_id", "brand_id", "name"],
                rows: program.eventNames.sorted().map { [g, b, .text($0)] })
        return try await driver.run(
            ChainedProgram(WriteProgram(statements: names, output: ())) { _ in
                QueryProgram(
                    SQLStatement(
                        """
                        INSERT INTO loyalty_programs (group_id, brand_id, version, config, created_at) \
                        SELECT ?, ?, coalesce(max(version), 0) + 1, ?::jsonb, ? FROM loyalty_programs \
                        WHERE group_id = ? AND brand_id = ? RETURNING version
                        """, [g, b, .text(config), .int(Timestamp.micros(at)), g, b]),
                    map: { Int($0.first?.int(0) ?? 0) })
            }, writes: true)
    }

    /// Joins the operations arriving at the same time (``RequestBatcher``), so that concurrent
    /// redemptions share their transactions.
    public func applyPoints(_ request: PointsRequest) async throws -> PointsOutcome {
        try await pointsBatcher.submit(request)
    }

    public func applyPoints(together requests: [PointsRequest]) async -> [Result<PointsOutcome, any Error>] {
        var results: [Result<PointsOutcome, any Error>] = []
        for start in stride(from: 0, to: requests.count, by: PointsBatchProgram.largestBatch) {
            let chunk = Array(requests[start..<min(requests.count, start + PointsBatchProgram.largestBatch)])
            results += await Self.applyPoints(together: chunk, driver: driver, ids: ids)
        }
        return results
    }

    /// Runs `requests` as one ``PointsBatchProgram`` and what it defers one by one afterwards
    /// (every request one by one if the batch as a whole fails — it then wrote nothing). On
    /// PostgreSQL a batch of up to ``PointsBatchProgram/largestVersionedBatch`` — a single request
    /// too — first runs versioned, in two round trips without a transaction, and again with its
    /// locks taken up front if that was unsettled; on SQLite a single request runs alone.
    static func applyPoints(together requests: [PointsRequest], driver: any SQLDriver, ids: any IDGenerator) async
        -> [Result<PointsOutcome, any Error>]
    {
        func alone(_ request: PointsRequest) async -> Result<PointsOutcome, any Error> {
            do {
                return .success(
                    try await driver.run(
                        PointsLedgerProgram(dialect: driver.dialect, request: request, entryID: ids.next()),
                        writes: true))
            } catch {
                return .failure(error)
            }
        }
        guard requests.count > 1 || driver.dialect == .postgres else {
            guard let request = requests.first else { return [] }
            return [await alone(request)]
        }
        guard !requests.isEmpty else { return [] }
        let entryIDs = requests.map { _ in ids.next() }
        var answers: [PointsBatchProgram.Answer] = []
        do {
            if driver.dialect == .postgres, requests.count <= PointsBatchProgram.largestVersionedBatch {
                answers = try await driver.runWithoutTransaction(
                    PointsBatchProgram(
                        dialect: driver.dialect, requests: requests, entryIDs: entryIDs, locking: .atWrite))
            }
            if answers.isEmpty || answers.contains(where: \.isUnsettled) {
                answers = try await driver.run(
                    PointsBatchProgram(dialect: driver.dialect, requests: requests, entryIDs: entryIDs), writes: true)
            }
        } catch {
            answers = requests.map { _ in .deferred }
        }
        var results: [Result<PointsOutcome, any Error>] = []
        for (request, answer) in zip(requests, answers) {
            switch answer {
            case .done(let outcome): results.append(.success(outcome))
            case .refused(let error): results.append(.failure(error))
            case .deferred, .unsettled: results.append(await alone(request))
            }
        }
        return results
    }

    public func pointsAccount(group: GroupID, brand: BrandID, member: MemberID) async throws -> PointsAccount {
        let key: [SQLValue] = [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)]
        return try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT \(PointsLedgerProgram.lotColumns("l")), a.debt FROM points_accounts a \
                    LEFT JOIN points_lots l ON l.group_id = a.group_id AND l.brand_id = a.brand_id \
                    AND l.member_id = a.member_id AND l.remaining > 0 \
                    WHERE a.group_id = ? AND a.brand_id = ? AND a.member_id = ?
                    """, key),
                map: { rows in
                    PointsAccount(lots: rows.compactMap(PointsLedgerProgram.lot), debt: rows.first?.int(5) ?? 0)
                }), writes: false)
    }

    public func pointsEntries(group: GroupID, brand: BrandID, member: MemberID, before: String?, limit: Int)
        async throws -> [PointsEntry]
    {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT \(PointsLedgerProgram.entryColumns) FROM points_entries WHERE group_id = ? AND brand_id = ? "
                        + "AND member_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                    [
                        .text(group.rawValue), .text(brand.rawValue), .text(member.rawValue),
                        .text(before ?? "\u{10FFFF}"), .int(Int64(limit)),
                    ]),
                map: { rows in try rows.map { try PointsLedgerProgram.entry($0).entry } }), writes: false)
    }

    public func membersWithDuePoints(group: GroupID, at date: Date, limit: Int) async throws -> [(BrandID, MemberID)] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT DISTINCT brand_id, member_id FROM (SELECT brand_id, member_id FROM points_lots \
                    WHERE group_id = ? AND remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ? \
                    ORDER BY expires_at LIMIT ?) AS due
                    """, [.text(group.rawValue), .int(Timestamp.micros(date)), .int(Int64(limit))]),
                map: { rows in rows.map { (BrandID($0.text(0) ?? ""), MemberID($0.text(1) ?? "")) } }), writes: false)
    }
}
