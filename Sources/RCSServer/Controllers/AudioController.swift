import Fluent
import RCSCore
import Vapor

/// `GET /rcs/api/v1/recordings/{id}/audio`: the decrypted audio, streamed,
/// with Range (a range decrypts only its own blocks). Players of the
/// recording's tenant, admins, or anyone holding a valid signed URL for this
/// one recording. Every request is audited: who, which recording, range, bytes sent.
/// `POST /rcs/api/v1/recordings/{id}/playback-url` makes such a URL.
struct AudioController: RouteCollection {
    static let defaultURLLifetime: Int64 = 300
    static let maxURLLifetime: Int64 = 3600

    func boot(routes: any RoutesBuilder) throws {
        routes.get("recordings", ":recordingID", "audio", use: audio)
        routes.post("recordings", ":recordingID", "playback-url", use: playbackURL)
    }

    /// The recording, if the caller (or the URL's signature) may play it.
    func authorizedRecording(_ request: Request) async throws -> (Recording, String) {
        guard let id = request.parameters.get("recordingID", as: UUID.self) else {
            throw Problem.notFound("recording \(request.parameters.get("recordingID")?.prefix(64) ?? "")")
        }
        if request.principal == nil, let expires = request.query[Int64.self, at: "expires"],
           let signature = request.query[String.self, at: "signature"] {
            guard request.application.playbackSigner.isValid(recording: id, expires: expires, signature: signature) else {
                throw Problem(.forbidden, "invalid-signature", "Forbidden", detail: "this playback URL is not valid for this recording, or it has expired")
            }
            guard let recording = try await Recording.query(on: request.db).filter(\.$id == id).with(\.$tenant).first() else {
                throw Problem.notFound("recording \(id)")
            }
            return (recording, recording.tenant.name)
        }
        let scope = try await RecordingController.tenantScope(request)
        guard let recording = try await Recording.query(on: request.db).filter(\.$id == id).with(\.$tenant).first(),
              scope == nil || recording.$tenant.id == scope else {
            throw Problem.notFound("recording \(id)")
        }
        return (recording, recording.tenant.name)
    }

    func audio(_ request: Request) async throws -> Response {
        let (recording, tenant) = try await authorizedRecording(request)
        let target = recording.path
        let session: PlaybackService.Session
        do {
            session = try await PlaybackService(request: request).open(recording, tenant: tenant)
        } catch {
            let detail = (error as? Problem)?.slug ?? (error as? RCSError)?.code.rawValue ?? "error"
            await request.audit.record("recording.play", outcome: "failure", tenant: tenant, target: target, detail: detail)
            throw error
        }
        var range: Range<UInt64> = 0..<session.length
        var status = HTTPResponseStatus.ok
        if let header = request.headers.first(name: .range) {
            switch ByteRange.parse(header, size: Int64(session.length)) {
            case let .satisfiable(requested):
                range = UInt64(requested.lowerBound)..<UInt64(requested.upperBound)
                status = .partialContent
            case .unsatisfiable:
                await request.audit.record("recording.play", outcome: "failure", tenant: tenant, target: target, detail: "unsatisfiable range \(header.prefix(64))")
                let response = Response(status: .rangeNotSatisfiable)
                response.headers.replaceOrAdd(name: .contentRange, value: "bytes */\(session.length)")
                return response
            case .ignored:
                break
            }
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: session.contentType)
        headers.replaceOrAdd(name: .acceptRanges, value: "bytes")
        headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        if status == .partialContent {
            headers.replaceOrAdd(name: .contentRange, value: "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(session.length)")
        }
        let response = Response(status: status, headers: headers)
        if request.method == .HEAD {
            response.headers.replaceOrAdd(name: .contentLength, value: String(range.count))
            return response
        }
        let threadPool = request.application.threadPool
        let rangeText = status == .partialContent ? "bytes \(range.lowerBound)-\(range.upperBound - 1)" : "whole"
        let bytesToSend = range
        let pieceSize: UInt64 = 1 << 20
        /// One piece, decrypted in place in the buffer that is sent.
        @Sendable func piece(_ start: UInt64) async throws -> ByteBuffer {
            let end = min(bytesToSend.upperBound, start + pieceSize)
            return try await threadPool.runIfActive { () -> ByteBuffer in
                let reader = session.reader
                let capacity = reader.capacity(for: start..<end)
                var buffer = ByteBufferAllocator().buffer(capacity: capacity)
                var skip = 0
                try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { pointer in
                    skip = try reader.decrypt(start..<end, into: UnsafeMutableRawBufferPointer(rebasing: pointer[..<capacity]))
                    return capacity
                }
                return buffer.getSlice(at: buffer.readerIndex + skip, length: Int(end - start))!
            }
        }
        // The first piece before answering: a storage that fails is a 502, not a cut-off stream.
        let first: ByteBuffer?
        do {
            first = bytesToSend.isEmpty ? nil : try await piece(bytesToSend.lowerBound)
        } catch {
            let detail = (error as? Problem)?.slug ?? (error as? RCSError)?.code.rawValue ?? "error"
            await request.audit.record("recording.play", outcome: "failure", tenant: tenant, target: target, detail: detail)
            throw error
        }
        response.body = .init(asyncStream: { writer in
            var sent: UInt64 = 0
            var outcome = "success"
            do {
                var position = bytesToSend.lowerBound
                while position < bytesToSend.upperBound {
                    let next = position == bytesToSend.lowerBound && first != nil ? first! : try await piece(position)
                    try await writer.write(.buffer(next))
                    sent += UInt64(next.readableBytes)
                    position += UInt64(next.readableBytes)
                }
                try await writer.write(.end)
            } catch {
                outcome = "failure"
                try? await writer.write(.error(error))
            }
            await request.audit.record("recording.play", outcome: outcome, tenant: tenant, target: target,
                                       detail: "\(rangeText); \(sent) bytes sent")
        }, count: Int(range.count))
        return response
    }

    struct PlaybackURL: Content {
        let url: String
        let expiresAt: Date
    }

    func playbackURL(_ request: Request) async throws -> PlaybackURL {
        guard request.principal != nil else {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "sign in with a player credential or an admin account")
        }
        let (recording, tenant) = try await authorizedRecording(request)
        let lifetime = min(Self.maxURLLifetime, max(1, request.query[Int64.self, at: "lifetime"] ?? Self.defaultURLLifetime))
        let expires = Int64(Date().timeIntervalSince1970) + lifetime
        let id = try recording.requireID()
        let signature = request.application.playbackSigner.signature(recording: id, expires: expires)
        await request.audit.record("recording.playback-url", tenant: tenant, target: recording.path, detail: "valid \(lifetime) s")
        return PlaybackURL(url: "/rcs/api/v1/recordings/\(id.uuidString.lowercased())/audio?expires=\(expires)&signature=\(signature)",
                           expiresAt: Date(timeIntervalSince1970: TimeInterval(expires)))
    }
}
