public import Foundation

/// An arbitrary JSON value: event properties, traits, context and custom attributes.
///
/// Kept as a value type so the domain can read and merge free-form payloads without
/// Foundation's untyped `Any`. Numbers keep their textual precision as `Decimal` so that
/// money in a payload (`"total": 19.99`) converts to minor units exactly.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Decimal)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member named `key` when this is an object, else `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, or the textual form of a number (ids are often sent as numbers).
    public var stringValue: String? {
        switch self {
        case .string(let text): return text
        case .number(let number): return "\(number)"
        default: return nil
        }
    }

    public var decimalValue: Decimal? {
        switch self {
        case .number(let number): return number
        case .string(let text): return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Shallow merge: keys of `other` replace keys of `self` (a JSON merge patch without deletions).
    public func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        for (key, value) in theirs { mine[key] = value }
        return .object(mine)
    }

    /// Compact JSON text with sorted keys, so equal values serialise identically.
    public var jsonText: String {
        var output = ""
        output.reserveCapacity(64)
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let number): output += JSONValue.numberText(number)
        case .string(let text): JSONValue.writeString(text, to: &output)
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                item.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                JSONValue.writeString(key, to: &output)
                output += ":"
                members[key, default: .null].write(to: &output)
            }
            output += "}"
        }
    }

    /// `number` as `Decimal`'s description writes it — no exponent, no trailing zeros — built from
    /// its significand and exponent whenever the significand's digits fit 64 bits. The description
    /// costs ~3 µs; integers (points, counts, minor units) and prices, most of what is written, print
    /// many times faster this way. Anything else takes the description.
    ///
    ///     JSONValue.numberText(Decimal(string: "-0.05") ?? 0) // "-0.05"
    private static func numberText(_ number: Decimal) -> String {
        let significand = number.significand
        let magnitude = Int64(truncating: significand as NSNumber)
        // `significand` and `exponent` come without trailing zeros (the differential test in
        // JSONNumberTests holds this output to the description's).
        guard magnitude >= 0, Decimal(magnitude) == significand else { return "\(number)" }
        guard magnitude != 0 else { return "0" }
        let sign = number.sign == .minus ? "-" : ""
        var digits = String(magnitude)
        let exponent = number.exponent
        guard exponent < 0 else { return sign + digits + String(repeating: "0", count: exponent) }
        if digits.count <= -exponent {
            digits = "0." + String(repeating: "0", count: -exponent - digits.count) + digits
        } else {
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: exponent))
        }
        return sign + digits
    }

    private static func writeString(_ text: String, to output: inout String) {
        output += "\""
        // Most texts need no escape: appended whole rather than scalar by scalar.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let number = try? container.decode(Decimal.self) {
            self = .number(number)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}

extension JSONValue {
    /// Parses JSON text stored by ``jsonText`` (or any JSON document).
    public static func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }
}
