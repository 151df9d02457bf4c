import Fluent
import RCSCore
import Vapor

/// Keeps the catalog in step with storage: what each file is (an envelope and
/// for whom, an externally keyed media file, or plain), and the recorder's
/// metadata (the `<file>.json` sidecar and WebDAV properties).
///
/// Genesys MCP layout: the media file is AES-encrypted audio and the CMS
/// envelope carrying its key is in the sidecar's `"envelope"` field (base64
/// of the DER or PEM envelope). See docs/webdav.md.
struct RecordingIndexer {
    let db: Database
    let store: DAVFileStore
    let threadPool: NIOThreadPool
    let logger: Logger

    static let sidecarSuffix = ".json"
    static let externalEnvelopeField = "envelope"
    static let maxSidecarBytes = 1 << 20

    /// The file at `path` changed (written, copied, moved in): index it.
    /// A sidecar re-indexes its media file.
    func index(_ path: DAVPath, tenant: Tenant) async throws {
        if path.name.hasSuffix(Self.sidecarSuffix) && path.name.count > Self.sidecarSuffix.count {
            let media = path.parent!.appending(String(path.name.dropLast(Self.sidecarSuffix.count)))
            let store = self.store
            if try await threadPool.runIfActive({ try store.info(media) })?.isCollection == false {
                try await index(media, tenant: tenant)
            }
            return
        }
        let store = self.store
        guard let info = try await threadPool.runIfActive({ try store.info(path) }), !info.isCollection else {
            try await remove(under: path, tenant: tenant)
            return
        }
        let sidecar = path.parent!.appending(path.name + Self.sidecarSuffix)
        let (envelope, failure, sidecarData, contentMap) = try await threadPool.runIfActive {
            () -> (EnvelopeSummary?, String?, Data?, EnvelopeContentMap?) in
            let sidecarData = Self.readSidecar(try store.filePath(sidecar))
            do {
                let file = try store.filePath(path)
                let summary = try EnvelopeSummary.read(path: file)
                // Built once here, so playback can start anywhere (DER only; text armour has no random access).
                return (summary, nil, sidecarData, summary.encoding == "DER" ? try? EnvelopeContentMap.build(path: file) : nil)
            } catch let error as RCSError {
                return (nil, error.reason, sidecarData, nil)
            }
        }
        let metadata = sidecarData.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        var layout = Recording.Layout.plain
        var summary = envelope
        var note = failure
        if envelope != nil {
            layout = .envelope
            note = nil
        } else if let carried = metadata[Self.externalEnvelopeField] as? String {
            do {
                guard let bytes = Data(base64Encoded: carried, options: .ignoreUnknownCharacters) else {
                    throw RCSError(.notPEMOrDER, "the \"\(Self.externalEnvelopeField)\" field is not base64")
                }
                summary = try EnvelopeSummary.read(bytes: [UInt8](bytes))
                layout = .externalEnvelope
                note = nil
            } catch let error as RCSError {
                note = "the metadata's \"\(Self.externalEnvelopeField)\" field is not an envelope: \(error.reason)"
            }
        }
        var combined = metadata
        combined.removeValue(forKey: Self.externalEnvelopeField)
        let properties = try await DAVProperty.query(on: db).filter(\.$tenant == path.tenant).filter(\.$path == path.relative).all()
        if !properties.isEmpty {
            combined["properties"] = Dictionary(properties.map { ("{\($0.namespace)}\($0.name)", $0.text) }, uniquingKeysWith: { a, _ in a })
        }
        try await save(tenantID: try tenant.requireID(), path: path.relative, size: info.size, modified: info.modified,
                       layout: layout, summary: summary, note: note, metadata: combined, map: contentMap, remoteProfileID: nil)
    }

