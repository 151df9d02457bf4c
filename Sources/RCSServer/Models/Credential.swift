import Fluent
import Vapor

/// A machine credential bound to one tenant: a recorder (WebDAV uploads,
/// fetching its profile's certificates) or a player (playback API).
final class Credential: Model, @unchecked Sendable {
    static let schema = "credentials"

    enum Role: String, Codable, CaseIterable { case recorder, player }

    @ID(key: .id) var id: UUID?
    @Parent(key: "tenant_id") var tenant: Tenant
    @Field(key: "role") var role: Role
    @Field(key: "username") var username: String
    /// SHA-256 of the secret, hex: the secret is 256 random bits, so a fast hash is enough.
    @Field(key: "secret_hash") var secretHash: String
    @Field(key: "created_by") var createdBy: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}

    init(tenantID: UUID, role: Role, username: String, secretHash: String, createdBy: String) {
        self.$tenant.id = tenantID
        self.role = role
        self.username = username
        self.secretHash = secretHash
        self.createdBy = createdBy
    }
}
