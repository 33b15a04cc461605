import Foundation
import Synchronization
import GRDB
import GRDBSQLite
public import TesseraCore

/// Runs Tessera's SQL programs on an embedded SQLite file through GRDB.
///
/// WAL mode with a pool of readers and one writer; `synchronous = NORMAL` (durable across
/// application crashes, and across power loss up to the last checkpointed transaction), which is
/// the usual trade for a server's write throughput. Each program runs atomically: in its own
/// transaction, or in a savepoint of a group commit (``GroupCommitWriter``) when writes queue up.
public final class SQLiteDriver: SQLDriver {
    public let dialect = SQLDialect.sqlite
    let pool: DatabasePool
    private let writer: GroupCommitWriter
    private let checkpointer: WALCheckpointer
    private let statements = PreparedStatementCache()
    private let slicesHeld = Atomic<Int>(0)
    private let slicesOnOneConnection = Atomic<Int>(0)

    /// Opens (creating when needed) the database at `path`, creating its folder too.
    public init(path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A 32 MiB page cache and memory-mapped reads per connection keep a busy brand's member
            // and identifier indexes in memory. Checkpoints are the WALCheckpointer's; the writer
            // only checkpoints itself when the log grows far past what that one leaves.
            // Temporary storage in memory: every multi-row statement and every savepoint of a group
            // commit keeps the prior contents of the pages it changes in a statement journal, which
            // past 64 KiB went to a temporary file — a second write of every changed page, through
            // the kernel (ingest end to end +13%; BENCHMARKS.md, session 29).
            for pragma in [
                "synchronous = NORMAL", "temp_store = MEMORY", "cache_size = -32768", "mmap_size = 268435456",
                "wal_autocheckpoint = \(WALCheckpointer.writerFallbackPages)",
            ] {
                try db.execute(sql: "PRAGMA " + pragma)
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        let checkpointer = try WALCheckpointer(path: path)
        self.checkpointer = checkpointer
        writer = GroupCommitWriter(
            pool: pool, file: URL(fileURLWithPath: path).lastPathComponent, onCommit: checkpointer.committed)
    }

    public func run<Program: SQLProgram>(_ program: Program, writes: Bool) async throws -> Program.Output {
        try await Self.conflicts {
            let statements = statements
            if writes {
                return try await writer.write { db in try Self.execute(program, in: db, statements: statements) }
            }
            return try await pool.read { db in try Self.execute(program, in: db, statements: statements) }
        }
    }

    /// The slices at once on readers while the writer waits (``GroupCommitWriter/write(after:_:)``):
    /// with nothing committing and nothing uncommitted, every reader sees the state the write starts
    /// from, with no need to check (unlike ``runSlices(_:)``).
    public func runWrite<Program: SQLProgram>(
        afterSlices slices: [SQLStatement], _ next: @escaping @Sendable ([[SQLRow]]) throws -> Program
    ) async throws -> Program.Output {
        let statements = statements
        let answers = Mutex<Result<[[SQLRow]?], any Error>>(.success([]))
        return try await Self.conflicts {
            try await writer.write(after: {
                let read = DispatchSemaphore(value: 0)
                self.readAtOnce(slices) { outcome in
                    answers.withLock { $0 = outcome }
                    read.signal()
                }
                read.wait()
            }) { db in
                let rows = try answers.withLock { $0 }.get().compactMap { $0 }
                return try Self.execute(try next(rows), in: db, statements: statements)
            }
        }
    }

    /// Runs each statement on a reader of its own, all at once, and hands `finished` each one's rows
    /// when all are done. With `proceed`, each slice first fixes the commit it sees with a one-row
    /// read, then asks `proceed`: a slice it stops answers `nil` without doing its work.
    private func readAtOnce(
        _ slices: [SQLStatement], proceed: (@Sendable () -> Bool)? = nil,
        finished: @escaping @Sendable (Result<[[SQLRow]?], any Error>) -> Void
    ) {
        let cache = statements
        let outcomes = Mutex([Result<[SQLRow]?, any Error>](repeating: .success(nil), count: slices.count))
        let done = DispatchGroup()
        for (index, statement) in slices.enumerated() {
            done.enter()
            pool.asyncRead { db in
                let outcome = Result { () throws -> [SQLRow]? in
                    let db = try db.get()
                    if let proceed {
                        _ = try Self.run(Self.stateFixingRead, in: db, cache, Self.rows(of:))
                        guard proceed() else { return nil }
                    }
                    return try Self.run(statement, in: db, cache, Self.rows(of:))
                }
                outcomes.withLock { $0[index] = outcome }
                done.leave()
            }
        }
        done.notify(queue: .global()) {
            finished(Result { try outcomes.withLock { $0 }.map { try $0.get() } })
        }
    }

    /// `body`, with a violated constraint reported as the conflict it is.
    private static func conflicts<Output>(_ body: () async throws -> Output) async throws -> Output {
        do {
            return try await body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw TesseraError.conflict(error.message ?? "constraint violated")
        }
    }

    /// Up to four slices at once, two even on one processor (where they only cost a hop each), on
    /// readers of GRDB's pool of five.
    public var sliceReaders: Int { min(4, max(2, ProcessInfo.processInfo.activeProcessorCount)) }

    /// Each slice on a reader of its own, at once. SQLite gives each read transaction the last commit
    /// before its first read, so each slice first fixes its state with a read of the schema, and the
    /// slices then decide together (``SliceRendezvous``) whether any commit began since they set out.
    /// If one did, they could disagree: they stop before their real work and set out once more, this
    /// time while the writer holds its next commit back (``GroupCommitWriter/hold(_:unreachable:)``)
    /// until they have all fixed their state — a pause of the writer's own length, well under a
    /// millisecond, after it finishes the transaction under way. Only if no reader is free for a
    /// slice do they run one after another on one connection (``QueriesProgram``).
    ///
    /// Without the hold, most counts under a commit every tenth of a millisecond ran on one
    /// connection (docs/segments.md, "Counts in slices on SQLite").
    public func runSlices(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        guard statements.count > 1 else { return try await run(QueriesProgram(statements), writes: false) }
        if let rows = try await sliceAttempt(statements, holdingCommits: false) { return rows }
        if let rows = try await sliceAttempt(statements, holdingCommits: true) {
            slicesHeld.add(1, ordering: .relaxed)
            return rows
        }
        slicesOnOneConnection.add(1, ordering: .relaxed)
        return try await run(QueriesProgram(statements), writes: false)
    }

    /// How often ``runSlices(_:)`` needed the writer to hold a commit back, and how often it ran the
    /// slices on one connection after all — for tests and diagnostics.
    public var sliceRetries: (held: Int, onOneConnection: Int) {
        (slicesHeld.load(ordering: .relaxed), slicesOnOneConnection.load(ordering: .relaxed))
    }

    /// The slices' rows, or `nil` if they could not all read one state. With `holdingCommits`, the
    /// slices set out from the writer's thread between two transactions, and it waits there until
    /// they have decided.
    private func sliceAttempt(_ statements: [SQLStatement], holdingCommits: Bool) async throws -> [[SQLRow]]? {
        let answers = try await withCheckedThrowingContinuation { continuation in
            let start = { @Sendable in
                let rendezvous = SliceRendezvous(slices: statements.count, commits: self.writer.commits)
                self.readAtOnce(statements, proceed: rendezvous.sameState) { continuation.resume(with: $0) }
                return rendezvous
            }
            if holdingCommits {
                writer.hold({ start().awaitVerdict() }, unreachable: { continuation.resume(throwing: $0) })
            } else {
                _ = start()
            }
        }
        let rows = answers.compactMap { $0 }
        return rows.count == statements.count ? rows : nil
    }

    /// A read that starts a read transaction, and so fixes which commit it sees.
    private static let stateFixingRead = SQLStatement("SELECT 1 FROM sqlite_schema LIMIT 1", [])

    /// Where the ingest log of the database at `path` lives: `/data/tessera.sqlite` →
    /// `/data/tessera-ingest.sqlite`. A file of its own, so appends never wait for the member store's writer.
    public static func ingestLogPath(forDatabase path: String) -> String {
        path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) + "-ingest.sqlite" : path + "-ingest"
    }

