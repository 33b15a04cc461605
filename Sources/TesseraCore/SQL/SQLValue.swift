import Foundation

/// A bind value for SQL shared by both stores. JSON is bound as text; PostgreSQL statements
/// cast it with `::jsonb`, which the SQLite store strips.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case int(Int64)
    case bool(Bool)
    case null

    public static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
    public static func optional(_ number: Int64?) -> SQLValue { number.map(SQLValue.int) ?? .null }
}

/// One statement with `?` parameter markers and its arguments.
public struct SQLStatement: Sendable, Hashable {
    public var sql: String
    public var arguments: [SQLValue]
    /// Set for a multi-row `INSERT … VALUES`: its shape, so PostgreSQL can run it as an `unnest`.
    public var bulk: BulkInsert?

    public init(_ sql: String, _ arguments: [SQLValue]) {
        self.sql = sql
        self.arguments = arguments
    }

    /// `?` parameter markers renumbered as `$1, $2…` for PostgreSQL. The statements in this package
    /// never contain a literal `?`.
    public static func numberedParameters(_ sql: String) -> String {
        // Bytes, not Characters: iterating grapheme clusters made this 2.7% of the server's CPU.
        let question = UInt8(ascii: "?")
        var output: [UInt8] = []
        output.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        for byte in sql.utf8 {
            if byte == question {
                number += 1
                output.append(UInt8(ascii: "$"))
                output.append(contentsOf: String(number).utf8)
            } else {
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The statement for SQLite: PostgreSQL casts removed.
    public static func sqliteText(_ sql: String) -> String {
        // Bytes, not Foundation's replace: multi-row statements carry a cast per row, and the replace
        // was 2.4% of a journey blast's CPU.
        let colon = UInt8(ascii: ":")
        guard sql.utf8.contains(colon) else { return sql }
        let cast = Array("::jsonb".utf8)
        let bytes = Array(sql.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == colon, bytes[index...].starts(with: cast) {
                index += cast.count
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
