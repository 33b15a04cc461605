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
    /// Statement text (`?` markers) and binding types → the name and the `$n` text to prepare; and
    /// how many names were ever given, so that a name is never given twice (``forgetAll()``).
    private let registry = Mutex<(named: [Key: NamedStatement.Text], issued: Int)>(([:], 0))

    private struct Key: Hashable {
        var sql: String
        var types: [UInt8]
    }

    /// How to run `statement`: under a name with its `$n` text, or unnamed with it. A named
    /// statement's text is numbered once, when first named, not on every execution.
    func lookup(_ statement: SQLStatement) -> (name: String?, sql: String) {
        guard statement.arguments.count <= parameterLimit, Self.isDataStatement(statement.sql) else {
            return (nil, SQLStatement.numberedParameters(statement.sql))
        }
        let key = Key(
            sql: statement.sql,
            types: statement.arguments.map { argument in
                switch argument {
                case .text: UInt8(ascii: "t")
                case .int: UInt8(ascii: "i")
                case .bool: UInt8(ascii: "b")
                case .null: UInt8(ascii: "n")
                }
            })
        if let text = registry.withLock({ $0.named[key] }) { return (text.name, text.sql) }
        let sql = SQLStatement.numberedParameters(statement.sql)
        return registry.withLock { registry in
            if let text = registry.named[key] { return (text.name, text.sql) }
            guard registry.named.count < capacity else { return (nil, sql) }
            registry.issued += 1
            let text = NamedStatement.Text(name: "tessera_\(registry.issued)", sql: sql)
            registry.named[key] = text
            return (text.name, text.sql)
        }
    }

    /// Gives every statement a new name from now on, so each connection prepares it again: after a
    /// migration changed what a prepared statement returns, PostgreSQL refuses to run it ("cached
    /// plan must not change result type"). The old names stay prepared on their connections,
    /// unused, until those close; a name is never reused for another text.
    func forgetAll() {
        registry.withLock { $0.named.removeAll() }
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
