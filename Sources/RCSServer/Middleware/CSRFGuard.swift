import Vapor

/// State-changing page requests must carry the session's CSRF token, in the
/// form field `_csrf` or the `X-CSRF-Token` header, and must not come from
/// another site (Origin / Sec-Fetch-Site, when the browser sends them).
/// Runs after `AdminSessionGuard`.
struct CSRFGuard: AsyncMiddleware {
    static let fieldName = "_csrf"
    static let headerName = "X-CSRF-Token"

    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        guard request.method != .GET && request.method != .HEAD else { return try await next.respond(to: request) }
        guard let expected = request.adminSession?.session.csrfToken else {
            throw Self.refusal
        }
        guard Self.isSameOrigin(request) else {
            await request.audit.record("csrf.refused", outcome: "failure", target: request.url.path, detail: "cross-site request")
            throw Self.refusal
        }
        let given = try await Self.submittedToken(request)
        guard let given, BasicAuthenticator.constantTimeEqual(given, expected) else {
            await request.audit.record("csrf.refused", outcome: "failure", target: request.url.path,
                                       detail: given == nil ? "no token" : "wrong token")
            throw Self.refusal
        }
        return try await next.respond(to: request)
    }

    static let refusal = Problem(.forbidden, "csrf", "Form refused",
                                 detail: "this form has expired or did not come from an RCS page: go back, reload the page and try again")

    /// The header, else the form field (the body is collected here, within the route's limit).
    static func submittedToken(_ request: Request) async throws -> String? {
        if let header = request.headers.first(name: headerName) { return header }
        guard let type = request.headers.contentType,
              type == .urlEncodedForm || type == .formData else { return nil }
        if request.body.data == nil {
            _ = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
        }
        return try? request.content.get(String.self, at: fieldName)
    }

    /// False for a request the browser says came from elsewhere.
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers.first(name: "Sec-Fetch-Site"), site != "same-origin" && site != "none" {
            return false
        }
        if let origin = request.headers.first(name: .origin), origin != "null" {
            guard let host = request.headers.first(name: .host), let url = URL(string: origin),
                  let originHost = url.host else { return false }
            let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
            return originAuthority.lowercased() == host.lowercased()
        }
        return true
    }
}
