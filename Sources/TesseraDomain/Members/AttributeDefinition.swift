/// A custom member attribute a brand declares before using it (SPEC §3), so that segment rules
/// and exports can rely on its type.
///
/// ```swift
/// let skin = AttributeDefinition(name: "skin_type", type: .string)
/// skin.coerce(.number(3))  // .failure(.wrongType(.string))
/// ```
public struct AttributeDefinition: Sendable, Hashable, Codable {
    /// The value types an attribute can have.
    public enum ValueType: String, Sendable, Hashable, Codable, CaseIterable {
        case string, number, boolean
        /// A calendar date `YYYY-MM-DD`.
        case date
    }

    public var name: String
    public var type: ValueType

    public init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }

    /// Names are lower-case identifiers, 1–64 characters.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    /// `value` in this attribute's type, or why it does not fit. Text that reads as the declared
    /// type is converted (CSV files carry every value as text); `null` clears an attribute.
    public func coerce(_ value: JSONValue) -> Result<JSONValue, AttributeError> {
        switch (type, value) {
        case (_, .null), (.string, .string), (.number, .number), (.boolean, .bool): return .success(value)
        case (.number, .string(let text)):
            guard let number = JSONValue.string(text).decimalValue else { return .failure(.wrongType(type)) }
            return .success(.number(number))
        case (.boolean, .string(let text)):
            switch text.lowercased() {
            case "true", "yes", "1": return .success(.bool(true))
            case "false", "no", "0": return .success(.bool(false))
            default: return .failure(.wrongType(type))
            }
        case (.date, .string(let text)) where ProfilePatch.isValidBirthday(text): return .success(value)
        default: return .failure(.wrongType(type))
        }
    }
}

/// Why an attribute value was refused.
public enum AttributeError: Error, Sendable, Hashable, CustomStringConvertible {
    case wrongType(AttributeDefinition.ValueType)

    public var description: String {
        switch self {
        case .wrongType(.date): "must be a date YYYY-MM-DD"
        case .wrongType(let type): "must be a \(type.rawValue)"
        }
    }
}
