import Vapor

/// Errors inside `/admin` as a page an admin can act on (a script asking for
/// JSON still gets problem+json from `ProblemMiddleware`).
struct AdminErrorPages: AsyncMiddleware {
    struct ErrorPage: Encodable {
        let status: UInt
        let heading: String
        let detail: String
    }

    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            if request.wantsJSON { throw error }
            let status: HTTPResponseStatus
            let heading: String
            let detail: String
            switch error {
            case let problem as Problem:
                (status, heading, detail) = (problem.status, problem.title, problem.detail)
            case let abort as any AbortError where abort.status.code < 500:
                (status, heading, detail) = (abort.status, abort.status.reasonPhrase, abort.reason)
            default:
                request.logger.error("admin page failed: \(String(reflecting: error))")
                (status, heading, detail) = (.internalServerError, "Something went wrong",
                                             "the server could not complete this; the request id \(request.id) is in its log")
            }
            return try await request.renderPage("error", title: heading, section: "", status: status,
                                                ErrorPage(status: status.code, heading: heading, detail: detail))
        }
    }
}
