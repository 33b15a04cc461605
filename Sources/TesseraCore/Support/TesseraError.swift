/// Errors with a message a caller can act on. The HTTP layer maps each case to a status code
/// and an RFC 9457 problem document.
public enum TesseraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Input is wrong; `field` is a JSON path or parameter name.
    case invalid(field: String, reason: String)
    case notFound(String)
    case conflict(String)
    case unauthorized(String)
    case forbidden(String)
    /// A store failed in a way a retry may fix (lost connection, serialization failure).
    case unavailable(String)
    /// Well-formed but refused by a business rule; `code` is stable for clients
    /// (`insufficient_points`, `coupon_expired`, …), `field` the input at fault if any.
    case rejected(code: String, field: String?, reason: String)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): "\(field): \(reason)"
        case .notFound(let what): what
        case .conflict(let what): what
        case .unauthorized(let why): why
        case .forbidden(let why): why
        case .unavailable(let why): why
        case .rejected(let code, _, let reason): "\(code): \(reason)"
        }
    }
}

/// A field error in a form that crosses module boundaries without the domain type.
public struct FieldErrorRecord: Sendable, Hashable, Codable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

extension TesseraError {
    /// A write's idempotency key was used before for a different request (another member, another
    /// coupon template): refused rather than answered with someone else's result.
    static func idempotencyKeyReused(for other: String = "another member") -> TesseraError {
        .rejected(
            code: "idempotency_key_reused", field: "idempotencyKey",
            reason: "this idempotency key was used for \(other)")
    }
}
