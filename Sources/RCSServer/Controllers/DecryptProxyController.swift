import AsyncHTTPClient
import Fluent
import NIOCore
import RCSCore
import Vapor

/// `GET /rcs/api/v1/decrypt?uri=<storage uri>`: fetches an encrypted file
/// from a configured location (the seeds' decrypt-uri-prefix, for screen
/// recordings) and answers it decrypted. Only configured locations are ever
/// fetched, each for one tenant: any other scheme, host, port or path is
/// refused before a request is made, so the proxy cannot be pointed at
/// anything else (no server-side request forgery).
///
/// The remote file is spooled to an anonymous temporary file (bounded), and
/// decrypted into another; nothing is released unless decryption succeeded
/// (for AES-GCM: the tag verified).
struct DecryptProxyController: RouteCollection {
    static let timeout: TimeAmount = .seconds(60)

    func boot(routes: any RoutesBuilder) throws {
        routes.get("decrypt", use: decrypt)
    }

    func decrypt(_ request: Request) async throws -> Response {
        guard let principal = request.principal else {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "sign in with a player credential or an admin account")
        }
        guard let text = request.query[String.self, at: "uri"], text.count <= 4096 else {
            throw Problem.badRequest("uri-required", "give the encrypted file's URL in ?uri=", field: "uri")
        }
        let location = try Self.allowedLocation(text, principal: principal, locations: request.application.rcsConfiguration.decryptLocations)
        do {
            let response = try await fetchAndDecrypt(text, request)
            await request.audit.record("proxy.decrypt", tenant: location.tenant, target: text, detail: "\(response.headers.first(name: .contentLength) ?? "?") bytes")
            return response
        } catch {
            let detail = (error as? Problem)?.slug ?? (error as? RCSError)?.code.rawValue ?? "error"
            await request.audit.record("proxy.decrypt", outcome: "failure", tenant: location.tenant, target: text, detail: detail)
            throw error
        }
    }

    /// The configured location `uri` falls under, if the caller may use it.
    static func allowedLocation(_ uri: String, principal: Principal, locations: [DecryptLocation]) throws -> DecryptLocation {
        let refuse = Problem(.forbidden, "location-not-allowed", "Forbidden",
                             detail: "the proxy only fetches from the configured storage locations (RCS_DECRYPT_URI_PREFIXES)", field: "uri")
        guard let url = URLComponents(string: uri), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host?.lowercased(), url.user == nil, url.password == nil, url.fragment == nil else { throw refuse }
        let path = url.percentEncodedPath
        // No dot segments, encoded or not, and no encoded separators: the prefix test must mean what it says.
        let lowered = path.lowercased()
        guard !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }),
              !lowered.contains("%2e"), !lowered.contains("%2f"), !lowered.contains("%5c"), !path.contains("\\") else { throw refuse }
        for location in locations {
            let prefix = location.prefix
            let port = url.port ?? (scheme == "https" ? 443 : 80)
            let prefixPort = prefix.port ?? (prefix.scheme == "https" ? 443 : 80)
            guard scheme == prefix.scheme?.lowercased(), host == prefix.host?.lowercased(), port == prefixPort,
                  path.hasPrefix(URLComponents(url: prefix, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? "/") else { continue }
            if case let .credential(_, _, role, _, tenant) = principal {
                guard role == .player, tenant == location.tenant else { throw refuse }
            }
            return location
        }
        throw refuse
    }

    private func fetchAndDecrypt(_ uri: String, _ request: Request) async throws -> Response {
        let app = request.application
        let limit = app.rcsConfiguration.maxUploadBytes
        var outgoing = HTTPClientRequest(url: uri)
        outgoing.method = .GET
        let remote: HTTPClientResponse
        do {
            remote = try await app.http.client.shared.execute(outgoing, timeout: Self.timeout)
        } catch {
            throw Problem(.badGateway, "storage-unreachable", "Bad gateway", detail: "the storage location did not answer: \(error)")
        }
        guard remote.status == .ok else {
            throw Problem(.badGateway, "storage-error", "Bad gateway", detail: "the storage location answered \(remote.status.code)")
        }
        let encrypted = try TemporarySpool()
        var total: Int64 = 0
        for try await chunk in remote.body {
            total += Int64(chunk.readableBytes)
            guard total <= limit else { throw Problem(.payloadTooLarge, "too-large", "Payload too large", detail: "the remote file is larger than \(limit) bytes") }
            try await app.threadPool.runIfActive { try chunk.withUnsafeReadableBytes { try encrypted.write($0) } }
        }
        let keystore = app.keystore
        let (plain, contentType) = try await app.threadPool.runIfActive { () -> (TemporarySpool, String) in
            let input = try EnvelopeInput(BufferedReader(encrypted.source()))
            let reader = EnvelopeReader(input.der)
            let header = try reader.readHeader()
            let plain = try TemporarySpool()
            try keystore.decryptor(for: header).decrypt(reader) { try plain.write($0) }
            try input.finish()
            return (plain, PlaybackService.sniff(try plain.read(at: 0, count: 16)))
        }
        let size = plain.size
        let response = Response(status: .ok)
        response.headers.replaceOrAdd(name: .contentType, value: contentType)
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        let threadPool = app.threadPool
        response.body = .init(asyncStream: { writer in
            do {
                var offset: UInt64 = 0
                while offset < size {
                    let start = offset
                    let bytes = try await threadPool.runIfActive { try plain.read(at: start, count: 1 << 20) }
                    guard !bytes.isEmpty else { break }
                    try await writer.write(.buffer(ByteBuffer(bytes: bytes)))
                    offset += UInt64(bytes.count)
                }
                try await writer.write(.end)
            } catch {
                try? await writer.write(.error(error))
            }
        }, count: Int(size))
        return response
    }
}