    /// Writes a recording's catalog row and its recipients (one transaction).
    func save(tenantID: UUID, path: String, size: UInt64, modified: Date, layout: Recording.Layout, summary: EnvelopeSummary?,
              note: String?, metadata: [String: Any], map: EnvelopeContentMap?, remoteProfileID: UUID?) async throws {
        let metadataJSON = String(decoding: try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys]), as: UTF8.self)
        let envelopeJSON = try summary.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let mapJSON = try map.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let agent = Self.field(metadata, ["agentId", "agentID", "agent_id", "agent"])
        let customer = Self.field(metadata, ["customerId", "customerID", "customer_id", "customer"])
        let recordedAt = Self.field(metadata, ["startTime", "start_time", "startedAt", "timestamp"]).flatMap(Self.parseDate) ?? modified
        try await db.transaction { db in
            let recording = try await Recording.query(on: db).filter(\.$tenant.$id == tenantID).filter(\.$path == path).first()
                ?? Recording()
            recording.$tenant.id = tenantID
            recording.path = path
            recording.size = Int64(size)
            recording.modifiedAt = modified
            recording.layout = layout
            recording.encrypted = summary != nil
            recording.envelopeJSON = envelopeJSON
            recording.note = note
            recording.metadataJSON = metadataJSON
            recording.contentMapJSON = mapJSON
            recording.remoteProfileID = remoteProfileID
            recording.agentID = agent
            recording.customerID = customer
            recording.recordedAt = recordedAt
            recording.durationSeconds = nil
            // A new file: what playback learned about the old one no longer holds.
            recording.plaintextLength = nil
            recording.tagVerified = nil
            recording.contentType = nil
            try await recording.save(on: db)
            let recordingID = try recording.requireID()
            try await RecordingRecipient.query(on: db).filter(\.$recording.$id == recordingID).delete()
            for recipient in summary?.recipients ?? [] {
                let row = RecordingRecipient()
                row.$recording.id = recordingID
                row.issuerDN = recipient.issuerDN
                row.serialNumber = recipient.serialNumber
                row.subjectKeyIdentifier = recipient.subjectKeyIdentifier
                try await row.create(on: db)
            }
        }
    }

    /// Indexes every file at or below `path`.
    func indexTree(_ path: DAVPath, tenant: Tenant) async throws {
        let store = self.store
        guard let info = try await threadPool.runIfActive({ try store.info(path) }) else { return }
        guard info.isCollection else { return try await index(path, tenant: tenant) }
        for name in try await threadPool.runIfActive({ try store.children(path) }) {
            try await indexTree(path.appending(name), tenant: tenant)
        }
    }

    /// Forgets everything at or below `path`.
    func remove(under path: DAVPath, tenant: Tenant) async throws {
        let tenantID = try tenant.requireID()
        if path.isTenantRoot {
            try await Recording.query(on: db).filter(\.$tenant.$id == tenantID).filter(\.$remoteProfileID == nil).delete()
            return
        }
        try await Recording.query(on: db).filter(\.$tenant.$id == tenantID).filter(\.$remoteProfileID == nil)
            .filter(\.$path == path.relative).delete()
        // LIKE narrows (its wildcards may over-match names with _ or %); the prefix test decides.
        let prefix = path.relative + "/"
        let candidates = try await Recording.query(on: db).filter(\.$tenant.$id == tenantID).filter(\.$remoteProfileID == nil)
            .filter(\.$path, .custom("LIKE"), prefix + "%").all()
        let ids = candidates.filter { $0.path.hasPrefix(prefix) }.compactMap(\.id)
        if !ids.isEmpty { try await Recording.query(on: db).filter(\.$id ~~ ids).delete() }
    }

    /// Indexes files that are new or changed (size or time) and drops rows for
    /// files that are gone; returns how many rows changed.
    func reconcile(tenant: Tenant) async throws -> Int {
        let tenantID = try tenant.requireID()
        // Rows of remote destinations are not this storage's to reconcile.
        let rows = try await Recording.query(on: db).filter(\.$tenant.$id == tenantID).filter(\.$remoteProfileID == nil).all()
        var known = Dictionary(rows.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let files = try await files(under: DAVPath(tenant: tenant.name, segments: []))
        var changed = 0
        for (path, info) in files where !path.name.hasSuffix(Self.sidecarSuffix) {
            if let row = known.removeValue(forKey: path.relative), row.size == Int64(info.size),
               abs(row.modifiedAt.timeIntervalSince(info.modified)) < 1 {
                continue
            }
            try await index(path, tenant: tenant)
            changed += 1
        }
        for row in known.values {
            try await row.delete(on: db)
            changed += 1
        }
        return changed
    }

    /// Every file at or below `path`, with its information.
    func files(under path: DAVPath) async throws -> [(DAVPath, DAVFileStore.Info)] {
        let store = self.store
        return try await threadPool.runIfActive {
            var result: [(DAVPath, DAVFileStore.Info)] = []
            var pending = [path]
            while let current = pending.popLast() {
                guard let info = try store.info(current) else { continue }
                if info.isCollection {
                    pending += try store.children(current).map { current.appending($0) }
                } else {
                    result.append((current, info))
                }
            }
            return result
        }
    }

    /// Re-indexes a tenant from scratch: rows for files that are gone are dropped.
    func rebuild(tenant: Tenant) async throws -> Int {
        let root = DAVPath(tenant: tenant.name, segments: [])
        try await remove(under: root, tenant: tenant)
        try await indexTree(root, tenant: tenant)
        return try await Recording.query(on: db).filter(\.$tenant.$id == (try tenant.requireID())).count()
    }

    /// The first of `names` present in the metadata, as text.
    static func field(_ metadata: [String: Any], _ names: [String]) -> String? {
        for name in names {
            if let text = metadata[name] as? String, !text.isEmpty { return String(text.prefix(256)) }
            if let number = metadata[name] as? NSNumber { return number.stringValue }
        }
        return nil
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// A sidecar's bytes (bounded); nil when absent or too large.
    static func readSidecar(_ path: String) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxSidecarBytes + 1), data.count <= maxSidecarBytes else { return nil }
        return data
    }
}
