import Fluent
import RCSCore
import Vapor

/// A customer of the contact centre; its name is the slug of `/webdav/<tenant>/`.
final class Tenant: Model, @unchecked Sendable {
    static let schema = "tenants"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Children(for: \.$tenant) var profiles: [RecordingProfile]

    init() {}
    init(name: String) { self.name = name }

    /// a-z, 0-9 and inner hyphens, 1 to 63 characters: safe in a URL path and a directory name.
    static func isValidName(_ name: String) -> Bool { DAVPath.isValidTenantName(name) }
}
