import Hummingbird
import Logging
import TesseraDomain

/// Turns every error into an RFC 9457 problem response, including Hummingbird's own 404/405.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = TesseraContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            throw Problem(
                error.status, title: error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase)
        } catch let error as Problem {
            throw error
        } catch let error as FieldError {
            throw Problem.invalid(path: error.path, reason: error.reason)
        } catch {
            let problem = Problem.from(error)
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            throw problem
        }
    }
}
