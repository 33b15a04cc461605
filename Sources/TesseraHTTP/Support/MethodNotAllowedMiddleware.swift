import Hummingbird

/// Answers a request for a path that exists with a method it lacks: `OPTIONS` with 204 and `Allow`,
/// any other method with a 405 naming the methods the path has (RFC 9110 §15.5.5–6). The router
/// alone would answer 404, which tells a client the path does not exist.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = TesseraContext

    /// A route path: its segments (`nil` for a `{parameter}`) and the methods it has.
    private struct Path {
        var segments: [Substring?]
        var methods: [String]
        /// `0` per literal segment and `1` per parameter: among the paths a request matches, the
        /// router takes the one with the smallest key (a literal wins over a parameter at the first
        /// segment where they differ), so `/journeys/validate` is not the journey named `validate`.
        var precedence: String { segments.map { $0 == nil ? "1" : "0" }.joined() }

        func matches(_ request: [Substring]) -> Bool {
            segments.count == request.count
                && zip(segments, request).allSatisfy { expected, actual in expected.map { $0 == actual } ?? true }
        }
    }

    private let paths: [Path]

    init(routes: [APIRoute]) {
        paths = Dictionary(grouping: routes, by: \.path).map { path, routes in
            var methods = Set(routes.map { $0.method.uppercased() })
            if methods.contains("GET") { methods.insert("HEAD") }
            methods.insert("OPTIONS")
            return Path(
                segments: path.split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 }, methods: methods.sorted())
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/")
            guard
                let methods = paths.filter({ $0.matches(segments) }).min(by: { $0.precedence < $1.precedence })?.methods
            else { throw error }
            if request.method == .options {
                return Response(status: .noContent, headers: [.allow: methods.joined(separator: ", ")])
            }
            // A route's own 404 (an unknown member) passes through.
            guard !methods.contains(request.method.rawValue) else { throw error }
            throw Problem.methodNotAllowed(request.method.rawValue, allowed: methods)
        }
    }
}
