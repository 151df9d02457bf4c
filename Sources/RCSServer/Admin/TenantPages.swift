import Fluent
import Vapor

/// `/admin/tenants`: each tenant is a `/webdav/<tenant>/` space with its own
/// profiles, credentials and recordings.
struct TenantPages {
    func register(_ routes: any RoutesBuilder) {
        routes.get("tenants", use: list)
        routes.post("tenants", use: create)
        routes.post("tenants", ":tenantID", "delete", use: delete)
    }

    struct Row: Encodable {
        let id: UUID
        let name: String
        let profiles: Int
        let credentials: Int
        let recordings: Int
        let created: String
    }

    struct View: Encodable {
        let rows: [Row]
        let name: String
        let errors: FieldErrors
    }

    func list(_ request: Request) async throws -> Response {
        try await render(request, name: "", errors: FieldErrors(), status: .ok)
    }

    func render(_ request: Request, name: String, errors: FieldErrors, status: HTTPResponseStatus) async throws -> Response {
        var rows: [Row] = []
        for tenant in try await Tenant.query(on: request.db).sort(\.$name).all() {
            let id = try tenant.requireID()
            rows.append(Row(id: id, name: tenant.name,
                            profiles: try await RecordingProfile.query(on: request.db).filter(\.$tenant.$id == id).count(),
                            credentials: try await Credential.query(on: request.db).filter(\.$tenant.$id == id)
                                .filter(\.$revokedAt == nil).count(),
                            recordings: try await Recording.query(on: request.db).filter(\.$tenant.$id == id).count(),
                            created: Format.day(tenant.createdAt)))
        }
        return try await request.renderPage("tenants", title: "Tenants", section: "tenants", status: status,
                                            View(rows: rows, name: name, errors: errors))
    }

    func create(_ request: Request) async throws -> Response {
        let name = (try? request.content.get(String.self, at: "name")) ?? ""
        do {
            _ = try await TenantController().create(request)
            request.flash("Tenant \(name) created. Its recorders upload to /webdav/\(name)/.")
            return request.seeOther("/admin/tenants")
        } catch let problem as Problem where problem.status.code < 500 {
            return try await render(request, name: name, errors: FieldErrors(problem, knownFields: ["name"]), status: problem.status)
        }
    }

    func delete(_ request: Request) async throws -> Response {
        try await request.perform(back: "/admin/tenants") {
            _ = try await TenantController().delete(request)
            return "Tenant deleted."
        }
    }
}
