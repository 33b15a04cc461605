/// A problem with one field of a request, named by its JSON path (`$.batch[3].userId`).
///
/// Surfaces as an RFC 9457 problem detail; the path lets an integrator find the fault at once.
public struct FieldError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// JSON path of the offending field, e.g. `$.identifiers[0]`.
    public var path: String
    /// What is wrong and how to fix it.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }

    /// The same error, nested below `prefix` (`$.items[2]` + `$.sku` → `$.items[2].sku`).
    public func nested(under prefix: String) -> FieldError {
        FieldError(path: prefix + path.dropFirst(), reason: reason)
    }
}
