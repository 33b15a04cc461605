/// A loyalty operation refused, with a stable reason `code` for clients and a message for people.
///
/// Nothing is written when one of these is thrown.
public struct LoyaltyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable, snake_case: `insufficient_points`, `invalid_amount`, …
    public var code: String
    /// The request field at fault, when there is one.
    public var field: String?
    public var message: String

    public init(code: String, field: String? = nil, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func insufficientPoints(requested: Int64, available: Int64) -> LoyaltyError {
        LoyaltyError(
            code: "insufficient_points", field: "points",
            message: "\(requested) points requested but only \(available) available")
    }

    public static func invalidAmount(_ field: String, _ value: Int64, _ rule: String) -> LoyaltyError {
        LoyaltyError(code: "invalid_amount", field: field, message: "\(value) is not allowed: \(rule)")
    }
}
