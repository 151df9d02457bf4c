import Fluent
import RCSCore
import Vapor

/// `/admin/recordings`: search the catalog, play a recording in the browser
/// (the `<audio>` element seeks with Range on a session-checked route, so
/// every play is audited as the admin and nothing outlives the session),
/// and delete one (audited).
struct RecordingPages {
    func register(_ routes: any RoutesBuilder) {
        routes.get("recordings", use: list)
        routes.get("recordings", ":recordingID", use: detail)
        routes.get("recordings", ":recordingID", "audio", use: audio)
        routes.post("recordings", ":recordingID", "delete", use: delete)
    }

    struct Row: Encodable {
        let id: UUID
        let recordedAt: String
        let tenant: String
        let path: String
        let agent: String
        let customer: String
        let duration: String
        let size: String
        let protection: String
    }

    struct ListView: Encodable {
        let rows: [Row]
        let tenants: [String]
        let filter: [String: String]
        let paging: Paging
        let errors: FieldErrors
    }

    static func protection(_ recording: RecordingController.RecordingResponse) -> String {
        guard recording.encrypted else { return "Not encrypted" }
        return recording.envelope.map { $0.cipher.uppercased() } ?? "Encrypted (key in metadata)"
    }

    func list(_ request: Request) async throws -> Response {
        let names = ["tenant", "agent", "customer", "since", "until"]
        request.dropEmptyQueryItems()
        var filter: [String: String] = [:]
        for name in names { filter[name] = request.query[String.self, at: name] ?? "" }
        let tenants = try await Tenant.query(on: request.db).sort(\.$name).all().map(\.name)
        do {
            let page = try await RecordingController().list(request)
            let rows = page.items.map { recording in
                Row(id: recording.id, recordedAt: Format.time(recording.recordedAt ?? recording.modifiedAt), tenant: recording.tenant,
                    path: recording.path, agent: recording.agentId ?? "", customer: recording.customerId ?? "",
                    duration: Format.duration(recording.duration), size: Format.bytes(recording.size),
                    protection: Self.protection(recording))
            }
            return try await request.renderPage("recordings", title: "Recordings", section: "recordings",
                                                ListView(rows: rows, tenants: tenants, filter: filter,
                                                         paging: Paging(request, page: page.page, per: page.per, total: page.total),
                                                         errors: FieldErrors()))
        } catch let problem as Problem where problem.status.code < 500 {
            let field = problem.slug == "not-found" ? Problem(problem.status, problem.slug, problem.title, detail: problem.detail, field: "tenant") : problem
            return try await request.renderPage("recordings", title: "Recordings", section: "recordings", status: problem.status,
                                                ListView(rows: [], tenants: tenants, filter: filter,
                                                         paging: Paging(request, page: 1, per: 50, total: 0),
                                                         errors: FieldErrors(field, knownFields: Set(names))))
        }
    }

    struct Field: Encodable {
        let label: String
        let value: String
    }

    struct Recipient: Encodable {
        let identifies: String
        let keyTransport: String
        /// The certificate in the keystore that opens it, when there is one.
        let certificateID: String?
        let certificateName: String?
    }

    struct DetailView: Encodable {
        let id: UUID
        let path: String
        let fields: [Field]
        let recipients: [Recipient]
        let metadata: String
        let audioURL: String?
        let contentType: String
        let playable: Bool
        let note: String?
    }

    func detail(_ request: Request) async throws -> Response {
        let recording = try await RecordingController().show(request)
        let fields = [
            Field(label: "Tenant", value: recording.tenant),
            Field(label: "Storage path", value: recording.path),
            Field(label: "Recorded at", value: Format.time(recording.recordedAt ?? recording.modifiedAt)),
            Field(label: "Duration", value: Format.duration(recording.duration)),
            Field(label: "Size", value: Format.bytes(recording.size)),
            Field(label: "Agent ID", value: recording.agentId ?? ""),
            Field(label: "Customer ID", value: recording.customerId ?? ""),
            Field(label: "Protection", value: Self.protection(recording)),
            Field(label: "Envelope", value: recording.envelope.map { "\($0.contentType), \($0.encoding), \($0.lengthEncoding) length" } ?? ""),
            Field(label: "Catalogued at", value: Format.time(recording.indexedAt)),
        ]
        var recipients: [Recipient] = []
        let stored = try request.keystore.entries()
        for recipient in recording.envelope?.recipients ?? [] {
            let match = stored.first { recipient.names($0.certificate) }?.certificate
            let identifies = recipient.serialNumber.map { "Serial \($0), issued by \(recipient.issuerDN ?? "")" }
                ?? "Subject key identifier \(recipient.subjectKeyIdentifier ?? "")"
            recipients.append(Recipient(identifies: identifies, keyTransport: recipient.keyTransport ?? recipient.type,
                                        certificateID: match?.sha256Fingerprint, certificateName: match?.subjectName))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let metadata = String(decoding: try encoder.encode(recording.metadata), as: UTF8.self)
        let playable = recording.encrypted && (recording.layout == "externalEnvelope" || recording.envelope?.encoding == "DER")
        let audioURL = playable ? "/admin/recordings/\(recording.id.uuidString.lowercased())/audio" : nil
        let note = playable ? nil : (recording.encrypted
            ? "This recording is stored as a \(recording.envelope?.encoding ?? "text") envelope; playback in the browser needs DER. Convert it with openssl cms -cmsout -outform DER."
            : "This file is not encrypted; it is not played from here.")
        let view = DetailView(id: recording.id, path: recording.path, fields: fields.filter { !$0.value.isEmpty },
                              recipients: recipients, metadata: metadata, audioURL: audioURL,
                              contentType: "audio/wav", playable: playable, note: recording.note ?? note)
        return try await request.renderPage("recording", title: "Recording", section: "recordings", view)
    }

    /// The API's audio route, reached with the session: same streaming, ranges and audit.
    func audio(_ request: Request) async throws -> Response {
        try await AudioController().audio(request)
    }

    func delete(_ request: Request) async throws -> Response {
        let id = try request.parameters.require("recordingID")
        do {
            _ = try await RecordingController().delete(request)
        } catch let problem as Problem where problem.status.code < 500 {
            request.flash(problem.detail.prefix(1).uppercased() + problem.detail.dropFirst(), isError: true)
            return request.seeOther("/admin/recordings/\(id)")
        }
        request.flash("Recording deleted from storage and from the catalog.")
        return request.seeOther("/admin/recordings")
    }
}
