import Fluent
import RCSCore
import Vapor

/// `/api/v1/profiles`: recording profiles, their storage and deployed certificates.
struct ProfileController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let profiles = routes.grouped("profiles")
        profiles.get(use: list)
        profiles.post(use: create)
        profiles.get(":profileID", use: show)
        profiles.patch(":profileID", use: update)
        profiles.delete(":profileID", use: delete)
        profiles.get(":profileID", "certificates", use: listDeployments)
        profiles.post(":profileID", "certificates", use: deploy)
        profiles.delete(":profileID", "certificates", ":certificateID", use: undeploy)
    }

    static let secretPurpose = "profile-remote-credentials"

    struct StorageBody: Content {
        var kind: String
        var url: String?
        var username: String?
        var password: String?
    }

    struct CreateBody: Content {
        var tenant: String
        var name: String
        var storage: StorageBody?
    }

    struct UpdateBody: Content {
        var name: String?
        var storage: StorageBody?
    }

    struct StorageResponse: Content {
        let kind: String
        let url: String?
        let username: String?
        /// The password itself is never returned.
        let hasPassword: Bool
    }

    struct ProfileResponse: Content {
        let id: UUID
        let tenant: String
        let tenantID: UUID
        let name: String
        let storage: StorageResponse
        let certificates: [String]
        let createdAt: Date?
    }

    static func response(_ profile: RecordingProfile, tenant: Tenant, on db: Database) async throws -> ProfileResponse {
        let id = try profile.requireID()
        let certificates = try await Deployment.query(on: db).filter(\.$profile.$id == id).all().map { $0.$certificate.id }
        return ProfileResponse(id: id, tenant: tenant.name, tenantID: try tenant.requireID(), name: profile.name,
                               storage: StorageResponse(kind: profile.storageKind, url: profile.remoteURL,
                                                        username: profile.remoteUsername,
                                                        hasPassword: profile.remotePasswordSealed != nil),
                               certificates: certificates.sorted(), createdAt: profile.createdAt)
    }

    static func validName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(trimmed.count), !trimmed.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw Problem.badRequest("invalid-profile-name", "a profile name is 1 to 100 characters on one line", field: "name")
        }
        return trimmed
    }

    /// Applies a storage destination; a remote password is sealed under a keystore-derived key.
    static func apply(_ storage: StorageBody, to profile: RecordingProfile, keystore: Keystore) throws {
        switch storage.kind {
        case "local":
            profile.storageKind = "local"
            profile.remoteURL = nil
            profile.remoteUsername = nil
            profile.remotePasswordSealed = nil
        case "webdav":
            guard let text = storage.url, let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
                  ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty,
                  url.user == nil, url.password == nil, url.query == nil, url.fragment == nil, text.count <= 2048 else {
                throw Problem.badRequest("invalid-storage-url", "a remote WebDAV destination is an http:// or https:// URL with a host, without credentials, query or fragment (give username and password separately)", field: "storage.url")
            }
            profile.storageKind = "webdav"
            profile.remoteURL = text
            profile.remoteUsername = storage.username.flatMap { $0.isEmpty ? nil : String($0.prefix(256)) }
            if let password = storage.password {
                profile.remotePasswordSealed = password.isEmpty ? nil : Data(try StreamCipher.sealAESGCM(
                    key: keystore.secret(for: secretPurpose), plaintext: Array(password.utf8)))
            }
        default:
            throw Problem.badRequest("invalid-storage-kind", "storage kind is \"local\" (this server's WebDAV) or \"webdav\" (a remote server)", field: "storage.kind")
        }
    }

    func create(_ request: Request) async throws -> Response {
        let body = try request.content.decode(CreateBody.self)
        let tenant = try await TenantController.find(body.tenant, on: request.db)
        let name = try Self.validName(body.name)
        let tenantID = try tenant.requireID()
        if try await RecordingProfile.query(on: request.db).filter(\.$tenant.$id == tenantID).filter(\.$name == name).first() != nil {
            throw Problem.conflict("duplicate", "tenant \(tenant.name) already has a profile named \(name)")
        }
        let profile = RecordingProfile(tenantID: tenantID, name: name)
        if let storage = body.storage { try Self.apply(storage, to: profile, keystore: request.keystore) }
        try await profile.create(on: request.db)
        await request.audit.record("profile.create", tenant: tenant.name, target: try profile.requireID().uuidString,
                                   detail: "\(name); storage \(profile.storageKind)")
        return try await Self.response(profile, tenant: tenant, on: request.db).encodeResponse(status: .created, for: request)
    }

    func list(_ request: Request) async throws -> [ProfileResponse] {
        var query = RecordingProfile.query(on: request.db).with(\.$tenant).sort(\.$name)
        if let tenant = request.query[String.self, at: "tenant"] {
            query = query.filter(\.$tenant.$id == (try await TenantController.find(tenant, on: request.db).requireID()))
        }
        var result: [ProfileResponse] = []
        for profile in try await query.all() {
            result.append(try await Self.response(profile, tenant: profile.tenant, on: request.db))
        }
        return result
    }

    func show(_ request: Request) async throws -> ProfileResponse {
        let profile = try await Self.find(request)
        return try await Self.response(profile, tenant: profile.tenant, on: request.db)
    }

    func update(_ request: Request) async throws -> ProfileResponse {
        let profile = try await Self.find(request)
        try await Self.update(profile, with: try request.content.decode(UpdateBody.self), request)
        return try await Self.response(profile, tenant: profile.tenant, on: request.db)
    }

    /// Renames and/or re-points storage, audited: the API's and the profile page's one path.
    static func update(_ profile: RecordingProfile, with body: UpdateBody, _ request: Request) async throws {
        if let name = body.name { profile.name = try Self.validName(name) }
        if let storage = body.storage { try Self.apply(storage, to: profile, keystore: request.keystore) }
        try await profile.save(on: request.db)
        await request.audit.record("profile.update", tenant: profile.tenant.name, target: try profile.requireID().uuidString,
                                   detail: "storage \(profile.storageKind)")
    }

    func delete(_ request: Request) async throws -> HTTPStatus {
        let profile = try await Self.find(request)
        let id = try profile.requireID()
        try await request.db.transaction { db in
            try await Deployment.query(on: db).filter(\.$profile.$id == id).delete()
            try await profile.delete(on: db)
        }
        await request.audit.record("profile.delete", tenant: profile.tenant.name, target: id.uuidString, detail: profile.name)
        return .noContent
    }

    struct DeployBody: Content { var certificate: String }

    struct DeploymentResponse: Content {
        let id: UUID
        let profile: UUID
        let certificate: String
        let deployedBy: String
        let createdAt: Date?
        /// The certificate's status now: only `valid` ones reach recorders.
        let status: CertificateManager.Status
    }

    func deploy(_ request: Request) async throws -> Response {
        let profile = try await Self.find(request)
        let body = try request.content.decode(DeployBody.self)
        let fingerprint = body.certificate.lowercased()
        guard Keystore.isFingerprintString(fingerprint), let record = try await CertificateRecord.find(fingerprint, on: request.db) else {
            throw Problem.notFound("certificate \(body.certificate.prefix(64))")
        }
        let profileID = try profile.requireID()
        if try await Deployment.query(on: request.db).filter(\.$profile.$id == profileID)
            .filter(\.$certificate.$id == fingerprint).first() != nil {
            throw Problem.conflict("duplicate", "the certificate is already deployed to this profile")
        }
        let deployment = Deployment(profileID: profileID, certificateID: fingerprint, deployedBy: request.actorName)
        try await deployment.create(on: request.db)
        await request.audit.record("certificate.deploy", tenant: profile.tenant.name, target: fingerprint,
                                   detail: "profile \(profile.name) (\(profileID))")
        let status = CertificateManager.status(try request.keystore.entry(fingerprint).certificate)
        _ = record
        return try await DeploymentResponse(id: try deployment.requireID(), profile: profileID, certificate: fingerprint,
                                            deployedBy: deployment.deployedBy, createdAt: deployment.createdAt, status: status)
            .encodeResponse(status: .created, for: request)
    }

    func listDeployments(_ request: Request) async throws -> [DeploymentResponse] {
        let profile = try await Self.find(request)
        let profileID = try profile.requireID()
        return try await Deployment.query(on: request.db).filter(\.$profile.$id == profileID).all().map { deployment in
            DeploymentResponse(id: try deployment.requireID(), profile: profileID, certificate: deployment.$certificate.id,
                               deployedBy: deployment.deployedBy, createdAt: deployment.createdAt,
                               status: CertificateManager.status(try request.keystore.entry(deployment.$certificate.id).certificate))
        }
    }

    func undeploy(_ request: Request) async throws -> HTTPStatus {
        let profile = try await Self.find(request)
        let fingerprint = try request.parameters.require("certificateID").lowercased()
        guard let deployment = try await Deployment.query(on: request.db).filter(\.$profile.$id == (try profile.requireID()))
            .filter(\.$certificate.$id == fingerprint).first() else {
            throw Problem.notFound("deployment of certificate \(fingerprint.prefix(64)) to this profile")
        }
        try await deployment.delete(on: request.db)
        await request.audit.record("certificate.undeploy", tenant: profile.tenant.name, target: fingerprint,
                                   detail: "profile \(profile.name)")
        return .noContent
    }

    static func find(_ request: Request) async throws -> RecordingProfile {
        guard let id = request.parameters.get("profileID", as: UUID.self),
              let profile = try await RecordingProfile.query(on: request.db).filter(\.$id == id).with(\.$tenant).first() else {
            throw Problem.notFound("profile \(request.parameters.get("profileID")?.prefix(64) ?? "")")
        }
        return profile
    }
}
