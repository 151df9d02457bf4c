import Fluent
import Vapor

/// `/api/v1/tenants`.
struct TenantController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let tenants = routes.grouped("tenants")
        tenants.get(use: list)
        tenants.post(use: create)
        tenants.get(":tenantID", use: show)
        tenants.delete(":tenantID", use: delete)
    }

    struct CreateBody: Content { var name: String }

    struct TenantResponse: Content {
        let id: UUID
        let name: String
        let createdAt: Date?
        init(_ tenant: Tenant) throws {
            id = try tenant.requireID()
            name = tenant.name
            createdAt = tenant.createdAt
        }
    }

    func create(_ request: Request) async throws -> Response {
        let body = try request.content.decode(CreateBody.self)
        guard Tenant.isValidName(body.name) else {
            throw Problem.badRequest("invalid-tenant-name", "a tenant name is 1 to 63 characters of a-z, 0-9 and inner hyphens (it names /webdav/<tenant>/)", field: "name")
        }
        if try await Tenant.query(on: request.db).filter(\.$name == body.name).first() != nil {
            throw Problem.conflict("duplicate", "a tenant named \(body.name) already exists")
        }
        let tenant = Tenant(name: body.name)
        try await tenant.create(on: request.db)
        await request.audit.record("tenant.create", tenant: tenant.name, target: try tenant.requireID().uuidString)
        return try await TenantResponse(tenant).encodeResponse(status: .created, for: request)
    }

    func list(_ request: Request) async throws -> [TenantResponse] {
        try await Tenant.query(on: request.db).sort(\.$name).all().map(TenantResponse.init)
    }

    func show(_ request: Request) async throws -> TenantResponse {
        try TenantResponse(try await Self.find(request.parameters.require("tenantID"), on: request.db))
    }

    /// Refused while the tenant has profiles or credentials: remove those first.
    func delete(_ request: Request) async throws -> HTTPStatus {
        let tenant = try await Self.find(request.parameters.require("tenantID"), on: request.db)
        let id = try tenant.requireID()
        let profiles = try await RecordingProfile.query(on: request.db).filter(\.$tenant.$id == id).count()
        let credentials = try await Credential.query(on: request.db).filter(\.$tenant.$id == id).filter(\.$revokedAt == nil).count()
        guard profiles == 0 && credentials == 0 else {
            throw Problem.conflict("tenant-in-use", "the tenant still has \(profiles) profile(s) and \(credentials) active credential(s): delete or revoke them first")
        }
        try await Credential.query(on: request.db).filter(\.$tenant.$id == id).delete()
        try await tenant.delete(on: request.db)
        await request.audit.record("tenant.delete", tenant: tenant.name, target: id.uuidString)
        return .noContent
    }

    /// By id or by name.
    static func find(_ reference: String, on db: Database) async throws -> Tenant {
        if let id = UUID(uuidString: reference), let tenant = try await Tenant.find(id, on: db) { return tenant }
        if let tenant = try await Tenant.query(on: db).filter(\.$name == reference).first() { return tenant }
        throw Problem.notFound("tenant \(reference.prefix(64))")
    }
}
