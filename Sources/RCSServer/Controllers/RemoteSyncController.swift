import Fluent
import RCSCore
import Vapor

/// `POST /api/v1/profiles/{id}/sync`: catalogues the recordings on a
/// profile's remote WebDAV destination. Each file is downloaded once (its
/// envelope header and content map are read, nothing is decrypted) with its
/// `<file>.json` sidecar; rows for files that are gone are dropped. The
/// recordings then play like local ones, fetched by HTTP Range.
struct RemoteSyncController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("profiles", ":profileID", "sync", use: sync)
    }

    struct SyncResult: Content {
        let recordings: Int
        let removed: Int
    }

    static func prefix(_ profileID: UUID) -> String { "profiles/\(profileID.uuidString.lowercased())/" }

    func sync(_ request: Request) async throws -> SyncResult {
        let profile = try await ProfileController.find(request)
        let profileID = try profile.requireID()
        let app = request.application
        let storage = try RemoteStorage(profile: profile, keystore: app.keystore, client: app.http.client.shared)
        let indexer = RecordingIndexer(db: request.db, store: app.davStore, threadPool: app.threadPool, logger: request.logger)
        let files = try await storage.list()
        let paths = Set(files.map(\.path))
        let prefix = Self.prefix(profileID)
        var seen: Set<String> = []
        for file in files where !(file.path.hasSuffix(RecordingIndexer.sidecarSuffix) && paths.contains(String(file.path.dropLast(5)))) {
            let spool = try TemporarySpool()
            try await storage.download(file.path, into: spool, limit: app.rcsConfiguration.maxUploadBytes, threadPool: app.threadPool)
            let read = try await app.threadPool.runIfActive { () -> (EnvelopeHeader, EnvelopeContentMap)? in
                try? EnvelopeContentMap.read(source: spool.source())
            }
            var metadata: [String: Any] = [:]
            if paths.contains(file.path + RecordingIndexer.sidecarSuffix) {
                let sidecar = try TemporarySpool()
                try await storage.download(file.path + RecordingIndexer.sidecarSuffix, into: sidecar,
                                           limit: Int64(RecordingIndexer.maxSidecarBytes), threadPool: app.threadPool)
                let bytes = try sidecar.read(at: 0, count: RecordingIndexer.maxSidecarBytes)
                metadata = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:]
            }
            try await indexer.save(tenantID: profile.$tenant.id, path: prefix + file.path, size: spool.size, modified: Date(),
                                   layout: read == nil ? .plain : .envelope,
                                   summary: read.map { EnvelopeSummary($0.0, encoding: .der) },
                                   note: read == nil ? "not a DER envelope (remote recordings are played from DER envelopes)" : nil,
                                   metadata: metadata, map: read?.1, remoteProfileID: profileID)
            seen.insert(prefix + file.path)
        }
        let stale = try await Recording.query(on: request.db).filter(\.$remoteProfileID == profileID).all().filter { !seen.contains($0.path) }
        for row in stale { try await row.delete(on: request.db) }
        await request.audit.record("profile.sync", tenant: profile.tenant.name, target: profileID.uuidString,
                                   detail: "\(seen.count) recording(s), \(stale.count) removed")
        return SyncResult(recordings: seen.count, removed: stale.count)
    }
}
