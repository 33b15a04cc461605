import Foundation
public import Logging
public import PostgresNIO
public import TesseraCore

/// Runs Tessera's SQL programs on PostgreSQL through a pooled `PostgresClient`.
///
/// Concurrent batches may collide (two batches creating the same new identifier, a deadlock on
/// member rows); the transaction is then rolled back and the program rerun from the start, so a
/// batch is still applied exactly once. Unique violations that persist become `conflict` errors.
public final class PostgresDriver: SQLDriver {
    public let dialect = SQLDialect.postgres
    public let client: PostgresClient
    private let logger: Logger
    private let runner: Task<Void, Never>
    static let retryableStates: Set<String> = ["40001", "40P01", "23505"]

    /// Server settings every connection starts with, unless the URL's query names them.
    ///
    /// - `jit=off`: JIT compiles a query whose *estimated* cost is high, which a per-member segment
    ///   estimate's is: 40 ms of compiling for a 100 ms query, and far more for a generic plan.
    ///   Tessera's statements are index lookups and ranges; none runs long enough to repay it.
    /// - `work_mem=64MB`: a segment's full computation hashes the member ids of an event range
    ///   (470,000 of them for a million members); at the server's default 4 MB the hash spills to
    ///   disk in 21 batches per worker (1.8 s instead of 0.7 s). A limit, not an allocation: the
    ///   key lookups that make up everything else never come near it.
    public static let defaultSettings = [("jit", "off"), ("work_mem", "64MB")]

