/// The shape of a multi-row `INSERT … VALUES` built by ``SQLBuilder/insert(into:columns:markers:rows:suffix:)``,
/// kept with the statement so that PostgreSQL can run the same rows as one `unnest` of column arrays.
///
/// A `VALUES` list of 256 rows of 19 columns is a statement of 4,864 parameters that PostgreSQL
/// parses, analyses and plans afresh every time (too many parameters to prepare, and a text that
/// changes with the row count). The `unnest` form has one parameter per column, an array literal,
/// and one text per table and column types, so it is prepared once per connection like the short
/// statements (``SQLStatement``'s driver does this; SQLite runs the `VALUES` form, in process).
///
/// ```sql
/// INSERT INTO t (a, b, c) SELECT u.a0, NULL, u.a2::jsonb FROM unnest(?::bigint[], ?::text[]) AS u(a0, a2) …
/// ```
public struct BulkInsert: Sendable, Hashable {
    let table: String
    let columns: [String]
    /// Per column, the cast its marker applies (`jsonb` for `?::jsonb`), or `nil` for a plain `?`.
    let casts: [String?]
    /// `ON CONFLICT …` / `RETURNING …`, as after the `VALUES` list.
    let suffix: String
    /// This chunk carries more rows of the statement just before it — the same
    /// ``SQLBuilder/insert(into:columns:markers:rows:suffix:)`` call, split for SQLite's sake —
    /// so PostgreSQL may run both as one statement (``merged(_:)``).
    var continuesPrevious = false
    /// A condition on the whole insert (`EXISTS (SELECT 1 FROM ok)`), written as the `unnest`
    /// form's `WHERE`: ``SQLBuilder/guardedWrites(_:check:filter:)`` makes every write of a
    /// statement depend on one check.
    var filter = ""

    /// `nil` unless every marker is `?` or `?::type`.
    init?(table: String, columns: [String], markers: [String], suffix: String) {
        var casts: [String?] = []
        for marker in markers {
            if marker == "?" {
                casts.append(nil)
            } else if marker.hasPrefix("?::"), !marker.dropFirst(3).contains(where: { !$0.isLetter }) {
                casts.append(String(marker.dropFirst(3)))
            } else {
                return nil
            }
        }
        // The rows are read back from the arguments by position: a suffix with parameters of its own
        // would shift them.
        guard !columns.isEmpty, casts.count == columns.count, !suffix.contains("?") else { return nil }
        (self.table, self.columns, self.casts, self.suffix) = (table, columns, casts, suffix)
    }

    private enum Kind {
        case text, int, bool

        var arrayType: String {
            switch self {
            case .text: "text[]"
            case .int: "bigint[]"
            case .bool: "boolean[]"
            }
        }
    }

