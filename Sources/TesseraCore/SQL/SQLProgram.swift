/// What a SQL program wants next from the driver running it.
public enum SQLStep<Output: Sendable>: Sendable {
    /// Run this query and resume with its rows.
    case query(SQLStatement)
    /// Run these queries in order and resume with all their rows, in that order: one lookup
    /// split into statements of a few fixed sizes, so that each is prepared once and reused
    /// (see ``SQLBuilder/chunks(_:largest:)``).
    case queries([SQLStatement])
    /// Run these statements in order and resume with no rows.
    case execute([SQLStatement])
    /// Finished.
    case done(Output)
}

/// A store operation written once for both databases: a value-type state machine that asks
/// for queries and statements and decides what to do from their results, without doing I/O.
///
/// A driver runs it inside one transaction (see ``SQLDriver``). Because it is a value, a driver
/// can restart it from the beginning when the database asks for a retry.
public protocol SQLProgram: Sendable {
    associatedtype Output: Sendable
    /// The first step.
    mutating func start() throws -> SQLStep<Output>
    /// The next step, given the rows of the last query (empty after `execute`).
    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Output>
}

/// One result row, columns in select order.
public struct SQLRow: Sendable, Hashable {
    public var values: [SQLValue]
    public init(_ values: [SQLValue]) { self.values = values }

    public func text(_ index: Int) -> String? {
        switch values[index] {
        case .text(let text): text
        case .int(let number): String(number)
        default: nil
        }
    }

    public func int(_ index: Int) -> Int64? {
        switch values[index] {
        case .int(let number): number
        case .bool(let flag): flag ? 1 : 0
        case .text(let text): Int64(text)
        case .null: nil
        }
    }

    /// Booleans arrive as 0/1 from SQLite and as `bool` from PostgreSQL.
    public func bool(_ index: Int) -> Bool { int(index).map { $0 != 0 } ?? false }
}

/// Runs ``SQLProgram``s against one database. The only code that differs per database,
/// besides the dialect switches inside the programs.
public protocol SQLDriver: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `program` in one transaction (read-only when `writes` is false) and returns its output.
    func run<Program: SQLProgram>(_ program: Program, writes: Bool) async throws -> Program.Output
    /// Runs `program`, which may write, with no transaction around its statements where the
    /// database allows it: each commits on its own. Only for a program whose every write is one
    /// statement that checks what it depends on (``PointsBatchProgram``'s versioned mode): it
    /// saves PostgreSQL's `BEGIN` and `COMMIT` round trips. The default runs it in a write
    /// transaction, which is as correct (SQLite's single writer needs nothing else).
    func runWithoutTransaction<Program: SQLProgram>(_ program: Program) async throws -> Program.Output
    /// How many statements ``runSlices(_:)`` runs at once. More than one only where the database
    /// runs each statement on one processor (SQLite); PostgreSQL spreads one statement over its
    /// parallel workers itself.
    var sliceReaders: Int { get }
    /// Runs read-only `statements` — slices of one query, each over its own range of rows — at
    /// once, each on a connection of its own, all reading one committed state; each one's rows, in
    /// order. The default runs them one after another on one connection, on PostgreSQL in a
    /// `REPEATABLE READ` transaction (its reads otherwise take a snapshot per statement).
    func runSlices(_ statements: [SQLStatement]) async throws -> [[SQLRow]]
    /// Runs read-only `slices` on the committed state a write then starts from, and then the write
    /// program `next` makes of their rows: nothing commits between the two. On SQLite the single
    /// writer waits while the slices run at once on readers (so a computation that would hold it for
    /// its whole length holds it for a slice's); the default runs them one after another inside the
    /// write transaction (on PostgreSQL at `REPEATABLE READ`, so that they share its snapshot).
    func runWrite<Program: SQLProgram>(
        afterSlices slices: [SQLStatement], _ next: @escaping @Sendable ([[SQLRow]]) throws -> Program
    ) async throws -> Program.Output
    func close() async throws
}

extension SQLDriver {
    public func runWithoutTransaction<Program: SQLProgram>(_ program: Program) async throws -> Program.Output {
        try await run(program, writes: true)
    }

    public var sliceReaders: Int { 1 }

    public func runSlices(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        guard dialect == .postgres else { return try await run(QueriesProgram(statements), writes: false) }
        return try await run(
            ChainedProgram(ExecuteProgram(oneSnapshot)) { _ in QueriesProgram(statements) }, writes: true)
    }

    public func runWrite<Program: SQLProgram>(
        afterSlices slices: [SQLStatement], _ next: @escaping @Sendable ([[SQLRow]]) throws -> Program
    ) async throws -> Program.Output {
        try await run(
            ChainedProgram(ExecuteProgram(oneSnapshot)) { _ in ChainedProgram(QueriesProgram(slices), then: next) },
            writes: true)
    }

    /// What makes a transaction's statements share one snapshot: PostgreSQL's `REPEATABLE READ` (at
    /// `READ COMMITTED` each statement takes its own); nothing on SQLite, where a transaction is one.
    private var oneSnapshot: [SQLStatement] {
        dialect == .postgres ? [SQLStatement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", [])] : []
    }
}

/// A program of one query whose rows are mapped to a value.
public struct QueryProgram<Output: Sendable>: SQLProgram {
    let statement: SQLStatement
    let map: @Sendable ([SQLRow]) throws -> Output

    public init(_ statement: SQLStatement, map: @escaping @Sendable ([SQLRow]) throws -> Output) {
        self.statement = statement
        self.map = map
    }

    public func start() -> SQLStep<Output> { .query(statement) }
    public func resume(_ rows: [SQLRow]) throws -> SQLStep<Output> { .done(try map(rows)) }
}

/// A program that runs statements and returns nothing.
public struct ExecuteProgram: SQLProgram {
    let statements: [SQLStatement]
    public init(_ statements: [SQLStatement]) { self.statements = statements }
    public func start() -> SQLStep<Void> { .execute(statements) }
    public func resume(_ rows: [SQLRow]) -> SQLStep<Void> { .done(()) }
}
