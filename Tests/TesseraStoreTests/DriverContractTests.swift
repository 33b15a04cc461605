import Foundation
import Testing
import TesseraCore
import TesseraPostgres
import TesseraSQLite

/// What every driver must do with a statement's arguments and its result rows, on both databases.
@Suite("Drivers: arguments and rows", .serialized)
struct DriverContractTests {
    /// A query prepared before its table changed shape runs after the change and answers the new
    /// shape — on PostgreSQL on the very connection it was prepared on (one in the pool), where
    /// the server refuses a prepared statement whose result type changed (the text collation
    /// migration does that to every table) until the driver names its statements anew and reruns.
    @Test(arguments: Backend.allCases)
    func aQueryPreparedBeforeItsTableChangedAnswersTheNewShape(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let driver: any SQLDriver =
            switch backend {
            case .sqlite: store.driver
            case .postgres:
                try PostgresDriver(
                    url: try #require(ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"]),
                    maximumConnections: 1)
            }
        let table = "driver_reshaped_\(backend)"
        try await driver.run(
            ExecuteProgram([
                SQLStatement("DROP TABLE IF EXISTS \(table)", []),
                SQLStatement("CREATE TABLE \(table) (k BIGINT NOT NULL, t TEXT)", []),
                SQLStatement("INSERT INTO \(table) (k, t) VALUES (?, ?)", [.int(1), .text("one")]),
            ]), writes: true)
        let select = SQLStatement("SELECT * FROM \(table) WHERE k = ?", [.int(1)])
        for _ in 0..<2 {
            #expect(
                try await driver.run(QueryProgram(select) { $0 }, writes: false) == [SQLRow([.int(1), .text("one")])])
        }
        try await driver.run(
            ExecuteProgram([SQLStatement("ALTER TABLE \(table) ADD COLUMN n BIGINT NOT NULL DEFAULT 7", [])]),
            writes: true)
        // In a transaction first: the refused statement aborts it, and the rerun is a new one.
        #expect(
            try await driver.run(QueryProgram(select) { $0 }, writes: true) == [
                SQLRow([.int(1), .text("one"), .int(7)])
            ])
        #expect(
            try await driver.run(QueryProgram(select) { $0 }, writes: false) == [
                SQLRow([.int(1), .text("one"), .int(7)])
            ])
        try await driver.run(ExecuteProgram([SQLStatement("DROP TABLE \(table)", [])]), writes: true)
    }

    /// Text of every shape a member's data can hold — empty (which must not turn into NULL),
    /// multi-byte, long — and integers at their limits come back exactly as they were bound, in
    /// queries and through a write and a read of a table.
    @Test(arguments: Backend.allCases)
    func boundValuesComeBackUnchanged(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let texts = ["", "plain", "café 中文 😀", String(repeating: "長い", count: 1_000), "quote ' and \" and \\"]
        let numbers: [Int64] = [0, -1, .max, .min]
        let echo = try await store.driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT "
                        + (texts.map { _ in "CAST(? AS TEXT)" } + numbers.map { _ in "CAST(? AS BIGINT)" }
                        + ["CAST(? AS TEXT)"]).joined(separator: ", "),
                    texts.map(SQLValue.text) + numbers.map(SQLValue.int) + [.null])
            ) { $0 }, writes: false)
        #expect(echo == [SQLRow(texts.map(SQLValue.text) + numbers.map(SQLValue.int) + [.null])])

        let table = "driver_values_\(backend)"
        try await store.driver.run(
            ExecuteProgram([
                SQLStatement("DROP TABLE IF EXISTS \(table)", []),
                SQLStatement("CREATE TABLE \(table) (k BIGINT NOT NULL, t TEXT, n BIGINT)", []),
            ]), writes: true)
        let rows = texts.enumerated().map { [SQLValue.int(Int64($0.offset)), .text($0.element), .int(-7)] }
        try await store.driver.run(
            ExecuteProgram(
                SQLBuilder.insert(into: table, columns: ["k", "t", "n"], rows: rows)
                    + [SQLStatement("INSERT INTO \(table) (k, t, n) VALUES (?, ?, ?)", [.int(99), .null, .null])]),
            writes: true)
        let stored = try await store.driver.run(
            QueryProgram(SQLStatement("SELECT k, t, n FROM \(table) ORDER BY k", [])) { $0 }, writes: false)
        #expect(stored == rows.map(SQLRow.init) + [SQLRow([.int(99), .null, .null])])
        let empty = try await store.driver.run(
            QueryProgram(SQLStatement("SELECT count(*) FROM \(table) WHERE t = ?", [.text("")])) { $0.first?.int(0) },
            writes: false)
        #expect(empty == 1)
        try await store.driver.run(ExecuteProgram([SQLStatement("DROP TABLE \(table)", [])]), writes: true)
    }

    /// A statement given fewer arguments than it has markers is refused with an error — it never
    /// runs with a stale or missing value — and the statement works again afterwards.
    @Test(arguments: Backend.allCases)
    func missingArgumentsAreAnErrorNotAStaleValue(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let sql = "SELECT CAST(? AS TEXT), CAST(? AS TEXT)"
        let first = try await store.driver.run(
            QueryProgram(SQLStatement(sql, [.text("a"), .text("b")])) { $0 }, writes: false)
        #expect(first == [SQLRow([.text("a"), .text("b")])])
        await #expect(throws: (any Error).self) {
            try await store.driver.run(QueryProgram(SQLStatement(sql, [.text("only one")])) { $0 }, writes: false)
        }
        let again = try await store.driver.run(
            QueryProgram(SQLStatement(sql, [.text("c"), .null])) { $0 }, writes: false)
        #expect(again == [SQLRow([.text("c"), .null])])
    }

    /// A program that fails after writing leaves none of its writes, whether it ran alone (on
    /// SQLite, a transaction with no savepoint) or beside others sharing its transaction (a
    /// savepoint each), and the others' writes all stay.
    @Test(arguments: Backend.allCases)
    func aProgramThatFailsAfterWritingLeavesNothing(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let table = "driver_rollback_\(backend)"
        try await store.driver.run(
            ExecuteProgram([
                SQLStatement("DROP TABLE IF EXISTS \(table)", []),
                SQLStatement("CREATE TABLE \(table) (k BIGINT NOT NULL)", []),
            ]), writes: true)
        let failing = WriteThenFail(insert: SQLStatement("INSERT INTO \(table) (k) VALUES (?)", [.int(-1)]))
        await #expect(throws: WriteThenFail.Failure.self) { try await store.driver.run(failing, writes: true) }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for key in 0..<16 {
                tasks.addTask {
                    guard key == 8 else {
                        let insert = SQLStatement("INSERT INTO \(table) (k) VALUES (?)", [.int(Int64(key))])
                        try await store.driver.run(ExecuteProgram([insert]), writes: true)
                        return
                    }
                    await #expect(throws: WriteThenFail.Failure.self) {
                        try await store.driver.run(failing, writes: true)
                    }
                }
            }
            try await tasks.waitForAll()
        }
        let stored = try await store.driver.run(
            QueryProgram(SQLStatement("SELECT k FROM \(table) ORDER BY k", [])) { $0.compactMap { $0.int(0) } },
            writes: false)
        #expect(stored == (0..<16).filter { $0 != 8 }.map(Int64.init))
        try await store.driver.run(ExecuteProgram([SQLStatement("DROP TABLE \(table)", [])]), writes: true)
    }

    /// Inserts a row, then fails.
    struct WriteThenFail: SQLProgram {
        struct Failure: Error {}
        let insert: SQLStatement

        func start() -> SQLStep<Void> { .execute([insert]) }
        func resume(_ rows: [SQLRow]) throws -> SQLStep<Void> { throw Failure() }
    }

    /// PostgreSQL: once a store has ingested its first threshold of messages, the member store's
    /// statistics are taken again, so that cached plans made for the empty tables are dropped.
    @Test func postgresStatisticsAreTakenAgainAsIngestGrowsTheTables() async throws {
        let shared = try await Backend.postgres.makeStore()
        let tenant = try await Tenant.make(SQLTesseraStore(driver: shared.driver, firstAnalysis: 30))
        let analyses = SQLStatement(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'member_identifiers' AND schemaname = current_schema()",
            [])
        func count() async throws -> Int64 {
            // The statistics collector's view is a snapshot per transaction; each read is its own.
            try await shared.driver.run(QueryProgram(analyses) { $0.first?.int(0) ?? -1 }, writes: true)
        }
        func send(_ range: Range<Int>) async throws {
            try await tenant.send(try range.map { try message("growth-\($0)", ["external:g\($0)"]) })
        }
        try await send(0..<20)
        // Other tests may analyse the shared database at any time: only an increase says anything.
        let belowThreshold = try await count()
        try await send(20..<40)
        // The analysis runs in the background.
        var pastThreshold = try await count()
        let deadline = ContinuousClock.now + .seconds(20)
        while pastThreshold <= belowThreshold, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            pastThreshold = try await count()
        }
        #expect(pastThreshold > belowThreshold, "crossing 30 messages analysed the tables")
    }

    /// PostgreSQL connections start with Tessera's settings (`work_mem` for segment computations,
    /// `jit` off, and one parallel worker per gather from a server on this machine if it has at
    /// most two processors); the URL's query items replace them or add others; an item without a
    /// value is refused rather than ignored.
    @Test func postgresSettingsComeFromTheURL() async throws {
        guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw SetupError("TESSERA_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh")
        }
        let show = SQLStatement(
            """
            SELECT current_setting('work_mem'), current_setting('jit'), current_setting('statement_timeout'), \
            current_setting('max_parallel_workers_per_gather')
            """, [])
        let server = try PostgresDriver(url: url, maximumConnections: 1)
        let serverDefault = try await server.run(
            QueryProgram(
                SQLStatement("SELECT reset_val FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'", [])
            ) {
                $0.first?.text(0)
            }, writes: false)
        let host = try #require(URLComponents(string: url)?.host)
        let ours = PostgresDriver.defaultSettings(host: host, processors: ProcessInfo.processInfo.activeProcessorCount)
        let defaults = try await server.run(QueryProgram(show) { $0 }, writes: false)
        #expect(defaults.first?.text(0) == "64MB")
        #expect(defaults.first?.text(1) == "off")
        #expect(
            defaults.first?.text(3)
                == ours.first { $0.0 == "max_parallel_workers_per_gather" }.map(\.1) ?? serverDefault)
        try await server.close()

        let tuned = try PostgresDriver(
            url: url + "?work_mem=77MB&statement_timeout=5s&max_parallel_workers_per_gather=3", maximumConnections: 1)
        let chosen = try await tuned.run(QueryProgram(show) { $0 }, writes: false)
        #expect(chosen == [SQLRow([.text("77MB"), .text("off"), .text("5s"), .text("3")])])
        try await tuned.close()

        #expect(throws: TesseraError.self) { try PostgresDriver(url: url + "?work_mem", maximumConnections: 1) }
    }

    /// One parallel worker per gather only for a server on this machine (a loopback host) when the
    /// machine has at most two processors: elsewhere Tessera cannot count the server's processors.
    @Test func oneParallelWorkerOnlyForAServerSharingTwoProcessors() {
        func workers(_ host: String, _ processors: Int) -> String? {
            PostgresDriver.defaultSettings(host: host, processors: processors)
                .first { $0.0 == "max_parallel_workers_per_gather" }?.1
        }
        #expect(workers("127.0.0.1", 2) == "1")
        #expect(workers("localhost", 1) == "1")
        #expect(workers("::1", 2) == "1")
        #expect(workers("127.0.0.1", 3) == nil)
        #expect(workers("db.internal", 2) == nil)
        #expect(workers("10.0.0.5", 1) == nil)
        #expect(PostgresDriver.defaultSettings(host: "db.internal", processors: 2).map(\.0) == ["jit", "work_mem"])
    }

    /// A probe (`SQLBuilder.probe`) answers as the join it stands for, and reads the table through
    /// its key once per row of the list — on PostgreSQL too, whose planner would rather hash a scan
    /// of all 5,000 rows for a list of 256 keys (the plain join's plan, checked first).
    @Test(arguments: Backend.allCases)
    func probesReadTheTableByItsKeyOncePerRow(_ backend: Backend) async throws {
        let columns = "g TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (g, k)"
        try await Self.withTable(backend, "driver_probe_\(backend)", columns: columns) { driver, table in
            try await driver.run(
                ExecuteProgram(
                    SQLBuilder.insert(
                        into: table, columns: ["g", "k", "v"],
                        rows: (0..<5_000).map { [.text("g"), .text("k\($0)"), .text("v\($0)")] })
                        + [SQLStatement("ANALYZE \(table)", [])]), writes: true)
            // Every 20th key, and keys nobody holds.
            let keys = (0..<256).map { $0 % 2 == 0 ? "k\($0 * 20)" : "absent\($0)" }
            let list: String
            let arguments: [SQLValue]
            if backend == .postgres {
                list = "(SELECT * FROM unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]))) AS w(g, k)"
                arguments = [
                    .text("{" + keys.map { _ in "g" }.joined(separator: ",") + "}"),
                    .text("{" + keys.joined(separator: ",") + "}"),
                ]
            } else {
                list =
                    "(SELECT column1 AS g, column2 AS k FROM (VALUES \(keys.map { _ in "(?, ?)" }.joined(separator: ", ")))) AS w"
                arguments = keys.flatMap { [SQLValue.text("g"), .text($0)] }
            }
            let joined = "SELECT w.k, p.v FROM \(list) JOIN \(table) p ON p.g = w.g AND p.k = w.k"
            let probed =
                "SELECT w.k, p.v FROM \(list) "
                + SQLBuilder.probe(table, as: "p", on: "p.g = w.g AND p.k = w.k", dialect: driver.dialect)
            func rows(_ sql: String) async throws -> [SQLRow] {
                try await driver.run(QueryProgram(SQLStatement(sql, arguments)) { $0 }, writes: false)
            }
            let expected = stride(from: 0, to: 250, by: 2).map { SQLRow([.text("k\($0 * 20)"), .text("v\($0 * 20)")]) }
            #expect(Set(try await rows(probed)) == Set(expected))
            #expect(try await rows(probed).count == expected.count)
            #expect(Set(try await rows(joined)) == Set(expected))

            func plan(_ sql: String) async throws -> String {
                let explain = backend == .postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN "
                return try await rows(explain + sql).map { row in
                    (0..<row.values.count).compactMap { row.text($0) }.joined(separator: " ")
                }.joined(separator: "\n")
            }
            if backend == .postgres {
                #expect(try await plan(joined).contains("Seq Scan on \(table)"), "the premise: a plain join scans")
                let probing = try await plan(probed)
                #expect(!probing.contains("Seq Scan on \(table)") && probing.contains("Index Scan"), "\(probing)")
            } else {
                let probing = try await plan(probed)
                #expect(probing.contains("SEARCH p USING") && !probing.contains("SCAN p"), "\(probing)")
            }
        }
    }

    /// Slices of one query, run at once (on SQLite each on a connection of its own), read one
    /// committed state even while commits land between them: every transaction here adds a row to
    /// each side, so the two sides' counts, each read by a slice, are equal whenever they are read
    /// together.
    @Test(arguments: Backend.allCases)
    func slicesReadOneCommittedState(_ backend: Backend) async throws {
        try await Self.withTable(backend, "driver_slices_\(backend)", columns: Self.pairColumns) { driver, table in
            let pairs = 1_500
            let (slices, writing) = Self.writePairs(pairs, into: table, driver: driver)
            var readWhileWriting = 0
            var runs = 0
            var disagreements: [[Int64]] = []
            while true {
                let counts = try await driver.runSlices(slices).map { $0.first?.int(0) ?? -1 }
                runs += 1
                if counts[0] != counts[1] { disagreements.append(counts) }
                if counts.allSatisfy({ $0 == Int64(pairs) }) { break }
                if counts[0] > 0 { readWhileWriting += 1 }
            }
            try await writing.value
            let agreed = disagreements.isEmpty
            #expect(agreed, "\(disagreements.count) reads of different states, e.g. \(disagreements.prefix(5))")
            #expect(readWhileWriting > 20, "only \(readWhileWriting) reads while the writes went on")
            if let sqlite = driver as? SQLiteDriver {
                // With a commit every moment, slices that set out freely mostly meet one; then the
                // writer holds its next commit back for them, so they stay sliced rather than run
                // one after another (a reader missing for 50 ms under load may still force that).
                let retries = sqlite.sliceRetries
                #expect(retries.held > 0, "the writer never held a commit back for the slices (\(runs) runs)")
                #expect(
                    retries.onOneConnection * 10 <= runs,
                    "\(retries.onOneConnection) of \(runs) runs fell back to one connection")
            }
        }
    }

    /// Slices run before a write read the very state the write starts from, while other writes keep
    /// committing: the write reads both sides again and finds what the slices found.
    @Test(arguments: Backend.allCases)
    func slicesBeforeAWriteReadTheStateItStartsFrom(_ backend: Backend) async throws {
        try await Self.withTable(backend, "driver_slices_write_\(backend)", columns: Self.pairColumns) {
            driver, table in
            let pairs = 600
            let (slices, writing) = Self.writePairs(pairs, into: table, driver: driver)
            var mismatches: [String] = []
            var rounds = 0
            while true {
                rounds += 1
                let (sliced, written) = try await driver.runWrite(afterSlices: slices) { rows in
                    let sliced = rows.map { $0.first?.int(0) ?? -1 }
                    return QueryProgram(SQLStatement("SELECT count(*) FROM \(table)", [])) {
                        (sliced, $0.first?.int(0) ?? -1)
                    }
                }
                if sliced[0] + sliced[1] != written { mismatches.append("slices \(sliced), write \(written)") }
                if sliced.allSatisfy({ $0 == Int64(pairs) }) { break }
            }
            try await writing.value
            let agreed = mismatches.isEmpty
            #expect(
                agreed,
                "\(mismatches.count) of \(rounds) writes started from another state, e.g. \(mismatches.prefix(3))")
            #expect(rounds > 20, "only \(rounds) writes while the others went on")
        }
    }

    /// A slice that fails fails its write, which changes nothing, and the writer goes on with the
    /// next one.
    @Test(arguments: Backend.allCases)
    func aFailingSliceFailsItsWriteAlone(_ backend: Backend) async throws {
        try await Self.withTable(backend, "driver_failing_slice_\(backend)", columns: "k BIGINT NOT NULL") {
            driver, table in
            let insert = SQLStatement("INSERT INTO \(table) (k) VALUES (1)", [])
            await #expect(throws: (any Error).self) {
                try await driver.runWrite(afterSlices: [SQLStatement("SELECT no_such_column FROM \(table)", [])]) {
                    _ in ExecuteProgram([insert])
                }
            }
            try await driver.runWrite(afterSlices: [SQLStatement("SELECT count(*) FROM \(table)", [])]) { _ in
                ExecuteProgram([insert])
            }
            let count = try await driver.run(
                QueryProgram(SQLStatement("SELECT count(*) FROM \(table)", [])) { $0.first?.int(0) }, writes: false)
            #expect(count == 1)
        }
    }

    /// A migrated store of `backend` with a new, empty `table` of `columns` for `body`, which gets
    /// the store's driver and the table's name; the table is dropped and the store closed after.
    private static func withTable(
        _ backend: Backend, _ table: String, columns: String,
        _ body: (any SQLDriver, String) async throws -> Void
    ) async throws {
        let store = try await backend.makeStore()
        let driver = store.driver
        try await driver.run(
            ExecuteProgram([
                SQLStatement("DROP TABLE IF EXISTS \(table)", []),
                SQLStatement("CREATE TABLE \(table) (\(columns))", []),
            ]), writes: true)
        try await body(driver, table)
        try await driver.run(ExecuteProgram([SQLStatement("DROP TABLE \(table)", [])]), writes: true)
        try await store.close()
    }

    /// The columns of a table of rows on two sides (``writePairs(_:into:driver:)``).
    private static let pairColumns = "k BIGINT NOT NULL, side TEXT NOT NULL"

    /// A task adding `pairs` pairs of rows to `table` (``pairColumns``), one on each side, "a" and
    /// "b", one transaction each: the two sides' counts are equal in every committed state. Returns
    /// the statements counting each side, and the task.
    private static func writePairs(_ pairs: Int, into table: String, driver: any SQLDriver)
        -> (counts: [SQLStatement], writing: Task<Void, any Error>)
    {
        let writing = Task {
            for pair in 0..<pairs {
                try await driver.run(
                    ExecuteProgram(
                        SQLBuilder.insert(
                            into: table, columns: ["k", "side"],
                            rows: [[.int(Int64(pair)), .text("a")], [.int(Int64(pair)), .text("b")]])), writes: true)
            }
        }
        return (["a", "b"].map { SQLStatement("SELECT count(*) FROM \(table) WHERE side = ?", [.text($0)]) }, writing)
    }
}
