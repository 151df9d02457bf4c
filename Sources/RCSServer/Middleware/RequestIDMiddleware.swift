import Vapor

/// Echoes the request id (Vapor's, which is in every log line's metadata) as
/// `X-Request-ID`, so a client can quote it.
struct RequestIDMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Request-ID", value: request.id)
        return response
    }
}
