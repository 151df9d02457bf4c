import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RCSCore
import Vapor

/// A profile's remote WebDAV destination (Apache mod_dav, nginx dav...):
/// listing with PROPFIND, whole downloads (to catalogue), and byte ranges
/// (to play), with the profile's Basic credentials and timeouts. Any
/// failure of the remote is a 502 that says what happened.
struct RemoteStorage: Sendable {
    let base: URL
    let authorization: String?
    let client: HTTPClient
    static let timeout: TimeAmount = .seconds(30)
    static let maxEntries = 10_000

    init(profile: RecordingProfile, keystore: Keystore, client: HTTPClient) throws {
        guard profile.storageKind == "webdav", let text = profile.remoteURL, let url = URL(string: text.hasSuffix("/") ? text : text + "/") else {
            throw Problem.badRequest("not-remote", "this profile stores recordings on this server, not on a remote WebDAV server")
        }
        base = url
        if let user = profile.remoteUsername {
            let password = try profile.remotePasswordSealed.map {
                String(decoding: try StreamCipher.openAESGCM(key: keystore.secret(for: ProfileController.secretPurpose), sealed: [UInt8]($0)), as: UTF8.self)
            } ?? ""
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        self.client = client
    }

    /// The URL of a path relative to the destination (each segment percent-encoded).
    func url(_ relative: String) -> String {
        base.absoluteString + relative.split(separator: "/").map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? String($0)
        }.joined(separator: "/")
    }

    private func request(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = []) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return request
    }

    static func failure(_ what: String) -> Problem {
        Problem(.badGateway, "remote-storage", "Bad gateway", detail: "the remote WebDAV storage \(what)")
    }

    /// Every file below the destination (relative paths and sizes), collection by collection.
    func list() async throws -> [(path: String, size: UInt64)] {
        var files: [(path: String, size: UInt64)] = []
        var pending = [""]
        // A hostile remote could list its collections in a cycle: each is walked once.
        var visited: Set<String> = []
        let basePath = base.path.hasSuffix("/") ? base.path : base.path + "/"
        while let collection = pending.popLast() {
            guard visited.insert(collection).inserted else { continue }
            guard visited.count <= Self.maxEntries else { throw Self.failure("holds more than \(Self.maxEntries) collections") }
            var propfind = request(.PROPFIND, url(collection) + (collection.isEmpty ? "" : "/"), headers: [("Depth", "1"), ("Content-Type", "application/xml")])
            propfind.body = .bytes(ByteBuffer(string: #"<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/></D:prop></D:propfind>"#))
            let response: HTTPClientResponse
            do { response = try await client.execute(propfind, timeout: Self.timeout) } catch { throw Self.failure("did not answer: \(error)") }
            guard response.status.code == 207 else { throw Self.failure("answered PROPFIND with \(response.status.code)") }
            let body = try await response.body.collect(upTo: DAVXML.maxBytes)
            let root = try DAVXML.parse([UInt8](buffer: body))
            for entry in root.children where entry.isDAV("response") {
                guard let href = entry.child(dav: "href")?.text, let decoded = URL(string: href)?.path ?? href.removingPercentEncoding else { continue }
                guard decoded.hasPrefix(basePath) else { continue }
                let relative = String(decoded.dropFirst(basePath.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                guard relative != collection, !relative.isEmpty else { continue }
                // A remote answer is input too: no dot segments may climb out of the destination.
                guard !relative.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { continue }
                let properties = entry.children.filter { $0.isDAV("propstat") }.compactMap { $0.child(dav: "prop") }
                let isCollection = properties.contains { $0.child(dav: "resourcetype")?.child(dav: "collection") != nil }
                if isCollection {
                    if !visited.contains(relative) { pending.append(relative) }
                } else {
                    let size = properties.compactMap { $0.child(dav: "getcontentlength").flatMap { UInt64($0.text) } }.first ?? 0
                    files.append((relative, size))
                }
                guard files.count + pending.count <= Self.maxEntries else { throw Self.failure("holds more than \(Self.maxEntries) entries") }
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// A whole file into a spool (bounded).
    func download(_ relative: String, into spool: TemporarySpool, limit: Int64, threadPool: NIOThreadPool) async throws {
        let response: HTTPClientResponse
        do { response = try await client.execute(request(.GET, url(relative)), timeout: Self.timeout) } catch { throw Self.failure("did not answer: \(error)") }
        guard response.status == .ok else { throw Self.failure("answered GET \(relative) with \(response.status.code)") }
        var total: Int64 = 0
        for try await chunk in response.body {
            total += Int64(chunk.readableBytes)
            guard total <= limit else { throw Self.failure("sent more than \(limit) bytes for \(relative)") }
            try await threadPool.runIfActive { try chunk.withUnsafeReadableBytes { try spool.write($0) } }
        }
    }

    /// Ciphertext by HTTP Range, for the range reader (called from the thread pool).
    struct RangeSource: CiphertextSource {
        let storage: RemoteStorage
        let relative: String

        func read(offset: UInt64, length: UInt64) throws -> [UInt8] {
            var request = try HTTPClient.Request(url: storage.url(relative), method: .GET)
            if let authorization = storage.authorization { request.headers.add(name: "Authorization", value: authorization) }
            request.headers.add(name: "Range", value: "bytes=\(offset)-\(offset + length - 1)")
            let response: HTTPClient.Response
            do {
                response = try storage.client.execute(request: request, deadline: .now() + RemoteStorage.timeout).wait()
            } catch {
                throw RemoteStorage.failure("did not answer: \(error)")
            }
            guard response.status == .partialContent, let body = response.body, body.readableBytes == Int(length) else {
                throw RemoteStorage.failure("answered a range request with \(response.status.code)")
            }
            return [UInt8](buffer: body)
        }
    }
}
