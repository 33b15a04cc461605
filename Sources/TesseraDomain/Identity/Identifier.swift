/// One normalised identifier of a member: a type and a canonical value (`phone:+8613800000000`).
///
/// Always build one with ``parse(_:)`` or ``init(type:rawValue:)``, which normalise, so that
/// equal people produce equal identifiers:
/// ```swift
/// try Identifier(type: .phone, rawValue: "138 0000 0000")   // phone:+8613800000000
/// try Identifier.parse("email: Ann@Example.COM")            // email:ann@example.com
/// ```
public struct Identifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let type: IdentifierType
    /// Canonical value; for scoped types `scope:value`.
    public let value: String

    /// Longest value accepted, in characters (Unicode scalars, as JSON Schema's `maxLength` counts),
    /// so an index entry stays under a kilobyte.
    public static let maximumLength = 256

    /// Normalises `rawValue` for `type`, or throws a reason a person can act on.
    public init(type: IdentifierType, rawValue: String, defaultCountryCode: String = "86") throws(IdentifierError) {
        let trimmed = rawValue.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty(type) }
        guard Identifier.isValidTypeName(type.rawValue) else { throw .invalidType(type.rawValue) }
        let normalised: String
        switch type {
        case .phone:
            normalised = try PhoneNumber.e164(trimmed, defaultCountryCode: defaultCountryCode)
        case .email:
            normalised = try Identifier.normaliseEmail(trimmed)
        default:
            if type.isScoped {
                let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw .missingScope(type) }
                normalised =
                    parts[0].trimmingWhitespace() + ":"
                    + parts[1].trimmingWhitespace()
            } else {
                normalised = trimmed
            }
        }
        guard normalised.unicodeScalars.count <= Identifier.maximumLength else { throw .tooLong(type) }
        self.type = type
        self.value = normalised
    }

    /// Builds an identifier from already-normalised parts, as read back from a store.
    public init(storedType: IdentifierType, storedValue: String) {
        self.type = storedType
        self.value = storedValue
    }

    /// Parses the `type:value` form used in URLs and CSV files (`phone:+8613800000000`).
    public static func parse(_ text: String, defaultCountryCode: String = "86") throws(IdentifierError) -> Identifier {
        guard let colon = text.firstIndex(of: ":") else { throw .missingType(text) }
        let type = IdentifierType(rawValue: text[..<colon].trimmingWhitespace().lowercased())
        return try Identifier(
            type: type, rawValue: String(text[text.index(after: colon)...]), defaultCountryCode: defaultCountryCode)
    }

    public var description: String { type.rawValue + ":" + value }

    public static func < (lhs: Identifier, rhs: Identifier) -> Bool {
        (lhs.type.rawValue, lhs.value) < (rhs.type.rawValue, rhs.value)
    }

    static func isValidTypeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 32
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    static func normaliseEmail(_ text: String) throws(IdentifierError) -> String {
        let lowered = text.lowercased()
        let parts = lowered.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !lowered.contains(where: { $0.isWhitespace })
        else { throw .invalidEmail(text) }
        return lowered
    }
}

/// Why a raw identifier was not accepted.
public enum IdentifierError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty(IdentifierType)
    case invalidType(String)
    case missingType(String)
    case missingScope(IdentifierType)
    case invalidPhone(String)
    case invalidEmail(String)
    case tooLong(IdentifierType)

    public var description: String {
        switch self {
        case .empty(let type): "\(type) identifier is empty"
        case .invalidType(let name): "'\(name)' is not an identifier type: use lower-case letters, digits and _"
        case .missingType(let text): "'\(text)' has no type: write it as type:value, e.g. phone:+8613800000000"
        case .missingScope(let type): "\(type) identifiers need a scope: write \(type):<scope>:<value>"
        case .invalidPhone(let text):
            "'\(text)' is not a phone number (E.164, or a national number of the default country)"
        case .invalidEmail(let text): "'\(text)' is not an e-mail address"
        case .tooLong(let type): "\(type) identifier is longer than \(Identifier.maximumLength) characters"
        }
    }
}