    /// The rows of `arguments` (row after row, as the `VALUES` form binds them) as one `INSERT …
    /// SELECT … FROM unnest(…)`; `nil` when a column mixes types (the `VALUES` form then runs).
    /// A column that is `NULL` in every row becomes a literal `NULL`, typed by its target column.
    public func unnest(_ arguments: [SQLValue]) -> SQLStatement? {
        let width = columns.count
        guard !arguments.isEmpty, arguments.count % width == 0 else { return nil }
        let rowCount = arguments.count / width
        var selected: [String] = []
        var arrays: [String] = []
        var aliases: [String] = []
        var literals: [SQLValue] = []
        for column in 0..<width {
            var kind: Kind?
            var literal = ArrayLiteral(capacity: rowCount * 16)
            for row in 0..<rowCount {
                let value = arguments[row * width + column]
                if let valueKind = Self.kind(of: value) {
                    if kind == nil { kind = valueKind } else if kind != valueKind { return nil }
                }
                literal.append(value)
            }
            guard let kind else {
                selected.append("NULL")
                continue
            }
            let alias = "a\(column)"
            aliases.append(alias)
            arrays.append("?::\(kind.arrayType)")
            literals.append(.text(literal.close()))
            selected.append("u.\(alias)" + (casts[column].map { "::\($0)" } ?? ""))
        }
        guard !arrays.isEmpty else { return nil }
        let sql =
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) SELECT \(selected.joined(separator: ", ")) "
            + "FROM unnest(\(arrays.joined(separator: ", "))) AS u(\(aliases.joined(separator: ", ")))"
            + (filter.isEmpty ? "" : " WHERE " + filter) + (suffix.isEmpty ? "" : " " + suffix)
        return SQLStatement(sql, literals)
    }

    /// ``merged(_:)``, then every multi-row insert in its `unnest` form: the statements as they
    /// join one PostgreSQL statement (``SQLBuilder/independentWrites(_:dialect:)``,
    /// ``SQLBuilder/guardedWrites(_:check:filter:)``).
    static func unnested(_ statements: [SQLStatement]) -> [SQLStatement] {
        merged(statements).map { statement in statement.bulk.flatMap { $0.unnest(statement.arguments) } ?? statement }
    }

    /// `statements` with every run of chunks of one insert (a bulk statement and the chunks that
    /// continue it) as one `unnest` statement; everything else as it was. A run whose rows cannot
    /// be one `unnest` (a column of mixed kinds) stays as its chunks.
    ///
    /// Why: the chunks exist because SQLite and PostgreSQL's `VALUES` form want bounded statements;
    /// the `unnest` form takes any number of rows in one prepared statement, so on PostgreSQL a
    /// 500-message ingest batch's events are one round trip and one execution, not six.
    public static func merged(_ statements: [SQLStatement]) -> [SQLStatement] {
        guard statements.contains(where: { $0.bulk?.continuesPrevious == true }) else { return statements }
        var result: [SQLStatement] = []
        var run: [SQLStatement] = []
        func flush() {
            if run.count > 1, let bulk = run.first?.bulk, let one = bulk.unnest(run.flatMap(\.arguments)) {
                result.append(one)
            } else {
                result += run
            }
            run = []
        }
        for statement in statements {
            if statement.bulk?.continuesPrevious != true { flush() }
            run.append(statement)
        }
        flush()
        return result
    }

    /// `values` as a PostgreSQL array literal (`{1,NULL}`, `{"a\"b",NULL}`), for a `CAST(? AS T[])`.
    static func arrayLiteral(_ values: [SQLValue]) -> String {
        var literal = ArrayLiteral(capacity: values.count * 16)
        for value in values { literal.append(value) }
        return literal.close()
    }

    private static func kind(of value: SQLValue) -> Kind? {
        switch value {
        case .null: nil
        case .int: .int
        case .bool: .bool
        case .text: .text
        }
    }

    /// PostgreSQL's array literal syntax, written as UTF-8 bytes: a blast writes hundreds of
    /// rendered message bodies per statement, and building them scalar by scalar as `String`s cost
    /// more than the `VALUES` form saved.
    private struct ArrayLiteral {
        private var bytes: [UInt8]
        private var empty = true

        init(capacity: Int) {
            bytes = [UInt8(ascii: "{")]
            bytes.reserveCapacity(capacity)
        }

        mutating func append(_ value: SQLValue) {
            if !empty { bytes.append(UInt8(ascii: ",")) }
            empty = false
            switch value {
            case .null: bytes.append(contentsOf: "NULL".utf8)
            case .int(let number): bytes.append(contentsOf: String(number).utf8)
            case .bool(let flag): bytes.append(flag ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            case .text(let text):
                // Every element quoted (an unquoted one would be trimmed, and `NULL` read as null);
                // only `"` and `\` need escaping inside the quotes.
                bytes.append(UInt8(ascii: "\""))
                for byte in text.utf8 {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                    bytes.append(byte)
                }
                bytes.append(UInt8(ascii: "\""))
            }
        }

        /// The literal, closed; `self` is not to be appended to afterwards.
        mutating func close() -> String {
            bytes.append(UInt8(ascii: "}"))
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
