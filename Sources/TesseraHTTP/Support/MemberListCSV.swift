import CSV
import Foundation
import Hummingbird
import TesseraCore

/// A list of members uploaded as CSV (segment and tag imports): a header row whose first column is
/// `member_id` or an identifier type (`phone`, `email`, …), then one value per row in that column.
struct MemberListCSV {
    /// Most rows one upload holds.
    static let maximumRows = 100_000

    let column: String
    /// Non-empty values with their line numbers (the header is line 1), for precise errors.
    let values: [(line: Int, value: String)]

    static func read(_ request: Request, context: TesseraContext) async throws -> MemberListCSV {
        let text = String(buffer: try await RequestBody.bytes(request, context: context))
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw Problem.invalid(path: "$", reason: "the CSV could not be read: \(error)")
        }
        // Identifier types are lower-case tokens (the type set is extensible); the values are checked
        // against the type when they are resolved.
        guard let column = reader.headerRow?.first,
            column == "member_id"
                || (!column.isEmpty && column.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
        else {
            throw Problem.invalid(
                path: "$", reason: "a header row whose first column is member_id or an identifier type such as phone")
        }
        var values: [(line: Int, value: String)] = []
        var line = 1
        while let row = reader.next() {
            line += 1
            guard values.count < maximumRows else {
                throw Problem.invalid(path: "$", reason: "at most 100,000 rows per list")
            }
            if let value = row.first, !value.isEmpty { values.append((line, value)) }
        }
        return MemberListCSV(column: column, values: values)
    }
}