    public func close() async throws {
        await checkpointer.stop()
        // A connection with unfinalized statements refuses to close.
        statements.removeAll()
        try pool.close()
    }

    private static func execute<Program: SQLProgram>(
        _ program: Program, in db: Database, statements cache: PreparedStatementCache
    ) throws -> Program.Output {
        var program = program
        var step = try program.start()
        while true {
            switch step {
            case .done(let output):
                return output
            case .query(let statement):
                step = try program.resume(try run(statement, in: db, cache, rows(of:)))
            case .queries(let statements):
                step = try program.resume(try statements.flatMap { try run($0, in: db, cache, rows(of:)) })
            case .execute(let statements):
                for statement in statements {
                    try run(statement, in: db, cache) { try $0.execute() }
                }
                step = try program.resume([])
            }
        }
    }

    /// `body` applied to `statement` prepared (or taken from `cache`) and bound; a statement that
    /// fails is finalized rather than reused.
    private static func run<Result>(
        _ statement: SQLStatement, in db: Database, _ cache: PreparedStatementCache,
        _ body: (Statement) throws -> Result
    ) throws -> Result {
        do {
            let prepared = try cache.statement(statement.sql, in: db)
            return try body(try bind(statement, to: prepared, in: db))
        } catch {
            cache.discard(statement.sql, in: db)
            throw error
        }
    }

