import Fluent
import Vapor

/// A recording profile: belongs to a tenant, names where recordings are
/// stored, and has the certificates recorders encrypt to (deployments).
final class RecordingProfile: Model, @unchecked Sendable {
    static let schema = "recording_profiles"

    @ID(key: .id) var id: UUID?
    @Parent(key: "tenant_id") var tenant: Tenant
    @Field(key: "name") var name: String
    /// "local" (this server's WebDAV) or "webdav" (a remote server).
    @Field(key: "storage_kind") var storageKind: String
    @OptionalField(key: "remote_url") var remoteURL: String?
    @OptionalField(key: "remote_username") var remoteUsername: String?
    /// The remote password, sealed with AES-256-GCM under a keystore-derived key.
    @OptionalField(key: "remote_password_sealed") var remotePasswordSealed: Data?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(tenantID: UUID, name: String) {
        self.$tenant.id = tenantID
        self.name = name
        self.storageKind = "local"
    }
}
