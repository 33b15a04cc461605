import ArgumentParser
import Foundation
import TesseraCore
import TesseraDomain

extension Bench {
    /// `tessera bench segments` (issue 4): loads the deterministic data set (1M members, 20M events,
    /// 3M orders by default) and measures the size estimate and the full computation of two segments
    /// — a five-condition template and "bought category X ≥ 2 times in 90 days and not category Y and
    /// points expiring in 30 days > 0" — and the real-time update cost per incoming event. With
    /// `--csv DIR` it also writes the data as CSV for `Benchmarks/segments_duckdb.py`, which runs
    /// hand-written SQL for the same segments in DuckDB as the baseline.
    struct Segments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Segments at scale: estimate, full computation and real-time updates on generated data.")

        @Option(help: "An EMPTY database: sqlite:///path or postgres://… (default: a new SQLite file in /tmp).")
        var database: String?
        @Option(help: "Members to generate.") var members = 1_000_000
        @Option(help: "Events to generate (on average per member: events / members).") var events = 20_000_000
        @Option(help: "Orders to generate (on average per member: orders / members).") var orders = 3_000_000
        @Option(help: "Seed for the generated data.") var seed: UInt64 = 4
        @Option(help: "The instant the data is generated around, Unix seconds (default: now, to the second).")
        var now: Int64?
        @Option(help: "Also write the generated rows as CSV files into this directory (for DuckDB).")
        var csv: String?
        @Option(help: "Incoming events to time on the real-time path.") var samples = 1_000
        @Flag(help: "Measure a database an earlier run loaded (give the same --now and sizes); no load.")
        var measureOnly = false
        @Option(help: "With --measure-only: first load members from this index on (an interrupted load).")
        var loadFrom: Int?
        @Flag(help: "Load (and project) only; measure in a later --measure-only run.") var noMeasure = false
        @Option(
            parsing: .upToNextOption,
            help: "Also time sampled estimates with these sample targets (members examined), e.g. 5000 20000.")
        var estimateSamples: [Int64] = []

        func run() async throws {
            let instant = now ?? Int64(Date().timeIntervalSince1970)
            if measureOnly {
                guard let database else { throw ValidationError("--measure-only needs --database") }
                let store = SQLTesseraStore(driver: try DatabaseOptions.driver(for: database))
                try await store.migrate()
                guard let group = try await store.groupIDs().first,
                    let brand = try await store.brands(group: group).first?.id
                else { throw ValidationError("no loaded bench data in \(database)") }
                try await store.driver.run(
                    ExecuteProgram(
                        ["segment_members", "segments"].map {
                            SQLStatement("DELETE FROM \($0) WHERE group_id = ?", [.text(group.rawValue)])
                        }), writes: true)
                let projected = try await store.driver.run(
                    QueryProgram(
                        SQLStatement(
                            "SELECT 1 FROM purchase_facts WHERE group_id = ? LIMIT 1", [.text(group.rawValue)]),
                        map: { !$0.isEmpty }), writes: false)
                // Earlier runs' real-time events (and members they created) would skew the counts;
                // the summaries of the members those events touched are rebuilt once they are gone.
                let g = SQLValue.text(group.rawValue)
                // (Only where summaries are kept: the query reads every event of the group.)
                let touched =
                    store.driver.dialect.keepsEventSummaries
                    ? try await store.driver.run(
                        QueryProgram(
                            SQLStatement(
                                "SELECT DISTINCT member_id FROM events WHERE group_id = ? AND idempotency_key LIKE 'bench-%'",
                                [g]), map: { rows in rows.compactMap { $0.text(0) } }), writes: false) : []
                let tables =
                    (store.driver.dialect.keepsEventSummaries ? ["member_event_stats"] : [])
                    + ["events", "member_brands", "member_identifiers", "members"]
                let cleanup = tables.map { table in
                    let member = table == "members" ? "id" : "member_id"
                    return SQLStatement("DELETE FROM \(table) WHERE group_id = ? AND \(member) NOT LIKE 'm%'", [g])
                }
                let rebuilds = touched.flatMap {
                    StoreSQL.rebuildEventStats(group: group, member: MemberID($0), dialect: store.driver.dialect)
                }
                try await store.driver.run(
                    ExecuteProgram(
                        cleanup + [
                            SQLStatement(
                                "DELETE FROM events WHERE group_id = ? AND idempotency_key LIKE 'bench-%'", [g])
                        ] + rebuilds), writes: true)
                if let loadFrom {
                    try await load(store: store, group: group, brand: brand, instant: instant, from: loadFrom)
                } else if !projected {
                    try await Self.project(store: store, group: group)
                }
                if !noMeasure { try await measure(store: store, group: group, brand: brand, instant: instant) }
                return
            }
            let (_, store, credentials) = try await BenchTraffic.emptyStore(database)
            let (group, brand) = (credentials.groupID, credentials.brandID)
            try await load(store: store, group: group, brand: brand, instant: instant, from: 0)
            if !noMeasure { try await measure(store: store, group: group, brand: brand, instant: instant) }
        }

