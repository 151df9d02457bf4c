import Fluent
import Vapor

/// One security-relevant act. Append-only: nothing updates or deletes these rows.
final class AuditEvent: Model, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    /// "admin:<name>", "recorder:<username>", "player:<username>", "system", or "anonymous".
    @Field(key: "actor") var actor: String
    /// Dotted verb, e.g. "certificate.upload", "credential.revoke", "login.failure".
    @Field(key: "action") var action: String
    @OptionalField(key: "tenant") var tenant: String?
    /// What was acted on (a fingerprint, an id, a path).
    @OptionalField(key: "target") var target: String?
    /// "success" or "failure".
    @Field(key: "outcome") var outcome: String
    @OptionalField(key: "remote_address") var remoteAddress: String?
    @OptionalField(key: "request_id") var requestID: String?
    /// Free text: the refusal reason, the flags used (never a secret).
    @OptionalField(key: "detail") var detail: String?

    init() {}
}
