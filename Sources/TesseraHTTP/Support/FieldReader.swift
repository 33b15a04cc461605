import Foundation
import TesseraDomain

/// Reads typed fields out of a JSON object, naming the JSON path of anything wrong.
/// Unknown fields are ignored; a field of the wrong type is an error, never silently dropped.
struct FieldReader {
    let object: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws {
        guard let object = value.objectValue else { throw FieldError(path: path, reason: "must be an object") }
        self.object = object
        self.path = path
    }

    func at(_ key: String) -> String { path + "." + key }

    /// A string; `nil` when absent or null.
    func string(_ key: String) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .string(let text) = value else { throw FieldError(path: at(key), reason: "must be a string") }
        return text
    }

    /// An id: a string, or a number written as text (user and order ids often arrive as numbers),
    /// of at most ``Identifier/maximumLength`` characters — it is a key in an index.
    func id(_ key: String) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw FieldError(path: at(key), reason: "must be a string or a number")
        }
        guard text.unicodeScalars.count <= Identifier.maximumLength else {
            throw FieldError(path: at(key), reason: "is longer than \(Identifier.maximumLength) characters")
        }
        return text
    }

    /// A required name or key of at most `maximumLength` characters: event names and idempotency
    /// keys are keys in an index, which refuses long entries (PostgreSQL's B-tree at about 2.7 kB).
    func requiredKey(_ key: String, maximumLength: Int = 200) throws -> String {
        let text = try requiredString(key)
        guard text.unicodeScalars.count <= maximumLength else {
            throw FieldError(path: at(key), reason: "is longer than \(maximumLength) characters")
        }
        return text
    }

    func requiredString(_ key: String) throws -> String {
        guard let text = try string(key), !text.isEmpty else { throw FieldError(path: at(key), reason: "is required") }
        return text
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw FieldError(path: at(key), reason: "must be true or false") }
        return flag
    }

    func decimal(_ key: String) throws -> Decimal? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let number = value.decimalValue else { throw FieldError(path: at(key), reason: "must be a number") }
        return number
    }

    /// An integer in minor units (or a count) within ``Money/integerRange``; rejects fractions.
    func integer(_ key: String) throws -> Int64? {
        guard let number = try decimal(key) else { return nil }
        guard let whole = Money.exactInteger(number) else {
            throw FieldError(
                path: at(key), reason: "must be a whole number of at most \(Money.integerRange.upperBound) in magnitude"
            )
        }
        return whole
    }

    func object(_ key: String) throws -> [String: JSONValue]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let members = value.objectValue else { throw FieldError(path: at(key), reason: "must be an object") }
        return members
    }

    func array(_ key: String) throws -> [JSONValue]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let items = value.arrayValue else { throw FieldError(path: at(key), reason: "must be an array") }
        return items
    }

    /// An ISO-8601 instant with an explicit offset (`2026-11-23T08:00:00.123+08:00`).
    func date(_ key: String) throws -> Date? {
        guard let text = try string(key) else { return nil }
        guard let date = FieldReader.parseDate(text) else {
            throw FieldError(
                path: at(key), reason: "must be an ISO-8601 time with a UTC offset, e.g. 2026-11-23T08:00:00Z")
        }
        return date
    }

    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
