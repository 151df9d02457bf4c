import Fluent
import Vapor

/// A file in a tenant's storage, as the catalog knows it: where it is, how
/// big, how it is encrypted and for whom, and the recorder's metadata.
final class Recording: Model, @unchecked Sendable {
    static let schema = "recordings"

    /// How a recording is protected.
    enum Layout: String, Codable {
        /// The file is a CMS envelope.
        case envelope
        /// Genesys MCP style: the file is AES-encrypted audio; the envelope carrying its key is in the metadata.
        case externalEnvelope
        /// Not encrypted: stored, but flagged.
        case plain
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "tenant_id") var tenant: Tenant
    /// Tenant-relative path.
    @Field(key: "path") var path: String
    @Field(key: "size") var size: Int64
    @Field(key: "modified_at") var modifiedAt: Date
    @Timestamp(key: "indexed_at", on: .create) var indexedAt: Date?
    @Field(key: "layout") var layout: Layout
    @Field(key: "encrypted") var encrypted: Bool
    /// EnvelopeSummary as JSON (content type, cipher, recipients), when encrypted.
    @OptionalField(key: "envelope_json") var envelopeJSON: String?
    /// Why the file was not recognised as an envelope, for `plain` ones.
    @OptionalField(key: "note") var note: String?
    /// The recorder's metadata: the sidecar `<file>.json` merged with WebDAV properties.
    @Field(key: "metadata_json") var metadataJSON: String
    @Children(for: \.$recording) var recipients: [RecordingRecipient]
    /// EnvelopeContentMap as JSON: where the ciphertext lies, for ranges (DER envelopes).
    @OptionalField(key: "content_map_json") var contentMapJSON: String?
    /// Known after the first playback (CBC needs the key to see its padding).
    @OptionalField(key: "plaintext_length") var plaintextLength: Int64?
    /// AES-GCM: nil until the tag has been checked once, then its outcome.
    @OptionalField(key: "tag_verified") var tagVerified: Bool?
    /// Set for recordings kept on a profile's remote WebDAV destination; their
    /// `path` is `profiles/<profile id>/<path there>`.
    @OptionalField(key: "remote_profile_id") var remoteProfileID: UUID?
    /// From the recorder's metadata, for search (agentId/customerId/startTime or their variants).
    @OptionalField(key: "agent_id") var agentID: String?
    @OptionalField(key: "customer_id") var customerID: String?
    /// When the call started (the metadata's start time), else when the file was written.
    @OptionalField(key: "recorded_at") var recordedAt: Date?
    /// From the audio's own header (WAV), once known.
    @OptionalField(key: "duration_seconds") var durationSeconds: Double?
    /// Sniffed from the first plaintext bytes at the first playback.
    @OptionalField(key: "content_type") var contentType: String?

    init() {}
}

/// One recipient of a recording's envelope: which certificate opens it.
final class RecordingRecipient: Model, @unchecked Sendable {
    static let schema = "recording_recipients"

    @ID(key: .id) var id: UUID?
    @Parent(key: "recording_id") var recording: Recording
    @OptionalField(key: "issuer_dn") var issuerDN: String?
    @OptionalField(key: "serial_number") var serialNumber: String?
    @OptionalField(key: "subject_key_identifier") var subjectKeyIdentifier: String?

    init() {}
}
