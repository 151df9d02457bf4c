import Fluent
import Vapor

/// `/admin/login` and `/admin/logout`. The login form is protected against
/// cross-site posting by a double-submit token (cookie + hidden field), since
/// there is no session yet; failures count toward the same throttle as HTTP Basic.
struct LoginPages {
    static let loginCookie = "rcs_login"

    struct LoginView: Encodable {
        let csrf: String
        let next: String
        let username: String
        let error: String?
    }

    static func loginURL(next: String?) -> String {
        guard let next, safeNext(next) != "/admin" else { return "/admin/login" }
        let escaped = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/-_.~"))) ?? ""
        return "/admin/login?next=\(escaped)"
    }

    /// Only a path inside the admin pages: never an open redirect.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/admin"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.hasPrefix("/admin/login"), !next.contains(where: { $0.isNewline }) else { return "/admin" }
        return next
    }

    func register(_ routes: any RoutesBuilder) {
        routes.get("login", use: show)
        routes.post("login", use: login)
    }

    func show(_ request: Request) async throws -> Response {
        if let token = request.cookies[AdminSessionGuard.cookieName]?.string,
           request.application.adminSessions.session(for: token) != nil {
            return request.seeOther(Self.safeNext(request.query[String.self, at: "next"]))
        }
        return try await render(request, username: "", error: nil, status: .ok)
    }

    func render(_ request: Request, username: String, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let token = try AdminSessionStore.randomToken()
        let view = LoginView(csrf: token, next: Self.safeNext(request.query[String.self, at: "next"] ?? request.content[String.self, at: "next"]),
                             username: username, error: error)
        let response = try await request.renderPage("login", title: "Sign in", section: "login", status: status, view)
        response.cookies[Self.loginCookie] = HTTPCookies.Value(string: token, path: "/admin/login",
                                                               isSecure: request.application.publicTLS != nil,
                                                               isHTTPOnly: true, sameSite: .strict)
        return response
    }

    struct LoginForm: Content {
        var username: String?
        var password: String?
        var _csrf: String?
        var next: String?
    }

    func login(_ request: Request) async throws -> Response {
        let form = try request.content.decode(LoginForm.self)
        guard let expected = request.cookies[Self.loginCookie]?.string, let given = form._csrf,
              BasicAuthenticator.constantTimeEqual(expected, given), CSRFGuard.isSameOrigin(request) else {
            let address = "addr:" + (request.clientAddress ?? "unknown")
            // Counted like a failed sign-in, so a flood of bad forms is throttled, and audited only until then.
            if !request.application.adminCache.isThrottled(address) {
                request.application.adminCache.fail(address)
                await request.audit.record("csrf.refused", outcome: "failure", target: "/admin/login", detail: "login form")
            }
            return try await render(request, username: "", error: "The sign-in form had expired. Please try again.", status: .forbidden)
        }
        let username = String((form.username ?? "").trimmingCharacters(in: .whitespaces).prefix(128))
        let password = form.password ?? ""
        let cache = request.application.adminCache
        let address = "addr:" + (request.clientAddress ?? "unknown")
        // Per account from this address, and per address: a stranger elsewhere cannot lock an admin out.
        let accountHere = "login:\(username)|\(address)"
        if cache.isThrottled(accountHere) || cache.isThrottled(address) {
            return try await render(request, username: username,
                                    error: "Too many failed sign-ins for this account or from this address. Wait five minutes, then try again.",
                                    status: .tooManyRequests)
        }
        let admin = username.isEmpty ? nil : try await AdminAccount.query(on: request.db).filter(\.$username == username).first()
        // A bcrypt for unknown names too, so the answer's timing does not tell which names exist.
        let verified = try await request.password.async.verify(password, created: admin?.passwordHash ?? request.application.adminDummyHash)
        guard let admin, verified, !password.isEmpty else {
            cache.fail(accountHere)
            cache.fail(address)
            await request.audit.record("login.failure", outcome: "failure", target: username, detail: "admin pages")
            return try await render(request, username: username, error: "The username or password is wrong.", status: .unauthorized)
        }
        let id = try admin.requireID()
        // A fresh token on every sign-in: a cookie planted before cannot become a session.
        if let old = request.cookies[AdminSessionGuard.cookieName]?.string { request.application.adminSessions.end(old) }
        let token = try request.application.adminSessions.create(adminID: id, username: admin.username)
        request.auth.login(Principal.admin(id: id, username: admin.username))
        await request.audit.record("login.success", target: admin.username, detail: "admin pages")
        let response = request.seeOther(Self.safeNext(form.next))
        let secure = request.application.publicTLS != nil
        response.cookies[AdminSessionGuard.cookieName] = AdminSessionGuard.cookie(token, secure: secure)
        response.cookies[Self.loginCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0,
                                                               path: "/admin/login", isSecure: secure, isHTTPOnly: true, sameSite: .strict)
        return response
    }

    /// `POST /admin/logout` (behind the session and CSRF guards).
    func logout(_ request: Request) async throws -> Response {
        if let context = request.adminSession { request.application.adminSessions.end(context.token) }
        await request.audit.record("logout", detail: "admin pages")
        let response = request.seeOther("/admin/login")
        response.cookies[AdminSessionGuard.cookieName] = AdminSessionGuard.expiredCookie(secure: request.application.publicTLS != nil)
        return response
    }
}
