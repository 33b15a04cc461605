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
            var elements: [String] = []
            elements.reserveCapacity(rowCount)
            for row in 0..<rowCount {
                let (element, elementKind) = Self.element(arguments[row * width + column])
                if let elementKind {
                    if kind == nil { kind = elementKind } else if kind != elementKind { return nil }
                }
                elements.append(element)
            }
            guard let kind else {
                selected.append("NULL")
                continue
            }
            let alias = "a\(column)"
            aliases.append(alias)
            arrays.append("?::\(kind.arrayType)")
            literals.append(.text("{" + elements.joined(separator: ",") + "}"))
            selected.append("u.\(alias)" + (casts[column].map { "::\($0)" } ?? ""))
        }
        guard !arrays.isEmpty else { return nil }
        let sql =
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) SELECT \(selected.joined(separator: ", ")) "
            + "FROM unnest(\(arrays.joined(separator: ", "))) AS u(\(aliases.joined(separator: ", ")))"
            + (suffix.isEmpty ? "" : " " + suffix)
        return SQLStatement(sql, literals)
    }

    /// `values` as a PostgreSQL array literal (`{1,NULL}`, `{"a\"b",NULL}`), for a `CAST(? AS T[])`.
    static func arrayLiteral(_ values: [SQLValue]) -> String {
        "{" + values.map { element($0).0 }.joined(separator: ",") + "}"
    }

    /// One array element in PostgreSQL's array literal syntax, and the kind of value it is.
    private static func element(_ value: SQLValue) -> (String, Kind?) {
        switch value {
        case .null: return ("NULL", nil)
        case .int(let number): return (String(number), .int)
        case .bool(let flag): return (flag ? "t" : "f", .bool)
        case .text(let text):
            var quoted = "\""
            quoted.reserveCapacity(text.utf8.count + 2)
            for character in text.unicodeScalars {
                if character == "\"" || character == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(character)
            }
            quoted += "\""
            return (quoted, .text)
        }
    }
}
