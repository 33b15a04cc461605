import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import TesseraCore
import TesseraDomain
import Synchronization
import TesseraHTTP
import TesseraWorkers
import Logging

/// `tessera bench ingest`: Segment-format ingest throughput through HTTP, against the same rows
/// inserted by a minimal direct SQL loop in the same run, plus member-360 read latency under load.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run benchmarks.",
        subcommands: [Ingest.self, Loyalty.self, Segments.self, Journeys.self, JourneyLatency.self])

    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest throughput: HTTP /v1/batch vs a raw INSERT loop, on an empty database.")

        @Option(help: "An EMPTY database: sqlite:///path or postgres://… (default: a new SQLite file in /tmp).")
        var database: String?
        @Option(help: "Messages to send.") var events = 200_000
        @Option(help: "Distinct users.") var users = 100_000
        @Option(help: "Messages per batch.") var batch = 100
        @Option(help: "Concurrent HTTP clients.") var clients = 4
        @Option(help: "Seed for the generated traffic.") var seed: UInt64 = 42
        @Flag(help: "Also read member 360 views from a fifth client during the run.") var readLoad = false

        func run() async throws {
            let (url, store, credentials) = try await BenchTraffic.emptyStore(database)
            let bodies = BenchTraffic.batches(events: events, users: users, batch: batch, seed: seed)
            print(
                "traffic: \(events) messages, \(users) users, batches of \(batch), \(clients) clients, "
                    + "50% identify / 50% track")

            let baseline = try await BenchTraffic.rawInsert(store: store, bodies: bodies)
            print(
                String(
                    format: "baseline (direct multi-row INSERT, %d rows per transaction): %.0f rows/s", batch, baseline)
            )
            let pipeline = try await IngestPipeline.open(
                store: store, url: url, registry: PrometheusCollectorRegistry(), logger: Logger(label: "bench.ingest"))
            let memberStoreBaseline = try await MemberStoreBaseline(
                driver: store.driver, messagesPerTransaction: pipeline.projector.batchMessages
            ).run(bodies: bodies)
            print(
                String(
                    format: "member-store baseline (every row the projector writes, direct multi-row INSERT/upsert, "
                        + "%d messages per transaction, no lookups): %.0f messages/s",
                    pipeline.projector.batchMessages, memberStoreBaseline))
            let logBaseline = try await BenchTraffic.rawLogInsert(log: pipeline.log, bodies: bodies)
            print(
                String(
                    format: "log baseline (direct INSERT of each request body, one per transaction): %.0f rows/s "
                        + "= %.0f messages/s", logBaseline, logBaseline * Double(events) / Double(bodies.count)))

            let port = Int.random(in: 20_000..<60_000)
            let app = Application(
                router: pipeline.server.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
            // The projector before the server: a service group stops services in reverse order.
            let services = ServiceGroup(
                configuration: .init(
                    services: [.init(service: pipeline.projector), .init(service: app)], gracefulShutdownSignals: [],
                    logger: Logger(label: "bench.ingest")))
            let outcome = try await withThrowingTaskGroup(of: BenchResult?.self) { group in
                group.addTask {
                    try await services.run()
                    return nil
                }
                try await Task.sleep(for: .milliseconds(500))
                let result = try await BenchTraffic.drive(
                    port: port, writeKey: credentials.writeKey, adminKey: credentials.adminKey, bodies: bodies,
                    clients: clients, users: users, readLoad: readLoad
                ) {
                    // Caught up when nothing is pending in the log of the bench's group.
                    while try await pipeline.log.status(group: credentials.groupID, now: Date()).pendingEntries > 0 {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return result as BenchResult?
            }
            guard let result = outcome else { return }
            let accepted = Double(events) / result.acceptSeconds
            let projected = Double(events) / result.totalSeconds
            print(
                String(
                    format: "accepted via HTTP: %.0f events/s (%.2f s); %.1f%% of the raw-insert baseline, "
                        + "%.1f%% of the log baseline", accepted, result.acceptSeconds, 100 * accepted / baseline,
                    100 * accepted * Double(bodies.count) / Double(events) / logBaseline))
            print(
                String(
                    format: "projected into members (end to end): %.0f events/s (%.2f s; lag when the last request "
                        + "was answered: %.2f s); %.1f%% of the member-store baseline", projected, result.totalSeconds,
                    result.totalSeconds - result.acceptSeconds, 100 * projected / memberStoreBaseline))
            print(
                String(
                    format: "batch latency: p50 %.1f ms, p99 %.1f ms", result.batchP50 * 1000, result.batchP99 * 1000))
            if readLoad {
                print(
                    String(
                        format: "member 360 read under load: p50 %.2f ms, p99 %.2f ms (%d reads)",
                        result.readP50 * 1000, result.readP99 * 1000, result.reads))
            } else {
                print("member 360 read under load: not measured (add --read-load)")
            }
            print("peak RSS: \(BenchTraffic.peakRSSMegabytes()) MiB")
            try await pipeline.close()
            try await store.close()
        }
    }
}

struct BenchResult: Sendable {
    /// Until the last request was answered.
    var acceptSeconds: Double
    /// Until the projector had written everything into the member store.
    var totalSeconds: Double
    var batchP50: Double
    var batchP99: Double
    var readP50: Double
    var readP99: Double
    var reads: Int
}

/// Deterministic Segment traffic and the drivers that send it.
enum BenchTraffic {
    /// Gives every table statistics, as a database in use has them: data loaded in bulk right after
    /// the migrations analysed the empty tables would otherwise be planned as near-empty (SQLite
    /// samples 1,000 rows per index, so this stays quick at millions of rows).
    ///
    /// PostgreSQL is vacuumed as well, as autovacuum does to a database in use. Autovacuum may
    /// have passed over a table while it was still filling, leaving the rows loaded after it
    /// unmarked as visible to all, so that index-only scans read the heap for them: segment (a)
    /// took 1,012–1,077 ms to create straight after a load and 911–1,039 ms after `VACUUM`
    /// (BENCHMARKS.md, session 36).
    static func refreshStatistics(_ store: SQLTesseraStore) async throws {
        switch store.driver.dialect {
        case .sqlite:
            try await store.driver.run(
                ExecuteProgram(["PRAGMA analysis_limit = 1000", "ANALYZE"].map { SQLStatement($0, []) }), writes: true)
        case .postgres:
            // VACUUM refuses to run inside a transaction.
            try await store.driver.runWithoutTransaction(ExecuteProgram([SQLStatement("VACUUM (ANALYZE)", [])]))
        }
    }

    /// An HTTP client that opens up to `connections` connections to the server: the default
    /// (8 per host) would queue the bench's clients inside the client and cap the concurrency the
    /// server sees, whatever `--clients` says.
    static func httpClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// `[(body, rows)]`: each body a `/v1/batch` JSON document; `rows` the (key, user, kind) of its messages.
    static func batches(events: Int, users: Int, batch: Int, seed: UInt64) -> [(
        body: ByteBuffer, rows: [(String, String, String)]
    )] {
        var random = SeededRandom(seed: seed)
        var result: [(ByteBuffer, [(String, String, String)])] = []
        var index = 0
        while index < events {
            var messages: [String] = []
            var rows: [(String, String, String)] = []
            for _ in 0..<min(batch, events - index) {
                let user = Int(random.next() % UInt64(users))
                let key = "bench-\(seed)-\(index)"
                if random.next() % 2 == 0 {
                    messages.append(
                        #"{"type":"identify","messageId":"\#(key)","userId":"u\#(user)","anonymousId":"a\#(user)","timestamp":"2026-11-23T08:00:00.000000+00:00","traits":{"email":"u\#(user)@example.com","name":"User \#(user)","plan":"gold"},"context":{"library":{"name":"bench","version":"1"}}}"#
                    )
                    rows.append((key, "u\(user)", "identify"))
                } else {
                    messages.append(
                        #"{"type":"track","messageId":"\#(key)","userId":"u\#(user)","event":"Product Viewed","timestamp":"2026-11-23T08:00:00.000000+00:00","properties":{"sku":"SKU-\#(user % 500)","price":99.5,"category":"skincare"},"context":{"library":{"name":"bench","version":"1"}}}"#
                    )
                    rows.append((key, "u\(user)", "track"))
                }
                index += 1
            }
            result.append(
                (
                    ByteBuffer(
                        string: #"{"batch":["# + messages.joined(separator: ",")
                            + #"],"sentAt":"2026-11-23T08:00:01+00:00"}"#), rows
                ))
        }
        return result
    }

    /// The minimal direct SQL loop: the same event rows, one multi-row INSERT per batch, one transaction each.
    static func rawInsert(store: SQLTesseraStore, bodies: [(body: ByteBuffer, rows: [(String, String, String)])])
        async throws -> Double
    {
        try await store.driver.run(
            ExecuteProgram(
                [
                    SQLStatement(
                        "CREATE TABLE bench_raw_events (group_id TEXT NOT NULL, id TEXT NOT NULL, idempotency_key TEXT NOT NULL, member_id TEXT, kind TEXT NOT NULL, occurred_at BIGINT NOT NULL, properties TEXT NOT NULL, PRIMARY KEY (group_id, id), UNIQUE (group_id, idempotency_key))",
                        [])
                ]
                    + (store.driver.dialect == .postgres
                        ? [SQLStatement(Migration.collateTextColumns(ofTables: ["bench_raw_events"]), [])] : [])),
            writes: true)
        let start = ContinuousClock.now
        var rows = 0
        for (_, batch) in bodies {
            let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: batch.count).joined(separator: ", ")
            let arguments = batch.flatMap { key, user, kind -> [SQLValue] in
                [
                    .text("g"), .text(key), .text(key), .text(user), .text(kind), .int(1_700_000_000_000_000),
                    .text(#"{"sku":"SKU-1"}"#),
                ]
            }
            try await store.driver.run(
                ExecuteProgram([
                    SQLStatement(
                        "INSERT INTO bench_raw_events (group_id, id, idempotency_key, member_id, kind, occurred_at, properties) VALUES \(values)",
                        arguments)
                ]), writes: true)
            rows += batch.count
        }
        return Double(rows) / seconds(since: start)
    }

    /// The same request bodies, each inserted as one row by a direct loop: what accepting them into the
    /// ingest log costs the database alone.
    static func rawLogInsert(log: IngestLog, bodies: [(body: ByteBuffer, rows: [(String, String, String)])])
        async throws -> Double
    {
        try await log.driver.run(
            ExecuteProgram([
                SQLStatement(
                    "CREATE TABLE bench_raw_log (seq BIGINT PRIMARY KEY, group_id TEXT NOT NULL, body TEXT NOT NULL)",
                    [])
            ]), writes: true)
        let start = ContinuousClock.now
        for (index, request) in bodies.enumerated() {
            try await log.driver.run(
                ExecuteProgram([
                    SQLStatement(
                        "INSERT INTO bench_raw_log (seq, group_id, body) VALUES (?, ?, ?)",
                        [.int(Int64(index)), .text("g"), .text(String(buffer: request.body))])
                ]), writes: true)
        }
        return Double(bodies.count) / seconds(since: start)
    }

    static func drive(
        port: Int, writeKey: String, adminKey: String, bodies: [(body: ByteBuffer, rows: [(String, String, String)])],
        clients: Int, users: Int, readLoad withReads: Bool, caughtUp: @Sendable () async throws -> Void
    ) async throws -> BenchResult {
        let client = BenchTraffic.httpClient(connections: clients + 1)
        let basic = "Basic " + Data("\(writeKey):".utf8).base64EncodedString()
        let start = ContinuousClock.now
        let done = StopFlag()
        async let reads =
            withReads ? readLoad(client: client, port: port, adminKey: adminKey, users: users, until: done) : []
        let latencies = try await load(clients: clients, operations: bodies.count, seed: 0) { index, _ in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/batch")
            request.method = .POST
            request.headers.add(name: "Authorization", value: basic)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(bodies[index].body)
            let response = try await client.execute(request, timeout: .seconds(60))
            _ = try await response.body.collect(upTo: 10 * 1024 * 1024)
            guard response.status == .ok else { throw ValidationError("batch \(index) answered \(response.status)") }
        }.latencies
        let accepted = seconds(since: start)
        try await caughtUp()
        let elapsed = seconds(since: start)
        done.set()
        let readLatencies = try await reads.sorted()
        try await client.shutdown()
        return BenchResult(
            acceptSeconds: accepted, totalSeconds: elapsed, batchP50: percentile(latencies, 0.5),
            batchP99: percentile(latencies, 0.99),
            readP50: percentile(readLatencies, 0.5), readP99: percentile(readLatencies, 0.99),
            reads: readLatencies.count)
    }

    /// The load loop of every bench: `clients` tasks take the operation numbers `0..<operations` in
    /// turn and run `operation` on each (with the task's own random numbers, seeded from `seed`),
    /// timing every call. Answers the latencies, sorted, and each operation's outcome.
    static func load<Outcome: Sendable>(
        clients: Int, operations: Int, seed: UInt64,
        _ operation: @escaping @Sendable (_ index: Int, _ random: inout SeededRandom) async throws -> Outcome
    ) async throws -> (latencies: [Double], outcomes: [Outcome]) {
        let next = Counter()
        let parts = try await withThrowingTaskGroup(of: ([Double], [Outcome]).self) { group in
            for worker in 0..<clients {
                group.addTask {
                    var random = SeededRandom(seed: seed + UInt64(worker) + 1)
                    var (latencies, outcomes): ([Double], [Outcome]) = ([], [])
                    while let index = next.take(below: operations) {
                        let sent = ContinuousClock.now
                        outcomes.append(try await operation(index, &random))
                        latencies.append(seconds(since: sent))
                    }
                    return (latencies, outcomes)
                }
            }
            return try await group.reduce(into: ([Double](), [Outcome]())) { total, part in
                total.0 += part.0
                total.1 += part.1
            }
        }
        return (parts.0.sorted(), parts.1)
    }

    /// One client reading member 360 views by identifier while the writers run.
    static func readLoad(client: HTTPClient, port: Int, adminKey: String, users: Int, until done: StopFlag) async throws
        -> [Double]
    {
        var latencies: [Double] = []
        var random = SeededRandom(seed: 7)
        while !done.isSet {
            let user = random.next() % UInt64(users)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/members?identifier=external:u\(user)")
            request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
            let sent = ContinuousClock.now
            let response = try await client.execute(request, timeout: .seconds(60))
            _ = try await response.body.collect(upTo: 1024 * 1024)
            latencies.append(seconds(since: sent))
        }
        return latencies
    }

    /// A migrated, initialised store on `database` (default: a new SQLite file in `/tmp`), which
    /// must have been empty; prints the database and the machine.
    static func emptyStore(_ database: String?) async throws -> (
        url: String, store: SQLTesseraStore, credentials: Bootstrap.Credentials
    ) {
        let url = database ?? "sqlite:///tmp/tessera-bench-\(UUID().uuidString).sqlite"
        let store = SQLTesseraStore(driver: try DatabaseOptions.driver(for: url))
        try await store.migrate()
        guard try await store.groupIDs().isEmpty else { throw ValidationError("bench needs an empty database") }
        let credentials = try await Bootstrap(store: store).initialize()
        print(
            "database: \(url.redactingPassword)\nmachine: \(ProcessInfo.processInfo.activeProcessorCount) cores, "
                + "\(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB")
        return (url, store, credentials)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    /// Peak resident set size (VmHWM) of this process.
    static func peakRSSMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}

/// A shared counter handing out batch indexes to the client tasks.
final class Counter: Sendable {
    private let value = Mutex(0)
    func take(below limit: Int) -> Int? {
        value.withLock { current in
            guard current < limit else { return nil }
            defer { current += 1 }
            return current
        }
    }
}

final class StopFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