        /// Generates and writes members `from`..<`members` with their rows (and CSV), then projects.
        private func load(store: SQLTesseraStore, group: GroupID, brand: BrandID, instant: Int64, from: Int)
            async throws
        {
            if store.driver.dialect == .sqlite {
                // Bulk loading and projecting millions of rows: let the writer keep the dirty pages of
                // a chunk (and of the projection's index) in memory instead of spilling them repeatedly.
                try await store.driver.run(
                    ExecuteProgram([SQLStatement("PRAGMA cache_size = -4000000", [])]), writes: true)
            }
            let data = SegmentBenchData(
                members: members, eventsPerMember: events / max(members, 1), ordersPerMember: orders / max(members, 1),
                seed: seed, now: instant * 1_000_000)
            let directory = csv.map { URL(fileURLWithPath: $0) }
            if let directory, from == 0 {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                for table in SegmentBenchData.columns {
                    try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(table.table).csv"))
                }
            }
            print("data: seed \(seed), now \(instant) (Unix seconds)")

            let loadStart = ContinuousClock.now
            var counts = [Int](repeating: 0, count: SegmentBenchData.columns.count)
            for start in stride(from: from, to: members, by: 5_000) {
                let chunk = data.chunk(start..<min(start + 5_000, members), group: group, brand: brand)
                for (index, rows) in [
                    chunk.members, chunk.memberBrands, chunk.identifiers, chunk.events, chunk.orders, chunk.items,
                    chunk.accounts, chunk.lots,
                ].enumerated() {
                    counts[index] += rows.count
                }
                try await store.driver.run(
                    ExecuteProgram(SegmentBenchData.statements(chunk, dialect: store.driver.dialect)), writes: true)
                if let directory { try SegmentBenchData.appendCSV(chunk, to: directory) }
                if (start + 5_000) % 100_000 == 0 {
                    // Unbuffered, so a log file shows the progress as it happens.
                    FileHandle.standardError.write(
                        Data(
                            "  loaded \(start + 5_000) members (\(Int(BenchTraffic.seconds(since: loadStart))) s)\n"
                                .utf8))
                }
            }
            try await Self.project(store: store, group: group)
            print(
                String(format: "load: %.0f s — ", BenchTraffic.seconds(since: loadStart))
                    + zip(SegmentBenchData.columns, counts).map { "\($0.table) \($1)" }.joined(separator: ", "))
        }

        /// Builds the purchase projection of the directly loaded orders, then refreshes the planner's
        /// statistics (sampled on SQLite: a full `ANALYZE` of a 10 GB file takes minutes).
        static func project(store: SQLTesseraStore, group: GroupID) async throws {
            let start = ContinuousClock.now
            if store.driver.dialect == .sqlite {
                try await store.driver.run(
                    ExecuteProgram([SQLStatement("PRAGMA cache_size = -4000000", [])]), writes: true)
            }
            try await store.driver.run(ExecuteProgram(PurchaseFactsSQL.rebuild(group: group)), writes: true)
            print(String(format: "purchase projection built in %.0f s", BenchTraffic.seconds(since: start)))
            try await BenchTraffic.refreshStatistics(store)
            print(String(format: "statistics refreshed, %.0f s in all", BenchTraffic.seconds(since: start)))
        }

