import Fluent
import RCSCore
import Vapor

/// `/rcs/api/v1/recordings`: the catalog, for playback clients (player
/// credentials of the recording's tenant) and admins. A recording of another
/// tenant does not exist, as far as a player can tell.
struct RecordingController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let recordings = routes.grouped("recordings")
        recordings.get(use: list)
        recordings.get(":recordingID", use: show)
        recordings.delete(":recordingID", use: delete)
    }

    struct RecordingResponse: Content {
        let id: UUID
        let tenant: String
        let path: String
        let size: Int64
        let modifiedAt: Date
        let indexedAt: Date?
        let encrypted: Bool
        let layout: String
        let envelope: EnvelopeSummary?
        let note: String?
        /// Seconds, when the audio's header tells it (WAV).
        let duration: Double?
        let agentId: String?
        let customerId: String?
        let recordedAt: Date?
        /// The recorder's metadata (sidecar JSON and WebDAV properties).
        let metadata: JSONValue
    }

    static func response(_ recording: Recording, tenant: String) throws -> RecordingResponse {
        RecordingResponse(id: try recording.requireID(), tenant: tenant, path: recording.path, size: recording.size,
                          modifiedAt: recording.modifiedAt, indexedAt: recording.indexedAt, encrypted: recording.encrypted,
                          layout: recording.layout.rawValue,
                          envelope: try recording.envelopeJSON.map { try JSONDecoder().decode(EnvelopeSummary.self, from: Data($0.utf8)) },
                          note: recording.note, duration: recording.durationSeconds, agentId: recording.agentID,
                          customerId: recording.customerID, recordedAt: recording.recordedAt,
                          metadata: (try? JSONDecoder().decode(JSONValue.self, from: Data(recording.metadataJSON.utf8))) ?? .object([:]))
    }

    struct Page: Content {
        let items: [RecordingResponse]
        let page: Int
        let per: Int
        let total: Int
    }

    /// The tenant a caller may see: an admin any (or all), a player only its own.
    static func tenantScope(_ request: Request) async throws -> UUID? {
        guard let principal = request.principal else {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "sign in with a player credential or an admin account")
        }
        let requested = request.query[String.self, at: "tenant"]
        switch principal {
        case .admin:
            guard let requested else { return nil }
            return try await TenantController.find(requested, on: request.db).requireID()
        case let .credential(_, _, role, tenantID, tenantName):
            guard role == .player else {
                throw Problem(.forbidden, "forbidden", "Forbidden", detail: "recorder credentials upload over WebDAV; playback needs a player credential")
            }
            if let requested, requested != tenantName && requested != tenantID.uuidString {
                throw Problem.notFound("tenant \(requested.prefix(64))")
            }
            return tenantID
        }
    }

    func list(_ request: Request) async throws -> Page {
        let scope = try await Self.tenantScope(request)
        let window = PageWindow(request)
        var query = Recording.query(on: request.db).with(\.$tenant)
        if let scope { query = query.filter(\.$tenant.$id == scope) }
        if let agent = request.query[String.self, at: "agent"] { query = query.filter(\.$agentID == agent) }
        if let customer = request.query[String.self, at: "customer"] { query = query.filter(\.$customerID == customer) }
        if let since = try AuditController.date(request, "since") { query = query.filter(\.$recordedAt >= since) }
        if let until = try AuditController.date(request, "until") { query = query.filter(\.$recordedAt <= until) }
        let total = try await query.count()
        let rows = try await query.sort(\.$recordedAt, .descending).range(window.rows).all()
        return Page(items: try rows.map { try Self.response($0, tenant: $0.tenant.name) }, page: window.page, per: window.per, total: total)
    }

    func show(_ request: Request) async throws -> RecordingResponse {
        let scope = try await Self.tenantScope(request)
        guard let id = request.parameters.get("recordingID", as: UUID.self),
              let recording = try await Recording.query(on: request.db).filter(\.$id == id).with(\.$tenant).first(),
              scope == nil || recording.$tenant.id == scope else {
            throw Problem.notFound("recording \(request.parameters.get("recordingID")?.prefix(64) ?? "")")
        }
        // The duration comes from the audio itself: learn it now if nobody has played it yet.
        if recording.durationSeconds == nil && recording.plaintextLength == nil && recording.encrypted {
            _ = try? await PlaybackService(request: request).open(recording, tenant: recording.tenant.name)
        }
        return try Self.response(recording, tenant: recording.tenant.name)
    }
}

extension RecordingController {
    /// Admins only: removes a recording kept in RCS's own storage (file,
    /// sidecar, properties, locks and catalog row), audited. A recording on a
    /// remote destination is deleted there; the next sync drops its row.
    func delete(_ request: Request) async throws -> HTTPStatus {
        guard let principal = request.principal, principal.isAdmin else {
            throw Problem(.forbidden, "forbidden", "Forbidden", detail: "only administrators delete recordings")
        }
        guard let id = request.parameters.get("recordingID", as: UUID.self),
              let recording = try await Recording.query(on: request.db).filter(\.$id == id).with(\.$tenant).first() else {
            throw Problem.notFound("recording \(request.parameters.get("recordingID")?.prefix(64) ?? "")")
        }
        let tenant = recording.tenant
        guard recording.remoteProfileID == nil else {
            throw Problem.conflict("remote-recording", "this recording is kept on the profile's remote WebDAV destination: delete it there, then sync the profile")
        }
        let path = DAVPath(tenant: tenant.name, segments: recording.path.split(separator: "/").map(String.init))
        let sidecar = path.parent.map { $0.appending(path.name + ".json") }
        let store = request.application.davStore
        try await request.application.threadPool.runIfActive {
            if (try store.info(path)) != nil { try store.delete(path) }
            if let sidecar, let info = try store.info(sidecar), !info.isCollection { try store.delete(sidecar) }
        }
        request.application.davLocks.removeLocks(within: path.resource)
        try await DAVPropertyStore.delete(under: path, on: request.db)
        let indexer = RecordingIndexer(db: request.db, store: store, threadPool: request.application.threadPool, logger: request.logger)
        try await indexer.remove(under: path, tenant: tenant)
        await request.audit.record("recording.delete", tenant: tenant.name, target: recording.path, detail: "\(recording.size) bytes, by an admin")
        return .noContent
    }
}

/// Any JSON value, to pass the recorder's metadata through as it came.
indirect enum JSONValue: Codable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }
}
