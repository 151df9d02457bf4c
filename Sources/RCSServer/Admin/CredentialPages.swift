import Fluent
import Vapor

/// `/admin/credentials`: recorder and player credentials; the secret is shown
/// once, on the page that answers the creation.
struct CredentialPages {
    func register(_ routes: any RoutesBuilder) {
        routes.get("credentials", use: list)
        routes.post("credentials", use: create)
        routes.post("credentials", ":credentialID", "revoke", use: revoke)
    }

    struct Row: Encodable {
        let id: UUID
        let username: String
        let role: String
        let tenant: String
        let createdBy: String
        let created: String
        let revoked: String
    }

    struct View: Encodable {
        let rows: [Row]
        let tenants: [String]
        let errors: FieldErrors
        /// Set only on the answer to a creation.
        let created: Created?
    }

    struct Created: Encodable {
        let username: String
        let secret: String
        let role: String
        let tenant: String
        let webdavURL: String
    }

    func list(_ request: Request) async throws -> Response {
        try await render(request, errors: FieldErrors(), created: nil, status: .ok)
    }

    func render(_ request: Request, errors: FieldErrors, created: Created?, status: HTTPResponseStatus) async throws -> Response {
        let rows = try await CredentialController().list(request).reversed().map { credential in
            Row(id: credential.id, username: credential.username, role: credential.role.rawValue, tenant: credential.tenant,
                createdBy: credential.createdBy, created: Format.time(credential.createdAt), revoked: Format.time(credential.revokedAt))
        }
        let tenants = try await Tenant.query(on: request.db).sort(\.$name).all().map(\.name)
        return try await request.renderPage("credentials", title: "Credentials", section: "credentials", status: status,
                                            View(rows: rows, tenants: tenants, errors: errors, created: created))
    }

    /// Answers with the page itself (not a redirect), so the secret is never stored to be shown later.
    func create(_ request: Request) async throws -> Response {
        do {
            let response = try await CredentialController().create(request)
            let credential = try response.content.decode(CredentialController.CredentialResponse.self)
            let created = Created(username: credential.username, secret: credential.secret ?? "", role: credential.role.rawValue,
                                  tenant: credential.tenant, webdavURL: "/webdav/\(credential.tenant)/")
            return try await render(request, errors: FieldErrors(), created: created, status: .created)
        } catch let problem as Problem where problem.status.code < 500 {
            return try await render(request, errors: FieldErrors(problem, knownFields: ["role", "tenant"]), created: nil, status: problem.status)
        }
    }

    func revoke(_ request: Request) async throws -> Response {
        try await request.perform(back: "/admin/credentials") {
            _ = try await CredentialController().revoke(request)
            return "Credential revoked: its next request is refused."
        }
    }
}
