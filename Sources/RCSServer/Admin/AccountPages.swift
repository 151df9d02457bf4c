import Fluent
import Vapor

/// `/admin/accounts`: change your own password, add and remove administrators.
/// A password change ends the admin's other sessions; a removal ends all of theirs.
struct AccountPages {
    static let minimumPasswordLength = 12

    func register(_ routes: any RoutesBuilder) {
        routes.get("accounts", use: list)
        routes.post("accounts", use: create)
        routes.post("accounts", "password", use: changePassword)
        routes.post("accounts", ":accountID", "delete", use: delete)
    }

    struct Row: Encodable {
        let id: UUID
        let username: String
        let created: String
        let isYou: Bool
    }

    struct View: Encodable {
        let rows: [Row]
        let newUsername: String
        let errors: FieldErrors
        let minimumPasswordLength: Int
    }

    func list(_ request: Request) async throws -> Response {
        try await render(request, newUsername: "", errors: FieldErrors(), status: .ok)
    }

    func render(_ request: Request, newUsername: String, errors: FieldErrors, status: HTTPResponseStatus) async throws -> Response {
        let me = request.adminSession?.session.adminID
        let rows = try await AdminAccount.query(on: request.db).sort(\.$username).all().map { account in
            Row(id: try account.requireID(), username: account.username, created: Format.day(account.createdAt), isYou: account.id == me)
        }
        return try await request.renderPage("accounts", title: "Administrators", section: "accounts", status: status,
                                            View(rows: rows, newUsername: newUsername, errors: errors,
                                                 minimumPasswordLength: Self.minimumPasswordLength))
    }

    static func checkNewPassword(_ password: String, confirmation: String, field: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw Problem.badRequest("weak-password", "choose a password of at least \(minimumPasswordLength) characters", field: field)
        }
        guard password == confirmation else {
            throw Problem.badRequest("password-mismatch", "the two new passwords differ: type the same one twice", field: field)
        }
    }

    struct CreateForm: Content {
        var username: String?
        var password: String?
        var confirmation: String?
    }

    func create(_ request: Request) async throws -> Response {
        let form = try request.content.decode(CreateForm.self)
        let username = (form.username ?? "").trimmingCharacters(in: .whitespaces)
        do {
            guard username.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
                throw Problem.badRequest("invalid-username", "a username is 1 to 64 characters of a-z, 0-9, dot, hyphen and underscore", field: "username")
            }
            if try await AdminAccount.query(on: request.db).filter(\.$username == username).first() != nil {
                throw Problem(.conflict, "duplicate", "Conflict", detail: "an administrator named \(username) already exists", field: "username")
            }
            try Self.checkNewPassword(form.password ?? "", confirmation: form.confirmation ?? "", field: "password")
            let hash = try await request.password.async.hash(form.password ?? "")
            try await AdminAccount(username: username, passwordHash: hash).create(on: request.db)
            await request.audit.record("admin.create", target: username)
            request.flash("Administrator \(username) added. Give them the password by a separate channel.")
            return request.seeOther("/admin/accounts")
        } catch let problem as Problem where problem.status.code < 500 {
            return try await render(request, newUsername: username,
                                    errors: FieldErrors(problem, knownFields: ["username", "password"]), status: problem.status)
        }
    }

    struct PasswordForm: Content {
        var current: String?
        var password: String?
        var confirmation: String?
    }

    func changePassword(_ request: Request) async throws -> Response {
        let form = try request.content.decode(PasswordForm.self)
        guard let context = request.adminSession, let account = try await AdminAccount.find(context.session.adminID, on: request.db) else {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "sign in again")
        }
        do {
            guard !request.application.adminCache.isThrottled(account.username) else {
                throw Problem(.tooManyRequests, "too-many-attempts", "Too many attempts",
                              detail: "too many wrong passwords for this account; wait five minutes", field: "current")
            }
            guard try await request.password.async.verify(form.current ?? "", created: account.passwordHash) else {
                request.application.adminCache.fail(account.username)
                await request.audit.record("admin.password", outcome: "failure", target: account.username, detail: "wrong current password")
                throw Problem.badRequest("wrong-password", "the current password is wrong", field: "current")
            }
            try Self.checkNewPassword(form.password ?? "", confirmation: form.confirmation ?? "", field: "new")
            account.passwordHash = try await request.password.async.hash(form.password ?? "")
            try await account.save(on: request.db)
            request.application.adminCache.forget(username: account.username)
            // Every session ends, this one too: a stolen cookie must not survive the change.
            let sessions = request.application.adminSessions
            sessions.endAll(adminID: context.session.adminID)
            let token = try sessions.create(adminID: context.session.adminID, username: account.username)
            sessions.setFlash(.init(text: "Your password is changed. Every other session was signed out.", isError: false), for: token)
            await request.audit.record("admin.password", target: account.username)
            let response = request.seeOther("/admin/accounts")
            response.cookies[AdminSessionGuard.cookieName] = AdminSessionGuard.cookie(token, secure: request.application.publicTLS != nil)
            return response
        } catch let problem as Problem where problem.status.code < 500 {
            return try await render(request, newUsername: "", errors: FieldErrors(problem, knownFields: ["current", "new"]),
                                    status: problem.status)
        }
    }

    func delete(_ request: Request) async throws -> Response {
        try await request.perform(back: "/admin/accounts") {
            guard let id = request.parameters.get("accountID", as: UUID.self),
                  let account = try await AdminAccount.find(id, on: request.db) else {
                throw Problem.notFound("administrator")
            }
            guard id != request.adminSession?.session.adminID else {
                throw Problem.conflict("self-delete", "you cannot remove your own account: another administrator can")
            }
            try await account.delete(on: request.db)
            request.application.adminSessions.endAll(adminID: id)
            request.application.adminCache.forget(username: account.username)
            await request.audit.record("admin.delete", target: account.username)
            return "Administrator \(account.username) removed and signed out."
        }
    }
}
