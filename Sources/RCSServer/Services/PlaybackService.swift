import Crypto
import Fluent
import NIOConcurrencyHelpers
import RCSCore
import Vapor

/// Opens a catalogued recording for playback: picks the keystore key that
/// matches a recipient of its envelope (expired certificates' keys included),
/// unwraps the content key (kept in memory a few minutes, never written),
/// checks an AES-GCM tag once and remembers the outcome, and learns the
/// plaintext length and media type once.
struct PlaybackService {
    let request: Request

    /// One request's view of the recording: one reader, used by that request only.
    final class Session: @unchecked Sendable {
        // @unchecked Sendable: used sequentially by a single request, from the thread pool.
        let reader: EnvelopeRangeReader
        let length: UInt64
        let contentType: String
        init(reader: EnvelopeRangeReader, length: UInt64, contentType: String) {
            self.reader = reader
            self.length = length
            self.contentType = contentType
        }
    }

    func open(_ recording: Recording, tenant: String) async throws -> Session {
        if recording.layout == .externalEnvelope { return try await openExternal(recording, tenant: tenant) }
        guard recording.layout == .envelope else {
            throw Problem.unprocessable("not-encrypted", "this file is not an encrypted recording")
        }
        guard let mapJSON = recording.contentMapJSON,
              let map = try? JSONDecoder().decode(EnvelopeContentMap.self, from: Data(mapJSON.utf8)) else {
            throw Problem.unprocessable("no-random-access", "this envelope is stored as text (PEM or S/MIME): only DER envelopes are played")
        }
        let app = request.application
        let keystore = app.keystore
        let id = try recording.requireID()
        // Where the ciphertext is: this server's storage, or a profile's remote WebDAV destination.
        let source: CiphertextSource
        let headerLength = map.runs.first?.fileOffset ?? 0
        if let profileID = recording.remoteProfileID {
            guard let profile = try await RecordingProfile.find(profileID, on: request.db) else {
                throw Problem.conflict("profile-gone", "the profile whose remote storage holds this recording no longer exists")
            }
            let storage = try RemoteStorage(profile: profile, keystore: keystore, client: app.http.client.shared)
            source = RemoteStorage.RangeSource(storage: storage, relative: String(recording.path.dropFirst(RemoteSyncController.prefix(profileID).count)))
        } else {
            source = try LocalFileSource(path: app.davStore.filePath(DAVPath(tenant: tenant, segments: recording.path.split(separator: "/").map(String.init))))
        }
        let cached = app.contentKeys.get(id)
        let session = try await app.threadPool.runIfActive { () -> (EnvelopeRangeReader, [UInt8]) in
            let key: [UInt8]
            if let cached {
                key = cached
            } else {
                // The header is everything before the first ciphertext byte.
                let headerBytes = try source.read(offset: 0, length: headerLength)
                let input = try EnvelopeInput(BufferedReader(MemorySource(headerBytes), capacity: 1 << 16), bufferCapacity: 1 << 16)
                let header = try EnvelopeReader(input.der).readHeader()
                key = try keystore.contentKey(for: header)
            }
            return (try EnvelopeRangeReader(source: source, map: map, contentKey: key), key)
        }
        app.contentKeys.put(id, session.1)
        let reader = session.0
        if map.isGCM && recording.tagVerified != true {
            guard recording.tagVerified == nil else { throw Self.tampered }
            do {
                try await app.threadPool.runIfActive { try reader.verifyTag() }
                recording.tagVerified = true
            } catch {
                recording.tagVerified = false
                try await recording.save(on: request.db)
                throw Self.tampered
            }
        }
        return try await finish(recording, reader)
    }

    /// Genesys MCP layout: the envelope in the sidecar's "envelope" field carries
    /// the AES key; the media file is a 16-byte IV and AES-CBC ciphertext.
    private func openExternal(_ recording: Recording, tenant: String) async throws -> Session {
        let app = request.application
        let keystore = app.keystore
        let path = DAVPath(tenant: tenant, segments: recording.path.split(separator: "/").map(String.init))
        let file = try app.davStore.filePath(path)
        let sidecar = try app.davStore.filePath(path.parent!.appending(path.name + RecordingIndexer.sidecarSuffix))
        let id = try recording.requireID()
        let cached = app.contentKeys.get(id)
        let reader = try await app.threadPool.runIfActive { () -> EnvelopeRangeReader in
            let key: [UInt8]
            if let cached {
                key = cached
            } else {
                guard let data = RecordingIndexer.readSidecar(sidecar),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let carried = object[RecordingIndexer.externalEnvelopeField] as? String,
                      let envelope = Data(base64Encoded: carried, options: .ignoreUnknownCharacters) else {
                    throw Problem.unprocessable("no-envelope", "the recording's metadata no longer carries its envelope")
                }
                let input = try EnvelopeInput(BufferedReader(MemorySource([UInt8](envelope))))
                let reader = EnvelopeReader(input.der)
                let header = try reader.readHeader()
                var plain: [UInt8] = []
                try keystore.decryptor(for: header).decrypt(reader) { plain += $0 }
                key = plain
            }
            let size = try FileDescriptorSource(path: file).regularFileSize ?? 0
            let iv = try FileDescriptorSource(path: file).readPrefix(16)
            return try EnvelopeRangeReader(path: file, map: EnvelopeContentMap.externalMedia(fileSize: size, iv: iv, keyLength: key.count),
                                           contentKey: key)
        }
        app.contentKeys.put(id, reader.key)
        return try await finish(recording, reader)
    }