    /// `prepared` (the compiled text of `statement`) with `statement`'s arguments bound.
    ///
    /// Arguments are bound through SQLite's C API rather than GRDB's `StatementArguments`, which
    /// boxes every value into a `DatabaseValue` first: a 2,000-message ingest transaction binds
    /// about 100,000 values, and that conversion was ~6% of the single writer's time. GRDB was
    /// told when the statement was prepared that it is bound (``PreparedStatementCache``), so its
    /// execution and error handling stay in charge. Old bindings are overwritten, not cleared
    /// first: clearing freed every bound text's buffer, which the next execution allocated again
    /// (together 3% of the writer's time when projecting ingested events).
    private static func bind(_ statement: SQLStatement, to prepared: Statement, in db: Database) throws -> Statement {
        let handle = prepared.sqliteStatement
        // Binding needs a reset statement. Its result code repeats the last execution's error,
        // and a statement that failed is never reused (``run(_:in:_:_:)``).
        sqlite3_reset(handle)
        guard Int(sqlite3_bind_parameter_count(handle)) == statement.arguments.count else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "\(statement.arguments.count) arguments for \(sqlite3_bind_parameter_count(handle)) markers",
                sql: statement.sql)
        }
        for (offset, value) in statement.arguments.enumerated() {
            let index = CInt(offset + 1)
            let code: CInt
            switch value {
            case .text(var text):
                code = text.withUTF8 { bytes in
                    // An empty buffer may have no address, and a null pointer would bind NULL.
                    guard let start = bytes.baseAddress, !bytes.isEmpty else {
                        return sqlite3_bind_text(handle, index, "", 0, transient)
                    }
                    return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                        sqlite3_bind_text(handle, index, $0, CInt(bytes.count), transient)
                    }
                }
            case .int(let number): code = sqlite3_bind_int64(handle, index, number)
            case .bool(let flag): code = sqlite3_bind_int64(handle, index, flag ? 1 : 0)
            case .null: code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
            }
        }
        return prepared
    }

    /// SQLite copies bound text (`SQLITE_TRANSIENT`): Swift strings may move once the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Every row of a prepared query, read column by column from the statement. Its width is read
    /// once it has stepped: a cached statement whose table changed since it was prepared is
    /// prepared again by its first step, and may have more columns than before.
    private static func rows(of statement: Statement) throws -> [SQLRow] {
        let cursor = try Row.fetchCursor(statement)
        let handle = statement.sqliteStatement
        var rows: [SQLRow] = []
        var width: CInt?
        while try cursor.next() != nil {
            let columns = width ?? sqlite3_column_count(handle)
            width = columns
            rows.append(SQLRow((0..<columns).map { column in value(of: handle, at: column) }))
        }
        return rows
    }

    /// One column of the current row; reals become integers (Tessera stores none) and blobs text.
    private static func value(of handle: SQLiteStatement, at column: CInt) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER:
            return .int(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT:
            let number = sqlite3_column_double(handle, column)
            return number.isFinite && abs(number) < 9.2e18 ? .int(Int64(number)) : .null
        case SQLITE_TEXT, SQLITE_BLOB:
            // The text pointer comes first: asking for the byte count first could convert the value.
            let start = sqlite3_column_text(handle, column)
            let count = Int(sqlite3_column_bytes(handle, column))
            guard let start, count > 0 else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self))
        default:
            return .null
        }
    }
}
