import Foundation
public import Hummingbird
public import TesseraCore
import TesseraDomain

/// An RFC 9457 problem document (`application/problem+json`), the body of every error response.
///
/// `errors` lists each field at fault with its JSON path; `results` carries per-message outcomes
/// when part of a batch was rejected (the valid messages of that batch were stored).
public struct Problem: HTTPResponseError, Sendable {
    public struct FieldProblem: Codable, Sendable, Hashable {
        public var index: Int?
        public var path: String
        public var reason: String
    }

    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    public var errors: [FieldProblem]
    public var results: IngestResult?
    /// A reason code more precise than the status's (`insufficient_points`).
    public var reasonCode: String?
    /// The methods the path has, sent as `Allow` with a 405.
    public var allowedMethods: [String]?
    /// Seconds to wait before trying again, sent as `Retry-After` (with a 429).
    public var retryAfter: Int?

    public init(
        _ status: HTTPResponse.Status, title: String, detail: String, errors: [FieldProblem] = [],
        results: IngestResult? = nil
    ) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.results = results
    }

    /// A method the path does not have (RFC 9110 §15.5.6): the answer names those it has.
    static func methodNotAllowed(_ method: String, allowed: [String]) -> Problem {
        var problem = Problem(
            .methodNotAllowed, title: "Method not allowed",
            detail: "\(method) is not a method of this path; it has \(allowed.joined(separator: ", "))")
        problem.allowedMethods = allowed
        return problem
    }

    static func memberNotFound(_ id: MemberID) -> Problem {
        Problem(.notFound, title: "Not found", detail: "no member \(id) in this group")
    }

    /// Several faults of one document, each at its path.
    static func invalid(_ errors: [FieldError]) -> Problem {
        Problem(
            .badRequest, title: "Invalid request", detail: errors.map(\.description).joined(separator: "; "),
            errors: errors.map { FieldProblem(index: nil, path: $0.path, reason: $0.reason) })
    }

    static func invalid(path: String, reason: String) -> Problem {
        invalid([FieldError(path: path, reason: reason)])
    }

    /// Maps a use-case error onto its HTTP status.
    static func from(_ error: any Error) -> Problem {
        if let problem = error as? Problem { return problem }
        guard let error = error as? TesseraError else {
            return Problem(
                .internalServerError, title: "Internal error", detail: "The request failed; it can be retried.")
        }
        switch error {
        case .invalid(let field, let reason): return .invalid(path: field, reason: reason)
        case .notFound(let what): return Problem(.notFound, title: "Not found", detail: what)
        case .conflict(let what): return Problem(.conflict, title: "Conflict", detail: what)
        case .unauthorized(let why): return Problem(.unauthorized, title: "Unauthorized", detail: why)
        case .forbidden(let why): return Problem(.forbidden, title: "Forbidden", detail: why)
        case .unavailable(let why): return Problem(.serviceUnavailable, title: "Unavailable", detail: why)
        case .rejected(let code, let field, let reason):
            var problem = Problem(
                .unprocessableContent, title: "Refused", detail: reason,
                errors: field.map { [FieldProblem(index: nil, path: "$." + $0, reason: reason)] } ?? [])
            problem.reasonCode = code
            return problem
        }
    }

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "invalid_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "too_large"
        case 422: "refused"
        case 429: "too_many_requests"
        case 503: "unavailable"
        default: status.code >= 500 ? "internal_error" : "error"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ProblemBody(
            title: title, status: status.code, detail: detail, instance: request.uri.path,
            code: reasonCode ?? Self.code(status),
            message: detail,
            errors: errors.isEmpty ? nil : errors, results: results)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"tessera\", Basic realm=\"tessera\"" }
        if let allowedMethods { headers[.allow] = allowedMethods.joined(separator: ", ") }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONCoding.encoder.encode(body))))
    }
}

/// The serialised form of ``Problem``.
private struct ProblemBody: Encodable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
    var instance: String
    /// `code` and `message` repeat the problem in the shape Segment's SDKs read from error bodies.
    var code: String
    var message: String
    var errors: [Problem.FieldProblem]?
    var results: IngestResult?
}