    /// Learns the plaintext length and media type once.
    private func finish(_ recording: Recording, _ reader: EnvelopeRangeReader) async throws -> Session {
        if recording.plaintextLength == nil || recording.contentType == nil {
            let head = try await request.application.threadPool.runIfActive { () -> [UInt8] in
                var bytes: [UInt8] = []
                try reader.read(0..<min(reader.plaintextLength, 4096)) { bytes += $0 }
                return bytes
            }
            recording.plaintextLength = Int64(reader.plaintextLength)
            recording.contentType = Self.sniff(head)
            recording.durationSeconds = Self.wavDuration(head)
            try await recording.save(on: request.db)
        }
        return Session(reader: reader, length: reader.plaintextLength, contentType: recording.contentType ?? "application/octet-stream")
    }

    static let tampered = Problem.unprocessable("tampered", "the recording failed authentication (AES-GCM): it was tampered with or damaged, so none of it is played")

    /// A WAV file's duration from its header: the data chunk's size over the byte rate.
    static func wavDuration(_ bytes: [UInt8]) -> Double? {
        func le32(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WAVE".utf8) else { return nil }
        var at = 12
        var byteRate: UInt32?
        while at + 8 <= bytes.count, let size = le32(at + 4) {
            let id = String(decoding: bytes[at..<(at + 4)], as: UTF8.self)
            if id == "fmt " { byteRate = le32(at + 16) }
            if id == "data" {
                guard let byteRate, byteRate > 0 else { return nil }
                return Double(size) / Double(byteRate)
            }
            at += 8 + Int(size) + Int(size % 2)
        }
        return nil
    }

    /// The media type from the first bytes.
    static func sniff(_ bytes: [UInt8]) -> String {
        func ascii(_ range: Range<Int>) -> String? {
            guard bytes.count >= range.upperBound else { return nil }
            return String(decoding: bytes[range], as: UTF8.self)
        }
        if ascii(0..<4) == "RIFF" && ascii(8..<12) == "WAVE" { return "audio/wav" }
        if ascii(0..<4) == "OggS" { return "audio/ogg" }
        if ascii(4..<8) == "ftyp" { return "audio/mp4" }
        if ascii(0..<4) == "fLaC" { return "audio/flac" }
        if ascii(0..<3) == "ID3" || (bytes.count >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) { return "audio/mpeg" }
        return "application/octet-stream"
    }
}

/// Unwrapped content keys, per recording, for a few minutes; memory only.
final class ContentKeyCache: Sendable {
    private let entries = NIOLockedValueBox([UUID: (key: [UInt8], until: Date)]())
    static let lifetime: TimeInterval = 300

    func get(_ id: UUID) -> [UInt8]? {
        entries.withLockedValue { entries in
            guard let entry = entries[id], entry.until > Date() else { entries[id] = nil; return nil }
            return entry.key
        }
    }

    func put(_ id: UUID, _ key: [UInt8]) {
        entries.withLockedValue { entries in
            entries[id] = (key, Date().addingTimeInterval(Self.lifetime))
            if entries.count > 10_000 { entries = entries.filter { $0.value.until > Date() } }
        }
    }
}

/// Signed playback URLs: HMAC-SHA256 over the recording id and the expiry,
/// keyed by a secret derived from the keystore (so it survives restarts and
/// password changes, and dies with the keystore).
struct PlaybackURLSigner: Sendable {
    let key: SymmetricKey

    init(keystore: Keystore) throws {
        key = SymmetricKey(data: try keystore.secret(for: "playback-url"))
    }

    func signature(recording: UUID, expires: Int64) -> String {
        let message = Data("\(recording.uuidString.lowercased())\n\(expires)".utf8)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).map { String(format: "%02x", $0) }.joined()
    }

    func isValid(recording: UUID, expires: Int64, signature: String, now: Date = Date()) -> Bool {
        guard Int64(now.timeIntervalSince1970) <= expires else { return false }
        return BasicAuthenticator.constantTimeEqual(self.signature(recording: recording, expires: expires), signature.lowercased())
    }
}

extension Application {
    private struct ContentKeysKey: StorageKey { typealias Value = ContentKeyCache }
    private struct SignerKey: StorageKey { typealias Value = PlaybackURLSigner }

    /// Derived from the keystore once, at start.
    var playbackSigner: PlaybackURLSigner {
        get { storage[SignerKey.self]! }
        set { storage[SignerKey.self] = newValue }
    }

    var contentKeys: ContentKeyCache {
        if let cache = storage[ContentKeysKey.self] { return cache }
        let cache = ContentKeyCache()
        storage[ContentKeysKey.self] = cache
        return cache
    }
}
