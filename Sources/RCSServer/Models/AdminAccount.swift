import Fluent
import Vapor

/// An administrator: HTTP Basic on the admin API, sign-in on the pages.
final class AdminAccount: Model, @unchecked Sendable {
    static let schema = "admin_accounts"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    /// bcrypt.
    @Field(key: "password_hash") var passwordHash: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(username: String, passwordHash: String) {
        self.username = username
        self.passwordHash = passwordHash
    }
}
