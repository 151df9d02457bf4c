import Fluent
import Vapor

/// A certificate deployed to a recording profile.
final class Deployment: Model, @unchecked Sendable {
    static let schema = "deployments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "profile_id") var profile: RecordingProfile
    @Parent(key: "certificate_id") var certificate: CertificateRecord
    @Field(key: "deployed_by") var deployedBy: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(profileID: UUID, certificateID: String, deployedBy: String) {
        self.$profile.id = profileID
        self.$certificate.id = certificateID
        self.deployedBy = deployedBy
    }
}
