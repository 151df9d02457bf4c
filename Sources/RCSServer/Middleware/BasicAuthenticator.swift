import Crypto
import Fluent
import Vapor

/// HTTP Basic for everyone: admin accounts (bcrypt) and tenant credentials
/// (SHA-256 of a random secret). Failures are counted per username and per
/// address; past the limit the answer is 429 for a while.
struct BasicAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        if let basic = request.headers.basicAuthorization {
            try await authenticate(basic, request)
        } else if request.headers[.authorization].first != nil {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "only HTTP Basic credentials are accepted here")
        }
        return try await next.respond(to: request)
    }

    private func authenticate(_ basic: BasicAuthorization, _ request: Request) async throws {
        let cache = request.application.adminCache
        let username = String(basic.username.prefix(128))
        let address = request.clientAddress ?? "unknown"
        if cache.isThrottled(username) || cache.isThrottled("addr:" + address) {
            throw Problem(.tooManyRequests, "too-many-attempts", "Too many failed sign-ins",
                          detail: "too many failed attempts for this account or address; wait a few minutes")
        }
        if let principal = try await verify(username: username, password: basic.password, request: request) {
            request.auth.login(principal)
            return
        }
        cache.fail(username)
        cache.fail("addr:" + address)
        await request.audit.record("login.failure", outcome: "failure", target: username, detail: "HTTP Basic")
        throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "the username or password is wrong")
    }

    private func verify(username: String, password: String, request: Request) async throws -> Principal? {
        let cache = request.application.adminCache
        if let admin = try await AdminAccount.query(on: request.db).filter(\.$username == username).first() {
            let id = try admin.requireID()
            if cache.lookup(username, password) == id { return .admin(id: id, username: admin.username) }
            guard try await request.password.async.verify(password, created: admin.passwordHash) else { return nil }
            cache.remember(username, password, id: id)
            return .admin(id: id, username: admin.username)
        }
        guard let credential = try await Credential.query(on: request.db)
            .filter(\.$username == username).filter(\.$revokedAt == nil).with(\.$tenant).first() else {
            return nil
        }
        guard Self.constantTimeEqual(Self.hashSecret(password), credential.secretHash) else { return nil }
        return .credential(id: try credential.requireID(), username: credential.username, role: credential.role,
                           tenantID: credential.$tenant.id, tenantName: credential.tenant.name)
    }

    static func hashSecret(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Only admins pass: 401 without credentials, 403 for tenant credentials.
struct AdminOnly: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        guard let principal = request.principal else {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "sign in with an admin account (HTTP Basic)")
        }
        guard principal.isAdmin else {
            throw Problem(.forbidden, "forbidden", "Forbidden", detail: "this endpoint is for administrators")
        }
        return try await next.respond(to: request)
    }
}
