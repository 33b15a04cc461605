import PostgresNIO
import Synchronization
import TesseraCore

/// Names the statements worth preparing on the server, so that PostgreSQL parses, analyses and
/// plans each of them once per connection instead of once per execution.
///
/// Measured on the loyalty benchmark: parsing and planning unnamed statements was half of
/// PostgreSQL's CPU time (a quarter of the machine's). The ledger's statements are short, many and
/// repeated with the same text, which is what a prepared statement is for.
///
/// A name stands for one statement text *and* the types of its bindings: PostgreSQL fixes the
/// parameter types when it prepares, so the same text bound with other types (a `NULL` where a
/// text was before) is another statement. Statements with many parameters — the ingest's
/// multi-row `VALUES` lists, whose texts vary with the batch — stay unnamed, and so does
/// everything once `capacity` texts are named, which bounds what each connection keeps.
final class PreparedStatements: Sendable {
    static let shared = PreparedStatements()

    /// At most this many parameters in a statement that is prepared.
    let parameterLimit = 64
    /// At most this many statements named per process (and so per connection).
    let capacity = 4_096
    private let names = Mutex<[String: String]>([:])

    /// The server-side name for `statement` (its text with `$n` markers in `sql`), or `nil` to
    /// run it unnamed.
    func name(for statement: SQLStatement, sql: String) -> String? {
        guard statement.arguments.count <= parameterLimit, Self.isDataStatement(sql) else { return nil }
        var key = ""
        key.reserveCapacity(sql.utf8.count + statement.arguments.count + 1)
        for argument in statement.arguments {
            switch argument {
            case .text: key += "t"
            case .int: key += "i"
            case .bool: key += "b"
            case .null: key += "n"
            }
        }
        key += "|" + sql
        return names.withLock { names in
            if let name = names[key] { return name }
            guard names.count < capacity else { return nil }
            let name = "tessera_\(names.count + 1)"
            names[key] = name
            return name
        }
    }

    /// Only queries and data changes: a plan prepared before a schema change could no longer
    /// describe its result, and DDL runs once anyway.
    private static func isDataStatement(_ sql: String) -> Bool {
        let word = sql.utf8.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") }.map { $0 | 0x20 }
        return ["select", "insert", "update", "delete", "with"].contains { Array($0.utf8) == word }
    }
}

/// A statement executed under a name chosen at run time (see ``PreparedStatements``).
///
/// PostgresNIO prepares statements from the static `name` and `sql` of a type; this one reads them
/// from a task-local value set around each execution (`Self.$current.withValue`). PostgresNIO reads
/// both synchronously at the start of `execute`, on the task that set them.
struct NamedStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow

    @TaskLocal static var current = Text(name: "", sql: "")

    /// The name and text the next `execute` of this type prepares or runs.
    struct Text: Sendable {
        var name: String
        var sql: String
    }

    static var name: String { current.name }
    static var sql: String { current.sql }

    let bindings: PostgresBindings
    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}
