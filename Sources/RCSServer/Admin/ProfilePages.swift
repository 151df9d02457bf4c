import Fluent
import Vapor

/// `/admin/profiles`: recording profiles; a profile's page has the seed's
/// General and Recording tabs (Recording Certificates Add/Remove, storage destination).
struct ProfilePages {
    func register(_ routes: any RoutesBuilder) {
        let profiles = routes.grouped("profiles")
        profiles.get(use: list)
        profiles.post(use: create)
        profiles.get(":profileID", use: detail)
        profiles.post(":profileID", "general", use: updateGeneral)
        profiles.post(":profileID", "storage", use: updateStorage)
        profiles.post(":profileID", "certificates", use: addCertificate)
        profiles.post(":profileID", "certificates", ":certificateID", "remove", use: removeCertificate)
        profiles.post(":profileID", "sync", use: sync)
        profiles.post(":profileID", "delete", use: delete)
    }

    struct Row: Encodable {
        let id: UUID
        let name: String
        let tenant: String
        let storage: String
        let certificates: Int
    }

    struct ListView: Encodable {
        let rows: [Row]
        let tenants: [String]
        let tenant: String
        let name: String
        let errors: FieldErrors
    }

    func list(_ request: Request) async throws -> Response {
        try await renderList(request, tenant: request.query[String.self, at: "tenant"] ?? "", name: "", errors: FieldErrors(), status: .ok)
    }

    func renderList(_ request: Request, tenant: String, name: String, errors: FieldErrors,
                    status: HTTPResponseStatus) async throws -> Response {
        let rows = try await ProfileController().list(request).map { profile in
            Row(id: profile.id, name: profile.name, tenant: profile.tenant,
                storage: profile.storage.kind == "webdav" ? (profile.storage.url ?? "remote") : "this server (/webdav/\(profile.tenant)/)",
                certificates: profile.certificates.count)
        }
        let tenants = try await Tenant.query(on: request.db).sort(\.$name).all().map(\.name)
        return try await request.renderPage("profiles", title: "Recording Profiles", section: "profiles", status: status,
                                            ListView(rows: rows, tenants: tenants, tenant: tenant, name: name, errors: errors))
    }

    func create(_ request: Request) async throws -> Response {
        let tenant = (try? request.content.get(String.self, at: "tenant")) ?? ""
        let name = (try? request.content.get(String.self, at: "name")) ?? ""
        do {
            let response = try await ProfileController().create(request)
            let created = try response.content.decode(ProfileController.ProfileResponse.self)
            request.flash("Profile \(created.name) created. Add its recording certificates on the Recording tab.")
            return request.seeOther("/admin/profiles/\(created.id)?tab=recording")
        } catch let problem as Problem where problem.status.code < 500 {
            let field = problem.slug == "not-found" ? Problem(problem.status, problem.slug, problem.title, detail: problem.detail, field: "tenant") : problem
            return try await renderList(request, tenant: tenant, name: name,
                                        errors: FieldErrors(field, knownFields: ["tenant", "name"]), status: problem.status)
        }
    }

    struct DetailView: Encodable {
        let id: UUID
        let name: String
        let tenant: String
        let tab: String
        let deployed: [CertificateRow]
        /// Certificates not deployed here yet, for Add.
        let available: [CertificateRow]
        let storageKind: String
        let storageURL: String
        let storageUsername: String
        let hasPassword: Bool
        let recordings: Int
        let bundleURL: String
        let errors: FieldErrors
    }

    func detail(_ request: Request) async throws -> Response {
        try await renderDetail(request, tab: request.query[String.self, at: "tab"] ?? "general", errors: FieldErrors(), status: .ok)
    }

