import Hummingbird

/// Refuses a URL carrying `%00`: a NUL decoded into a path or query parameter cannot be stored or
/// even compared by PostgreSQL, so it would fail deep in a query (a 500) instead of here (a 400) —
/// and on SQLite it would not, making the same request answer differently by store.
struct NULCharacterMiddleware: RouterMiddleware {
    typealias Context = TesseraContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard !request.uri.description.contains("%00") else {
            throw Problem.invalid(path: "url", reason: "%00 (U+0000) is not allowed in a URL")
        }
        return try await next(request, context)
    }
}