    /// ``defaultSettings``, plus one for a PostgreSQL server sharing a small machine with Tessera:
    ///
    /// - `max_parallel_workers_per_gather=1` when the host is a loopback address and this machine
    ///   has at most two processors. PostgreSQL's default of two workers runs a parallel query as
    ///   three processes, one more than the cores; with one worker `tessera bench segments` computed
    ///   its segment (b) in 20% less time on two cores, (a)'s count in ~7% less and created (a) as
    ///   fast (BENCHMARKS.md, session 35). With more processors, or a server elsewhere (whose
    ///   processors Tessera cannot count), the server's own setting stands.
    public static func defaultSettings(host: String, processors: Int) -> [(String, String)] {
        let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased())
        guard loopback, processors <= 2 else { return defaultSettings }
        return defaultSettings + [("max_parallel_workers_per_gather", "1")]
    }

    /// Connects to `postgres://user:password@host:port/database[?setting=value&…]` (TLS off:
    /// loopback or a private network). Query items are server settings for every connection
    /// (`?work_mem=256MB&statement_timeout=30s`), replacing ``defaultSettings(host:processors:)``
    /// of the same name.
    public init(url: String, maximumConnections: Int = 20, logger: Logger = Logger(label: "tessera.postgres")) throws {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, let user = components.user
        else {
            throw TesseraError.invalid(
                field: "database", reason: "expected postgres://user:password@host:port/database, got \(url)")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: components.path.isEmpty ? nil : String(components.path.dropFirst()), tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.additionalStartupParameters = try Self.settings(
            components.queryItems ?? [],
            over: Self.defaultSettings(host: host, processors: ProcessInfo.processInfo.activeProcessorCount))
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// `defaults` with the URL's query items laid over them, in a stable order.
    static func settings(_ items: [URLQueryItem], over defaults: [(String, String)]) throws -> [(String, String)] {
        var settings = defaults
        for item in items {
            guard let value = item.value, !item.name.isEmpty, !value.isEmpty else {
                throw TesseraError.invalid(
                    field: "database", reason: "URL query item '\(item.name)' must be setting=value, e.g. work_mem=64MB"
                )
            }
            settings.removeAll { $0.0 == item.name }
            settings.append((item.name, value))
        }
        return settings
    }

    public func run<Program: SQLProgram>(_ program: Program, writes: Bool) async throws -> Program.Output {
        try await run(program, writes: writes, transaction: writes)
    }

    /// Each statement commits on its own; a collision (deadlock, serialization failure, a key
    /// written concurrently) reruns the program from the start, as in a transaction.
    public func runWithoutTransaction<Program: SQLProgram>(_ program: Program) async throws -> Program.Output {
        try await run(program, writes: true, transaction: false)
    }

    private func run<Program: SQLProgram>(_ program: Program, writes: Bool, transaction: Bool) async throws
        -> Program.Output
    {
        var attempt = 0
        while true {
            attempt += 1
            do {
                guard transaction else {
                    // At READ COMMITTED every statement reads its own snapshot, inside a transaction or
                    // not: BEGIN and COMMIT around a read would add two round trips and nothing else.
                    return try await client.withConnection { connection in
                        try await self.execute(program, on: connection)
                    }
                }
                return try await client.withTransaction(logger: logger) { connection in
                    try await self.execute(program, on: connection)
                }
            } catch let error as PostgresTransactionError {
                // Errors of the program itself (not-found, conflict) surface unwrapped.
                guard let inner = error.closureError ?? error.commitError ?? error.beginError else { throw error }
                guard let database = inner as? PSQLError else { throw inner }
                if try retry(database, writes: writes, attempt: attempt) { continue }
            } catch let error as PSQLError {
                if try retry(error, writes: writes, attempt: attempt) { continue }
            }
        }
    }

    /// Whether to rerun after `error`; throws the error to surface instead.
    private func retry(_ error: PSQLError, writes: Bool, attempt: Int) throws -> Bool {
        let state = error.serverInfo?[.sqlState] ?? ""
        if attempt < 3, Self.isStalePlan(error) {
            PreparedStatements.shared.forgetAll()
            return true
        }
        if writes, attempt < 6, Self.retryableStates.contains(state) { return true }
        if state == "23505" { throw TesseraError.conflict(error.serverInfo?[.message] ?? "duplicate key") }
        if state.hasPrefix("08") || error.code == .connectionError || error.code == .serverClosedConnection {
            throw TesseraError.unavailable("PostgreSQL connection failed: \(String(reflecting: error))")
        }
        throw error
    }

    public func close() async throws {
        runner.cancel()
    }

    /// Whether PostgreSQL refused a statement prepared before a migration changed what it returns
    /// (`0035_text_collation` changes every text column's collation, which is part of a result's
    /// type). It refuses it on every connection that prepared it, for as long as that lives — the
    /// migrations' own read, for one — so ``retry(_:writes:attempt:)`` gives every statement a new
    /// name (``PreparedStatements/forgetAll()``) and reruns the program, which prepares them again.
    static func isStalePlan(_ error: PSQLError) -> Bool {
        error.serverInfo?[.sqlState] == "0A000"
            && (error.serverInfo?[.message] ?? "").contains("cached plan must not change result type")
    }

    private func execute<Program: SQLProgram>(_ program: Program, on connection: PostgresConnection) async throws
        -> Program.Output
    {
        var program = program
        var step = try program.start()
        while true {
            switch step {
            case .done(let output):
                return output
            case .query(let statement):
                step = try program.resume(try await rows(of: statement, on: connection))
            case .queries(let statements):
                var rows: [SQLRow] = []
                for statement in statements { rows += try await self.rows(of: statement, on: connection) }
                step = try program.resume(rows)
            case .execute(let statements):
                for statement in BulkInsert.merged(statements) {
                    for try await _ in try await run(statement, on: connection) {}
                }
                step = try program.resume([])
            }
        }
    }

    private func rows(of statement: SQLStatement, on connection: PostgresConnection) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for try await row in try await run(statement, on: connection) { rows.append(try Self.sqlRow(row)) }
        return rows
    }

    /// Runs one statement: prepared under its name when ``PreparedStatements`` gives it one; a
    /// multi-row insert as an `unnest` of column arrays (``BulkInsert``).
    private func run(_ statement: SQLStatement, on connection: PostgresConnection) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow>
    {
        let statement = statement.bulk.flatMap { $0.unnest(statement.arguments) } ?? statement
        let (name, sql) = PreparedStatements.shared.lookup(statement)
        let bindings = Self.bindings(statement)
        guard let name else {
            return try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                .map { $0 }
        }
        return try await NamedStatement.$current.withValue(NamedStatement.Text(name: name, sql: sql)) {
            try await connection.execute(NamedStatement(bindings: bindings), logger: logger)
        }
    }

    private static func bindings(_ statement: SQLStatement) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: statement.arguments.count)
        for value in statement.arguments {
            switch value {
            case .text(let text): bindings.append(text)
            case .int(let number): bindings.append(number)
            case .bool(let flag): bindings.append(flag)
            case .null: bindings.appendNull()
            }
        }
        return bindings
    }

    private static func sqlRow(_ row: PostgresRow) throws -> SQLRow {
        SQLRow(
            try row.map { cell -> SQLValue in
                guard cell.bytes != nil else { return .null }
                switch cell.dataType {
                case .int8, .int4, .int2: return .int(try cell.decode(Int64.self))
                case .bool: return .bool(try cell.decode(Bool.self))
                default: return .text(try cell.decode(String.self))
                }
            })
    }
}
