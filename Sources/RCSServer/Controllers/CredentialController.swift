import Fluent
import RCSCore
import Vapor

/// `/api/v1/credentials`: recorder and player credentials, one tenant each.
/// The secret is shown once, at creation; only its hash is stored.
struct CredentialController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let credentials = routes.grouped("credentials")
        credentials.get(use: list)
        credentials.post(use: create)
        credentials.delete(":credentialID", use: revoke)
    }

    struct CreateBody: Content {
        var role: String
        var tenant: String
    }

    struct CredentialResponse: Content {
        let id: UUID
        let username: String
        let role: Credential.Role
        let tenant: String
        let createdBy: String
        let createdAt: Date?
        let revokedAt: Date?
        /// Only in the answer to the creation.
        var secret: String?
    }

    static func response(_ credential: Credential, tenant: String, secret: String? = nil) throws -> CredentialResponse {
        CredentialResponse(id: try credential.requireID(), username: credential.username, role: credential.role, tenant: tenant,
                           createdBy: credential.createdBy, createdAt: credential.createdAt, revokedAt: credential.revokedAt,
                           secret: secret)
    }

    func create(_ request: Request) async throws -> Response {
        let body = try request.content.decode(CreateBody.self)
        guard let role = Credential.Role(rawValue: body.role) else {
            throw Problem.badRequest("invalid-role", "role is \"recorder\" or \"player\"", field: "role")
        }
        let tenant = try await TenantController.find(body.tenant, on: request.db)
        let suffix = String(try SecretFile.generatePassword().filter { $0.isLetter || $0.isNumber }.lowercased().prefix(10))
        let username = "\(role.rawValue)-\(tenant.name)-\(suffix)"
        let secret = try SecretFile.generatePassword()
        let credential = Credential(tenantID: try tenant.requireID(), role: role, username: username,
                                    secretHash: BasicAuthenticator.hashSecret(secret), createdBy: request.actorName)
        try await credential.create(on: request.db)
        await request.audit.record("credential.create", tenant: tenant.name, target: username, detail: role.rawValue)
        return try await Self.response(credential, tenant: tenant.name, secret: secret).encodeResponse(status: .created, for: request)
    }

    func list(_ request: Request) async throws -> [CredentialResponse] {
        var query = Credential.query(on: request.db).with(\.$tenant).sort(\.$createdAt)
        if let tenant = request.query[String.self, at: "tenant"] {
            query = query.filter(\.$tenant.$id == (try await TenantController.find(tenant, on: request.db).requireID()))
        }
        return try await query.all().map { try Self.response($0, tenant: $0.tenant.name) }
    }

    /// Revokes at once: the next request with it is refused.
    func revoke(_ request: Request) async throws -> HTTPStatus {
        guard let id = request.parameters.get("credentialID", as: UUID.self),
              let credential = try await Credential.query(on: request.db).filter(\.$id == id).with(\.$tenant).first() else {
            throw Problem.notFound("credential \(request.parameters.get("credentialID")?.prefix(64) ?? "")")
        }
        guard credential.revokedAt == nil else { return .noContent }
        credential.revokedAt = Date()
        try await credential.save(on: request.db)
        await request.audit.record("credential.revoke", tenant: credential.tenant.name, target: credential.username)
        return .noContent
    }
}
