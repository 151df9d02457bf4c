import Fluent
import Vapor

/// The signed-in admin of a page request, from the session cookie.
struct AdminSessionContext: Sendable {
    let token: String
    let session: AdminSessionStore.Session
}

extension Request {
    /// A script (or the upload page's preview) asking for JSON, not a page.
    /// Compared by name: `HTTPMediaType ==` treats `*/*` as equal to anything.
    var wantsJSON: Bool {
        headers.accept.contains { $0.mediaType.type == "application" && $0.mediaType.subType == "json" }
    }

    private struct AdminSessionKey: StorageKey { typealias Value = AdminSessionContext }

    var adminSession: AdminSessionContext? {
        get { storage[AdminSessionKey.self] }
        set { storage[AdminSessionKey.self] = newValue }
    }
}

/// Every admin page but the login: a live session of an existing admin, or a
/// redirect to `/admin/login` (401 problem for script calls that want JSON).
struct AdminSessionGuard: AsyncMiddleware {
    static let cookieName = "rcs_session"

    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        if let token = request.cookies[Self.cookieName]?.string,
           let session = request.application.adminSessions.session(for: token),
           let admin = try await AdminAccount.find(session.adminID, on: request.db) {
            request.adminSession = AdminSessionContext(token: token, session: session)
            request.auth.login(Principal.admin(id: try admin.requireID(), username: admin.username))
            return try await next.respond(to: request)
        }
        if request.wantsJSON {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "your admin session has ended: sign in again at /admin/login")
        }
        return request.redirect(to: LoginPages.loginURL(next: request.method == .GET ? request.url.string : nil), redirectType: .normal)
    }

    /// The session cookie: HttpOnly, SameSite=Strict, Secure under TLS, for /admin only.
    static func cookie(_ token: String, secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, expires: nil, maxAge: nil, domain: nil, path: "/admin",
                          isSecure: secure, isHTTPOnly: true, sameSite: .strict)
    }

    static func expiredCookie(secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/admin",
                          isSecure: secure, isHTTPOnly: true, sameSite: .strict)
    }
}
