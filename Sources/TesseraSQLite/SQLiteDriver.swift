import Foundation
import GRDB
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
            for pragma in [
                "synchronous = NORMAL", "cache_size = -32768", "mmap_size = 268435456",
                "wal_autocheckpoint = \(WALCheckpointer.writerFallbackPages)",
            ] {
                try db.execute(sql: "PRAGMA " + pragma)
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        let checkpointer = try WALCheckpointer(path: path)
        self.checkpointer = checkpointer
        writer = GroupCommitWriter(pool: pool, onCommit: checkpointer.committed)
    }

    public func run<Program: SQLProgram>(_ program: Program, writes: Bool) async throws -> Program.Output {
        do {
            if writes {
                return try await writer.write { db in try Self.execute(program, in: db) }
            }
            return try await pool.read { db in try Self.execute(program, in: db) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw TesseraError.conflict(error.message ?? "constraint violated")
        }
    }

    /// Where the ingest log of the database at `path` lives: `/data/tessera.sqlite` →
    /// `/data/tessera-ingest.sqlite`. A file of its own, so appends never wait for the member store's writer.
    public static func ingestLogPath(forDatabase path: String) -> String {
        path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) + "-ingest.sqlite" : path + "-ingest"
    }

    public func close() async throws {
        await checkpointer.stop()
        try pool.close()
    }

    private static func execute<Program: SQLProgram>(_ program: Program, in db: Database) throws -> Program.Output {
        var program = program
        var step = try program.start()
        while true {
            switch step {
            case .done(let output):
                return output
            case .query(let statement):
                let rows = try Row.fetchAll(try prepare(statement, in: db), arguments: arguments(statement))
                step = try program.resume(rows.map(sqlRow))
            case .execute(let statements):
                for statement in statements {
                    try prepare(statement, in: db).execute(arguments: arguments(statement))
                }
                step = try program.resume([])
            }
        }
    }

    private static func prepare(_ statement: SQLStatement, in db: Database) throws -> Statement {
        try db.cachedStatement(sql: SQLStatement.sqliteText(statement.sql))
    }

    private static func arguments(_ statement: SQLStatement) -> StatementArguments {
        StatementArguments(
            statement.arguments.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .text(let text): text
                case .int(let number): number
                case .bool(let flag): flag
                case .null: nil
                }
            })
    }

    private static func sqlRow(_ row: Row) -> SQLRow {
        SQLRow(
            (0..<row.count).map { index in
                let value: DatabaseValue = row[index]
                switch value.storage {
                case .null: return .null
                case .int64(let number): return .int(number)
                case .double(let number): return .int(Int64(number))
                case .string(let text): return .text(text)
                case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
                }
            })
    }
}
