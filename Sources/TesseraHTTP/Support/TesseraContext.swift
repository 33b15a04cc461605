public import Hummingbird
public import TesseraCore

/// Per-request context: Hummingbird's core storage plus the authenticated caller.
public struct TesseraContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthMiddleware``; `nil` on public routes.
    public var principal: Principal?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Largest accepted request body, before decompression.
    public var maxUploadSize: Int { 4 * 1024 * 1024 }

    /// The caller, or a 401 problem.
    func require(_ scopes: Scope...) throws -> Principal {
        guard let principal else { throw Problem(.unauthorized, title: "Unauthorized", detail: "send an API key") }
        guard scopes.contains(where: principal.allows) else {
            throw Problem(
                .forbidden, title: "Forbidden",
                detail: "this key lacks the \(scopes.map(\.rawValue).joined(separator: " or ")) scope")
        }
        return principal
    }
}
