import ArgumentParser
import Foundation
import Logging
import TesseraCore
import TesseraDomain
import TesseraWorkers

extension Bench {
    /// `tessera bench journeys`: a scheduled plan to every member of an N-member segment, with
    /// frequency caps and a consent check, into the log channel — messages per second through the
    /// real step loop, against the bare insert rate of the outbox table in the same run.
    struct Journeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Journey blast: a scheduled plan to an N-member segment vs raw outbox inserts.")

        @Option(help: "An EMPTY database: sqlite:///path or postgres://… (default: a new SQLite file in /tmp).")
        var database: String?
        @Option(help: "Members in the segment.") var members = 100_000
        @Option(help: "Runs leased per step batch (the server's default).") var batch = JourneyWorker.defaultBatch
        @Option(help: "The journey worker's step loops (the server's default).")
        var workers = JourneyWorker.defaultStepLoops

        func run() async throws {
            let (_, store, credentials) = try await BenchTraffic.emptyStore(database)
            let (group, brand) = (credentials.groupID, credentials.brandID)
            let start = Date()
            let loaded = ContinuousClock.now
            try await store.driver.run(
                ExecuteProgram(Self.population(group: group, brand: brand, members: members)), writes: true)
            print(
                String(
                    format: "loaded %d members into segment 'everyone' in %.1f s", members,
                    BenchTraffic.seconds(since: loaded)))

            // Baseline: the same number of outbox rows, inserted as fast as multi-row INSERTs go.
            let baseline = ContinuousClock.now
            for chunk in stride(from: 0, to: members, by: 1_000) {
                let rows = (chunk..<min(chunk + 1_000, members)).map { n -> [SQLValue] in
                    let key = SQLValue.text("baseline-\(n)")
                    return [
                        .text(group.rawValue), key, key, .text("baseline"), .int(1), key, .text("send"),
                        .text("m\(n)"), .text(brand.rawValue), .text("log"), .text("welcome"), .text("delivered"),
                        .int(0), .text("Welcome!"),
                    ]
                }
                try await store.driver.run(
                    ExecuteProgram(
                        SQLBuilder.insert(
                            into: "journey_messages",
                            columns: [
                                "group_id", "id", "idempotency_key", "journey_id", "version", "run_id", "node_id",
                                "member_id", "brand_id", "channel", "template", "status", "created_at", "body",
                            ], rows: rows)), writes: true)
            }
            let baselineSeconds = BenchTraffic.seconds(since: baseline)
            // The baseline's rows stay, as the history of an outbox in use (created long ago: outside the
            // caps' window), and the tables get statistics, as a database in use has them. Planned as the
            // empty tables the migrations analysed, PostgreSQL read the members and the caps' deliveries
            // by scanning (31 ms instead of 4.7 ms per 200 members for the facts) until autovacuum
            // caught up, a minute into the blast.
            try await BenchTraffic.refreshStatistics(store)

            let segments = SegmentService(store: store)
            let journeys = JourneyService(store: store, segments: segments)
            try await store.saveMessageTemplate(
                MessageTemplate(
                    name: "welcome",
                    body: "Hi {{#member.name}}{{member.name}}{{/member.name}}{{^member.name}}there{{/member.name}}!"),
                group: group, brand: brand, at: start)
            _ = try await journeys.saveDeliveryPolicy(
                try JSONParser.parse(Array(#"{"caps": {"*": {"perDay": 3, "perWeek": 10}}}"#.utf8)), group: group,
                brand: brand, at: start)
            let at = ISO8601DateFormatter().string(from: start)
            let draft = try JSONParser.parse(
                Array(
                    """
                    {"entry": {"scheduled": {"segment": "everyone", "at": "\(at)"}}, "start": "hello", "quietHours": "ignore",
                     "nodes": {"hello": {"send": {"channel": "log", "template": "welcome", "consent": "sms", "next": "end"}},
                               "end": {"exit": {}}}}
                    """.utf8))
            let saved = try await journeys.save(name: "blast", draft: draft, group: group, brand: brand, at: start)
            _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)

            // The server's own worker enters the segment a chunk at a time and steps the runs entered so
            // far meanwhile: its first step loop is woken, the others join when it leases a full batch or
            // enters a chunk; done when the schedule is and no run of the plan is active any more.
            let blast = ContinuousClock.now
            let worker = JourneyWorker(
                journeys: journeys, logger: Logger(label: "bench.journeys"), stepLoops: workers, batch: batch)
            let running = Task { try await worker.run() }
            worker.wake()
            // Any schedule left to enter, any active run (the plan's are the only ones)? The first entry of
            // the due index, asked every 100 ms: a count over the plan's runs, asked every 20 ms, had
            // PostgreSQL scanning while the worker wrote, and a probe naming the plan walked its ended
            // runs on SQLite (21 ms a probe).
            let progress = QueryProgram(
                SQLStatement(
                    """
                    SELECT (SELECT COUNT(*) FROM journey_schedules WHERE done = ?), \
                    (SELECT COUNT(*) FROM (SELECT 1 FROM journey_runs WHERE status = 'active' ORDER BY due_at LIMIT 1) a)
                    """, [.bool(false)])
            ) { rows in (entering: (rows.first?.int(0) ?? 0) > 0, active: (rows.first?.int(1) ?? 0) > 0) }
            var enterSeconds: Double?
            while true {
                let now = try await store.driver.run(progress, writes: false)
                if !now.entering, enterSeconds == nil { enterSeconds = BenchTraffic.seconds(since: blast) }
                if !now.entering, !now.active { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            running.cancel()
            let blastSeconds = BenchTraffic.seconds(since: blast)
            let statistics = try await store.journeyStatistics(group: group, journeyID: saved.record.id)
            let delivered = statistics.messages["hello"]?["delivered"] ?? 0
            let refused = statistics.messages["hello"]?["failed"] ?? 0
            let applied = Int(delivered + refused)
            print(
                String(
                    format: """
                        outbox baseline: %d rows in %.2f s = %.0f rows/s
                        blast: %d members entered within %.2f s; %d steps in %.2f s = %.0f messages/s \
                        (%d delivered, %d refused without consent), %d workers, batches of %d
                        peak RSS: %d MiB
                        """, members, baselineSeconds, Double(members) / baselineSeconds, members, enterSeconds ?? 0,
                    applied, blastSeconds, Double(applied) / blastSeconds, delivered, refused, workers, batch,
                    BenchTraffic.peakRSSMegabytes()))
        }

        /// Members (nine in ten consenting to SMS), their brand rows and a snapshot segment of all.
        static func population(group: GroupID, brand: BrandID, members: Int) -> [SQLStatement] {
            let (g, b) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue))
            let series = "WITH RECURSIVE s(n) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT n + 1 FROM s WHERE n < ?)"
            let last = SQLValue.int(Int64(members - 1))
            return [
                SQLStatement(
                    """
                    \(series) INSERT INTO members (group_id, id, sample, registered, kind, consent, created_at, \
                    updated_at) SELECT ?, 'm' || n, n % 10000, ?, 'member', \
                    (CASE WHEN n % 10 = 0 THEN '{}' ELSE '{"sms": true}' END)::jsonb, 0, 0 FROM s
                    """, [last, g, .bool(true)]),
                SQLStatement(
                    """
                    \(series) INSERT INTO member_brands (group_id, member_id, brand_id, joined_at) \
                    SELECT ?, 'm' || n, ?, 0 FROM s
                    """, [last, g, b]),
                SQLStatement(
                    """
                    INSERT INTO segments (group_id, id, brand_id, name, kind, rule, computed_at, created_at, updated_at) \
                    VALUES (?, 'everyone', ?, 'everyone', 'snapshot', ?::jsonb, 0, 0, 0)
                    """, [g, b, .text(#"{"and": []}"#)]),
                SQLStatement(
                    """
                    \(series) INSERT INTO segment_members (group_id, segment_id, member_id, entered_at) \
                    SELECT ?, 'everyone', 'm' || n, 0 FROM s
                    """, [last, g]),
            ]
        }
    }
}
