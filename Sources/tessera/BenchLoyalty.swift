import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import Synchronization
import TesseraCore
import TesseraDomain
import TesseraHTTP

extension Bench {
    /// `tessera bench loyalty`: concurrent points and coupon redemptions through HTTP with a
    /// post-run audit, and the expiry pass over many lots.
    struct Loyalty: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Loyalty: concurrent HTTP redemptions (with an audit) and the points expiry pass, on an empty database."
        )

        @Option(help: "An EMPTY database: sqlite:///path or postgres://… (default: a new SQLite file in /tmp).")
        var database: String?
        @Option(help: "Members.") var members = 10_000
        @Option(help: "Concurrent HTTP clients.") var clients = 64
        @Option(help: "Redemptions to send (one in five a coupon).") var operations = 50_000
        @Option(help: "Expired lots for the expiry pass (0: skip it).") var lots = 1_000_000
        @Option(help: "Lots per member for the expiry pass.") var lotsPerMember = 10
        @Option(
            help:
                "pgbench for the PostgreSQL baseline (default: $TESSERA_PGBIN/pgbench, else pgbench on the PATH)."
        )
        var pgbench: String?
        @Option(
            help:
                "Also drive the redemptions with wrk at this path (apt-get install wrk) for --wrk-seconds, after the in-process clients."
        )
        var wrk: String?
        @Option(help: "How long the wrk run lasts.") var wrkSeconds = 20

        func run() async throws {
            let (url, store, credentials) = try await BenchTraffic.emptyStore(database)
            let (group, brand) = (credentials.groupID, credentials.brandID)
            print("load: \(members) members, \(clients) clients, \(operations) redemptions (80% points, 20% coupons)")

            // Members with 1,000 points and one coupon each.
            let setup = ContinuousClock.now
            let ingest = IngestService(store: store)
            var ids: [MemberID] = []
            for start in stride(from: 0, to: members, by: 1_000) {
                let messages = (start..<min(members, start + 1_000)).map { index in
                    IngestMessage(
                        idempotencyKey: "m\(index)", kind: .identify,
                        identifiers: [Identifier(storedType: .external, storedValue: "bench-\(index)")],
                        registers: true,
                        name: nil, channel: "bench", brandID: brand, occurredAt: Date(), properties: .object([:]),
                        profile: nil, order: nil)
                }
                let plan = try await ingest.write(messages, group: group, receivedAt: Date())
                for outcome in plan?.outcomes ?? [] {
                    if case .accepted(let member?) = outcome { ids.append(member) }
                }
            }
            let template = try await store.createCouponTemplate(
                CouponTemplate(name: "bench", benefit: .amountOff(1_000), validity: .daysFromIssue(30)), group: group,
                brand: brand, at: Date())
            var codes: [String] = []
            var random = SystemRandomNumberGenerator()
            for (index, member) in ids.enumerated() {
                _ = try await store.applyPoints(
                    PointsRequest(
                        group: group, brand: brand, member: member,
                        operation: .credit(1_000, kind: .earn, expiresAt: nil),
                        reason: "bench", source: PointsSource(type: "system"), idempotencyKey: "seed-\(index)",
                        at: Date()))
                let code = CouponCode.canonical(CouponCode.make(using: &random)) ?? ""
                _ = try await store.issueCoupon(
                    template: template, group: group, brand: brand, member: member, code: code,
                    idempotencyKey: "coupon-\(index)", at: Date())
                codes.append(code)
            }
            print(String(format: "setup: %.1f s", BenchTraffic.seconds(since: setup)))

            let pipeline = try await IngestPipeline.open(
                store: store, url: url, registry: PrometheusCollectorRegistry(), logger: Logger(label: "bench.loyalty"))
            let port = Int.random(in: 20_000..<60_000)
            let app = Application(
                router: pipeline.server.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
            let services = ServiceGroup(
                configuration: .init(
                    services: [.init(service: app)], gracefulShutdownSignals: [],
                    logger: Logger(label: "bench.loyalty")))
            let outcome = try await withThrowingTaskGroup(of: (RedemptionRun, RedemptionRun?)?.self) { tasks in
                tasks.addTask {
                    try await services.run()
                    return nil
                }
                try await Task.sleep(for: .milliseconds(500))
                let run = try await Self.drive(
                    port: port, key: credentials.adminKey, members: ids, codes: codes, clients: clients,
                    operations: operations)
                let wrkRun = try wrk.map { executable in
                    try WrkLoad(
                        executable: executable, port: port, key: credentials.adminKey, members: ids, codes: codes,
                        clients: clients, seconds: wrkSeconds
                    ).run()
                }
                // Graceful: the server answers the requests wrk left in flight, then stops.
                await services.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return (run, wrkRun)
            }
            let (result, wrkRun) = outcome
            let seconds = result.seconds
            print(
                String(
                    format: "redemptions via HTTP: %.0f operations/s (%.2f s); latency p50 %.1f ms, p99 %.1f ms; "
                        + "%d points redeemed, %d refused (insufficient), %d coupons redeemed, %d refused (used)",
                    Double(operations) / seconds, seconds, result.p50 * 1000, result.p99 * 1000, result.pointsOK,
                    result.pointsRefused, result.couponsOK, result.couponsRefused))
            if let wrkRun {
                print(
                    String(
                        format: "redemptions via HTTP from wrk (%d connections, %d s): %.0f operations/s; latency p50 "
                            + "%.1f ms, p99 %.1f ms; %d points redeemed, %d refused, %d coupons redeemed, %d refused",
                        clients, wrkSeconds, Double(wrkRun.requests) / wrkRun.seconds, wrkRun.p50 * 1000,
                        wrkRun.p99 * 1000, wrkRun.pointsOK, wrkRun.pointsRefused, wrkRun.couponsOK,
                        wrkRun.couponsRefused))
            }

            // The same points redemptions as store calls from as many tasks, without HTTP: what the
            // ledger and the database cost alone, in the same run.
            let direct = try await Self.driveStore(
                store: store, group: group, brand: brand, members: ids, clients: clients, operations: operations)
            print(
                String(
                    format: "points redemptions without HTTP (store calls): %.0f operations/s (%.2f s); "
                        + "latency p50 %.1f ms, p99 %.1f ms; %d points redeemed",
                    Double(operations) / direct.seconds, direct.seconds, direct.p50 * 1000, direct.p99 * 1000,
                    direct.pointsOK))

            // Audit: every account as the run's answers say, entries and lots summing to balances,
            // every coupon redeemed at most once and exactly as often as the answers said.
            let audit = try await store.driver.run(
                QueryProgram(
                    SQLStatement(
                        """
                        SELECT (SELECT count(*) FROM points_accounts a WHERE a.group_id = ? AND (a.balance < 0 OR a.balance <> \
                        (SELECT coalesce(sum(e.points), 0) FROM points_entries e WHERE e.group_id = a.group_id \
                        AND e.brand_id = a.brand_id AND e.member_id = a.member_id) OR a.balance <> (SELECT coalesce(sum(l.remaining), 0) \
                        FROM points_lots l WHERE l.group_id = a.group_id AND l.brand_id = a.brand_id AND l.member_id = a.member_id))), \
                        (SELECT count(*) FROM coupons WHERE group_id = ? AND status = 'redeemed'), \
                        (SELECT CAST(coalesce(sum(balance), 0) AS BIGINT) FROM points_accounts WHERE group_id = ?)
                        """, [.text(group.rawValue), .text(group.rawValue), .text(group.rawValue)]),
                    map: { rows in (rows[0].int(0) ?? -1, rows[0].int(1) ?? -1, rows[0].int(2) ?? -1) }), writes: false)
            let pointsOK = result.pointsOK + direct.pointsOK + (wrkRun?.pointsOK ?? 0)
            let couponsOK = result.couponsOK + (wrkRun?.couponsOK ?? 0)
            let expectedBalance = Int64(ids.count) * 1_000 - Int64(pointsOK) * 10
            // wrk stops with requests in flight (at most one per connection): the server applies
            // them, but nobody counts their answers.
            let unanswered = Int64(wrkRun == nil ? 0 : clients)
            let audited =
                audit.0 == 0 && (Int64(couponsOK)...Int64(couponsOK) + unanswered).contains(audit.1)
                && (expectedBalance - 10 * unanswered...expectedBalance).contains(audit.2)
            print(
                "audit: \(audit.0) inconsistent accounts, \(audit.1) coupons redeemed (answers: \(couponsOK)), "
                    + "total balance \(audit.2) (expected \(expectedBalance)"
                    + (unanswered > 0 ? ", less up to \(unanswered) unanswered redemptions of wrk's" : "")
                    + ") → \(audited ? "PASS" : "FAIL")")

            if store.driver.dialect == .postgres,
                let tps = try await PgbenchBaseline.run(
                    executable: pgbench ?? Self.pgbenchOnPath(), url: url, store: store, group: group, brand: brand,
                    members: ids, clients: clients, transactions: operations)
            {
                print(
                    String(
                        format: "baseline: the same points redemption by pgbench (%d clients, prepared): %.0f "
                            + "transactions/s; HTTP reached %.0f%%, store calls %.0f%% of it",
                        clients, tps, Double(operations) / seconds / tps * 100,
                        Double(operations) / direct.seconds / tps * 100))
            }

            if lots > 0 {
                try await Self.expiry(store: store, group: group, brand: brand, lots: lots, perMember: lotsPerMember)
            }
            print("peak RSS: \(BenchTraffic.peakRSSMegabytes()) MiB")
            try await pipeline.close()
            try await store.close()
            if !audited { throw ExitCode(1) }
        }

        struct RedemptionRun: Sendable {
            var seconds: Double
            var p50: Double
            var p99: Double
            var pointsOK = 0
            var pointsRefused = 0
            var couponsOK = 0
            var couponsRefused = 0
            /// Requests answered (wrk's count; the in-process clients send exactly `operations`).
            var requests = 0
        }

        /// `clients` tasks send `operations` redemptions for random members: points (10 each) four
        /// times in five, the member's coupon otherwise.
        static func drive(
            port: Int, key: String, members: [MemberID], codes: [String], clients: Int, operations: Int
        ) async throws -> RedemptionRun {
            let client = BenchTraffic.httpClient(connections: clients)
            let start = ContinuousClock.now
            // Each outcome: 0 points redeemed, 1 points refused, 2 coupon redeemed, 3 coupon refused.
            let run = try await BenchTraffic.load(clients: clients, operations: operations, seed: 0) {
                index, random in
                let pick = Int(random.next() % UInt64(members.count))
                let coupon = random.next() % 5 == 0
                let path =
                    coupon
                    ? "/api/v1/loyalty/coupons/\(codes[pick])/redeem" : "/api/v1/members/\(members[pick])/points/redeem"
                let body =
                    coupon
                    ? #"{"orderId":"B\#(index)","cart":{"channel":"pos","items":[{"sku":"x","quantity":1,"unitPriceMinor":5000}]}}"#
                    : #"{"points":10,"reason":"bench"}"#
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(key)")
                request.headers.add(name: "Idempotency-Key", value: "op-\(index)")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await client.execute(request, timeout: .seconds(60))
                _ = try await response.body.collect(upTo: 1024 * 1024)
                switch (coupon, response.status) {
                case (false, .ok): return 0
                case (false, .unprocessableEntity): return 1
                case (true, .ok): return 2
                case (true, .unprocessableEntity): return 3
                default: throw ValidationError("\(path) answered \(response.status)")
                }
            }
            let seconds = BenchTraffic.seconds(since: start)
            try await client.shutdown()
            let count = { (outcome: Int) in run.outcomes.count { $0 == outcome } }
            return RedemptionRun(
                seconds: seconds, p50: BenchTraffic.percentile(run.latencies, 0.5),
                p99: BenchTraffic.percentile(run.latencies, 0.99), pointsOK: count(0), pointsRefused: count(1),
                couponsOK: count(2), couponsRefused: count(3))
        }

        /// `$TESSERA_PGBIN/pgbench` when set, else the first `pgbench` on the `PATH`.
        static func pgbenchOnPath() -> String {
            let environment = ProcessInfo.processInfo.environment
            if let folder = environment["TESSERA_PGBIN"] { return folder + "/pgbench" }
            let folders = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
            return folders.map { $0 + "/pgbench" }.first { FileManager.default.isExecutableFile(atPath: $0) }
                ?? "pgbench"
        }

        /// `clients` tasks redeem 10 points of random members `operations` times through the store.
        static func driveStore(
            store: SQLTesseraStore, group: GroupID, brand: BrandID, members: [MemberID], clients: Int,
            operations: Int
        ) async throws -> RedemptionRun {
            let start = ContinuousClock.now
            let run = try await BenchTraffic.load(clients: clients, operations: operations, seed: 1_000) {
                index, random in
                _ = try await store.applyPoints(
                    PointsRequest(
                        group: group, brand: brand, member: members[Int(random.next() % UInt64(members.count))],
                        operation: .debit(10, kind: .redeem), reason: "bench", source: PointsSource(type: "system"),
                        idempotencyKey: "direct-\(index)", at: Date()))
            }
            let seconds = BenchTraffic.seconds(since: start)
            return RedemptionRun(
                seconds: seconds, p50: BenchTraffic.percentile(run.latencies, 0.5),
                p99: BenchTraffic.percentile(run.latencies, 0.99), pointsOK: run.outcomes.count)
        }

        /// Writes `lots` already-expired lots (`perMember` per member, balances to match) straight
        /// into the ledger tables, then times the expiry pass and checks nothing is left due.
        static func expiry(store: SQLTesseraStore, group: GroupID, brand: BrandID, lots: Int, perMember: Int)
            async throws
        {
            let owners = max(1, lots / perMember)
            let earned = Timestamp.micros(Date(timeIntervalSinceNow: -400 * 86_400))
            let expired = Timestamp.micros(Date(timeIntervalSinceNow: -86_400))
            let (g, b) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue))
            let fill = ContinuousClock.now
            for start in stride(from: 0, to: owners, by: 1_000) {
                let range = start..<min(owners, start + 1_000)
                var statements = SQLBuilder.insert(
                    into: "members", columns: ["group_id", "id", "sample", "created_at", "updated_at"],
                    rows: range.map {
                        [
                            g, .text("x\($0)"), .int(SegmentEstimate.bucket(of: MemberID("x\($0)"))), .int(earned),
                            .int(earned),
                        ]
                    })
                statements += SQLBuilder.insert(
                    into: "points_accounts",
                    columns: ["group_id", "brand_id", "member_id", "balance", "debt", "updated_at"],
                    rows: range.map { [g, b, .text("x\($0)"), .int(Int64(perMember) * 100), .int(0), .int(earned)] })
                statements += SQLBuilder.insert(
                    into: "points_lots",
                    columns: [
                        "group_id", "id", "brand_id", "member_id", "earned_at", "expires_at", "amount", "remaining",
                    ],
                    rows: range.flatMap { owner in
                        (0..<perMember).map { lot in
                            [
                                g, .text("x\(owner)-\(lot)"), b, .text("x\(owner)"), .int(earned),
                                .int(expired + Int64(lot)),
                                .int(100), .int(100),
                            ]
                        }
                    })
                try await store.driver.run(ExecuteProgram(statements), writes: true)
            }
            print(
                String(
                    format: "expiry: %d expired lots of %d members written in %.1f s", owners * perMember, owners,
                    BenchTraffic.seconds(since: fill)))
            let rssBefore = BenchTraffic.peakRSSMegabytes()
            let pass = ContinuousClock.now
            let result = try await LoyaltyService(store: store).expireDue(at: Date())
            let seconds = BenchTraffic.seconds(since: pass)
            let again = try await LoyaltyService(store: store).expireDue(at: Date())
            print(
                String(
                    format: "expiry pass: %d members, %d points in %.1f s (%.0f lots/s); second pass: %d members; "
                        + "peak RSS before %d MiB, after %d MiB", result.members, result.points, seconds,
                    Double(owners * perMember) / seconds, again.members, rssBefore, BenchTraffic.peakRSSMegabytes()))
        }
    }
}