    func renderDetail(_ request: Request, tab: String, errors: FieldErrors, status: HTTPResponseStatus) async throws -> Response {
        let profile = try await ProfileController().show(request)
        let certificates = try await CertificateController().list(request)
        let deployed = Set(profile.certificates)
        let recordings = try await Recording.query(on: request.db).filter(\.$tenant.$id == profile.tenantID).count()
        let view = DetailView(
            id: profile.id, name: profile.name, tenant: profile.tenant, tab: tab == "recording" ? "recording" : "general",
            deployed: certificates.filter { deployed.contains($0.id) }.map { CertificateRow($0) },
            available: certificates.filter { !deployed.contains($0.id) && $0.status != .expired }.map { CertificateRow($0) },
            storageKind: profile.storage.kind, storageURL: profile.storage.url ?? "", storageUsername: profile.storage.username ?? "",
            hasPassword: profile.storage.hasPassword, recordings: recordings,
            bundleURL: "/api/v1/profiles/\(profile.id.uuidString.lowercased())/recording-certificates", errors: errors)
        return try await request.renderPage("profile", title: profile.name, section: "profiles", status: status, view)
    }

    func updateGeneral(_ request: Request) async throws -> Response {
        let profile = try await ProfileController.find(request)
        do {
            let name = (try? request.content.get(String.self, at: "name")) ?? ""
            try await ProfileController.update(profile, with: .init(name: name, storage: nil), request)
            request.flash("Profile renamed to \(profile.name).")
            return request.seeOther("/admin/profiles/\(try profile.requireID())")
        } catch let problem as Problem where problem.status.code < 500 {
            return try await renderDetail(request, tab: "general", errors: FieldErrors(problem, knownFields: ["name"]), status: problem.status)
        }
    }

    struct StorageForm: Content {
        var kind: String?
        var url: String?
        var username: String?
        var password: String?
        /// Ticked to forget a stored remote password.
        var clearPassword: String?
    }

    /// A blank password keeps the stored one; "Forget the password" clears it.
    func updateStorage(_ request: Request) async throws -> Response {
        let profile = try await ProfileController.find(request)
        let form = try request.content.decode(StorageForm.self)
        let password: String? = form.clearPassword == "true" ? "" : ((form.password ?? "").isEmpty ? nil : form.password)
        let storage = ProfileController.StorageBody(kind: form.kind ?? "local", url: form.url, username: form.username, password: password)
        do {
            try await ProfileController.update(profile, with: .init(name: nil, storage: storage), request)
            request.flash(profile.storageKind == "webdav" ? "Storage destination set to \(profile.remoteURL ?? "")." : "Recordings are stored on this server.")
            return request.seeOther("/admin/profiles/\(try profile.requireID())?tab=recording")
        } catch let problem as Problem where problem.status.code < 500 {
            return try await renderDetail(request, tab: "recording",
                                          errors: FieldErrors(problem, knownFields: ["kind", "url"]), status: problem.status)
        }
    }

    func addCertificate(_ request: Request) async throws -> Response {
        let id = try request.parameters.require("profileID")
        return try await request.perform(back: "/admin/profiles/\(id)?tab=recording") {
            guard (try? request.content.get(String.self, at: "certificate")).map({ !$0.isEmpty }) == true else {
                throw Problem.badRequest("certificate-required", "choose a certificate to add", field: "certificate")
            }
            let response = try await ProfileController().deploy(request)
            let deployment = try response.content.decode(ProfileController.DeploymentResponse.self)
            return deployment.status == .valid ? "Certificate added: recorders of this profile encrypt to it from now on."
                : "Certificate added, but it is \(deployment.status == .expired ? "expired" : "not yet valid"): recorders get it only while it is valid."
        }
    }

    func removeCertificate(_ request: Request) async throws -> Response {
        let id = try request.parameters.require("profileID")
        return try await request.perform(back: "/admin/profiles/\(id)?tab=recording") {
            _ = try await ProfileController().undeploy(request)
            return "Certificate removed from the profile. Recordings made with it still play."
        }
    }

    func sync(_ request: Request) async throws -> Response {
        let id = try request.parameters.require("profileID")
        return try await request.perform(back: "/admin/profiles/\(id)?tab=recording") {
            let result = try await RemoteSyncController().sync(request)
            return "Remote destination read: \(result.recordings) recording(s) catalogued, \(result.removed) gone."
        }
    }

    func delete(_ request: Request) async throws -> Response {
        try await request.perform(back: "/admin/profiles") {
            _ = try await ProfileController().delete(request)
            return "Profile deleted."
        }
    }
}
