import Foundation
import TesseraDomain

/// Several independent reads answered as if each had been its own query — in one round trip on
/// PostgreSQL.
///
/// On SQLite each ``Read`` is a statement of its own (there is no round trip to save). On
/// PostgreSQL every read becomes one column of a single statement, its rows aggregated into a JSON
/// array of arrays (`json_agg(json_build_array(…))`), and the arrays are unpacked into the rows the
/// separate statements would have answered. The real-time path loads a member's facts from up to
/// ten tables per incoming event; as ten statements on PostgreSQL that was ten round trips, each
/// with its wake-ups on both sides of the loopback socket, and most of the path's time.
///
/// ```swift
/// BundledReadsProgram([.init(columns: ["id", "name"], source: "segments WHERE group_id = ?", arguments: [g])],
///                     dialect: .postgres) { results in results[0].count }
/// ```
struct BundledReadsProgram<Output: Sendable>: SQLProgram {
    /// One read: `SELECT columns FROM source ORDER BY order`.
    struct Read: Sendable {
        /// The select list, one expression per column (no aliases needed: columns are read by position).
        var columns: [String]
        /// Everything after `FROM`, up to but not including any `ORDER BY`.
        var source: String
        /// The `ORDER BY` list, when the rows' order matters.
        var order: String?
        /// The `?` arguments of the columns, then of the source, in the order they appear.
        var arguments: [SQLValue]

        init(columns: [String], source: String, order: String? = nil, arguments: [SQLValue]) {
            self.columns = columns
            self.source = source
            self.order = order
            self.arguments = arguments
        }

        var statement: SQLStatement {
            let ordered = order.map { " ORDER BY \($0)" } ?? ""
            return SQLStatement("SELECT \(columns.joined(separator: ", ")) FROM \(source)\(ordered)", arguments)
        }

        /// The read as a scalar subquery answering its rows as JSON text: `[[c1, c2, …], …]`.
        var aggregate: String {
            let ordered = order.map { " ORDER BY \($0)" } ?? ""
            return """
                (SELECT CAST(COALESCE(json_agg(json_build_array(\(columns.joined(separator: ", ")))\(ordered)), \
                '[]') AS TEXT) FROM \(source))
                """
        }
    }

    private var queries: QueriesProgram<Output>

    init(_ reads: [Read], dialect: SQLDialect, map: @escaping @Sendable ([[SQLRow]]) throws -> Output) {
        switch dialect {
        case .sqlite:
            queries = QueriesProgram(reads.map(\.statement), map: map)
        case .postgres:
            let bundle = SQLStatement(
                "SELECT " + reads.map(\.aggregate).joined(separator: ", "), reads.flatMap(\.arguments))
            let count = reads.count
            queries = QueriesProgram([bundle]) { results in
                let columns = results.first?.first?.values ?? []
                // `map` indexes the results by read: a short answer must fail here, not trap there.
                guard columns.count == count else {
                    throw TesseraError.unavailable("a bundled read answered \(columns.count) of \(count) reads")
                }
                return try map(try columns.map(Self.rows))
            }
        }
    }

    mutating func start() throws -> SQLStep<Output> { try queries.start() }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Output> { try queries.resume(rows) }

    /// The rows of one aggregated read: JSON strings become text, integers integers, booleans
    /// booleans — what the driver answers for the same columns read directly.
    static func rows(_ column: SQLValue) throws -> [SQLRow] {
        guard case .text(let text) = column, case .array(let rows) = try JSONParser.parse(Array(text.utf8)) else {
            throw TesseraError.unavailable("a bundled read did not answer a JSON array")
        }
        return try rows.map { row in
            guard case .array(let cells) = row else {
                throw TesseraError.unavailable("a bundled read's row is not a JSON array")
            }
            return SQLRow(cells.map(Self.value))
        }
    }

    private static func value(_ cell: JSONValue) -> SQLValue {
        switch cell {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .string(let text): return .text(text)
        case .number(let number):
            // The columns read this way are integers (micros, minor units, counts); anything else
            // keeps its digits as text, which `SQLRow.int` still reads when they are whole.
            return Money.exactInteger(number).map(SQLValue.int) ?? .text("\(number)")
        case .array, .object: return .text(cell.jsonText)
        }
    }
}
