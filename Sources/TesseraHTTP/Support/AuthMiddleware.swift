import Foundation
import Hummingbird
import TesseraCore

/// Resolves the API key of a request: `Authorization: Bearer <key>` on the native API, HTTP Basic
/// with the key as user name (Segment write keys) on `/v1/*`. A present but unknown key is a 401;
/// routes that need a principal check scopes themselves (403).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = TesseraContext
    let keys: KeyService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        var context = context
        let key: String?
        if header.lowercased().hasPrefix("bearer ") {
            key = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8)
        {
            key = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        } else {
            key = nil
        }
        guard let key, let principal = try await keys.authenticate(key) else {
            throw Problem(.unauthorized, title: "Unauthorized", detail: "the API key is unknown or revoked")
        }
        context.principal = principal
        return try await next(request, context)
    }
}