        /// Estimates, full computations and the real-time path on loaded data.
        private func measure(store: SQLTesseraStore, group: GroupID, brand: BrandID, instant: Int64) async throws {

            let segments = SegmentService(store: store)
            let context = try await segments.context(
                group: group, brand: brand, at: Date(timeIntervalSince1970: Double(instant)))
            print(
                "window bounds (brand time zone \(context.timeZone.identifier)): lastDays(90) from "
                    + "\(TimeWindow.lastDays(90).bounds(in: context).from ?? 0), lastDays(60) from "
                    + "\(TimeWindow.lastDays(60).bounds(in: context).from ?? 0), lastDays(30) from "
                    + "\(TimeWindow.lastDays(30).bounds(in: context).from ?? 0), now \(context.now)")
            let rules = try Self.rules()
            let at = Date(timeIntervalSince1970: Double(instant))
            var created: [SegmentRecord] = []
            for (name, rule) in rules {
                /// The estimate's milliseconds (the first call's, then the median of the next 3: while a
                /// rule is edited the same sample's pages are read again) and its answer.
                func estimate(exact: Bool, sample: Int64? = nil) async throws -> (Double, Double, SegmentEstimate) {
                    let service = sample.map { SegmentService(store: store, estimateSample: $0) } ?? segments
                    var times: [Double] = []
                    var answer = SegmentEstimate.exact(0)
                    for _ in 0..<4 {
                        let start = ContinuousClock.now
                        answer = try await service.estimate(rule, group: group, brand: brand, at: at, exact: exact)
                        times.append(BenchTraffic.seconds(since: start) * 1_000)
                    }
                    return (times[0], times.dropFirst().sorted()[1], answer)
                }
                let (_, exactMs, exact) = try await estimate(exact: true)
                let size = exact.count
                for sample in [nil] + estimateSamples.map(Optional.some) {
                    let (firstMs, sampledMs, sampled) = try await estimate(exact: false, sample: sample)
                    let how =
                        sampled.exact
                        ? "exact"
                        : String(
                            format: "95%%: %lld–%lld, %lld members examined, %+.1f%% off the exact count", sampled.low,
                            sampled.high, sampled.sampled ?? 0,
                            size == 0 ? 0 : Double(sampled.count - size) * 100 / Double(size))
                    print(
                        String(
                            format: "%@: estimate %.0f ms (first call %.0f ms; sample target %@): %lld (%@)", name,
                            sampledMs, firstMs, sample.map(String.init) ?? "default", sampled.count, how))
                }
                let createStart = ContinuousClock.now
                let segment = try await segments.create(
                    name: name, kind: .dynamic, rule: rule, group: group, brand: brand, at: at)
                let createMs = BenchTraffic.seconds(since: createStart) * 1_000
                let refreshStart = ContinuousClock.now
                _ = try await segments.refresh(id: segment.id, group: group, brand: brand, at: at)
                let refreshMs = BenchTraffic.seconds(since: refreshStart) * 1_000
                created.append(segment)
                print(
                    String(
                        format:
                            "%@: %lld members; exact count %.0f ms (median of 3 after one); full computation %.0f ms "
                            + "(create, writing members); refresh %.0f ms (recompute and diff)",
                        name, size, exactMs, createMs, refreshMs))
            }

            // The real-time path: an event arrives for a random member; it is written, then the member's
            // dynamic segments (both above) are re-evaluated in memory and any change written.
            let ingest = IngestService(store: store)
            let derived = DerivedStateService(store: store, segments: segments, cacheLifetime: 3_600)
            var random = SeededRandom(seed: seed &+ 99)
            var writes: [Double] = []
            var updates: [Double] = []
            for _ in 0..<samples {
                let id = String(format: "m%07d", Int(random.next() % UInt64(members)))
                let message = IngestMessage(
                    idempotencyKey: "bench-\(UUID().uuidString)", kind: .track,
                    identifiers: [try Identifier.parse("external:\(id)")],
                    name: "Product Viewed", channel: "web", brandID: brand, occurredAt: at,
                    properties: .object(["sku": .string("S3"), "category": .string("c04")]))
                let writeStart = ContinuousClock.now
                _ = try await ingest.write([message], group: group, receivedAt: at)
                writes.append(BenchTraffic.seconds(since: writeStart) * 1_000)
                let updateStart = ContinuousClock.now
                try await derived.membersChanged([MemberID(id)], group: group, brand: brand, at: at)
                updates.append(BenchTraffic.seconds(since: updateStart) * 1_000)
            }
            writes.sort()
            updates.sort()
            print(
                String(
                    format: "real-time, %d events: derived state and segment update per event p50 %.3f ms, "
                        + "p99 %.3f ms, mean %.3f ms; the event's own write p50 %.3f ms",
                    samples, BenchTraffic.percentile(updates, 0.5), BenchTraffic.percentile(updates, 0.99),
                    updates.reduce(0, +) / Double(max(samples, 1)), BenchTraffic.percentile(writes, 0.5)))
            try await store.close()
        }

        /// (a) the five-condition template `browsing-lapsed-spenders` with its defaults; (b) the issue's
        /// cross-sell rule: bought c03 ≥ 2 times in 90 days, never c07 in 90 days, points expiring in 30.
        static func rules() throws -> [(String, SegmentRule)] {
            let catalogue = SegmentTemplate.all
            guard let browsing = catalogue.first(where: { $0.id == "browsing-lapsed-spenders" }),
                let crossSell = catalogue.first(where: { $0.id == "cross-sell-points-expiring" })
            else { throw ValidationError("template missing from the catalogue") }
            return [
                ("(a) browsing-lapsed-spenders", try browsing.rule([:])),
                (
                    "(b) cross-sell-points-expiring",
                    try crossSell.rule(["bought": .string("c03"), "notBought": .string("c07")])
                ),
            ]
        }
    }
}
