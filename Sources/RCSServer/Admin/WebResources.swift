import Foundation
import Vapor

/// Where the admin pages' `Templates/` and `Public/` are: `RCS_WEB_DIR`, else
/// the working directory, else the nearest folder above the executable that
/// has them (a checkout running `.build/debug/rcs`), else `<prefix>/share/rcs`.
enum WebResources {
    static func directory(environment: [String: String]) throws -> String {
        var candidates: [String] = []
        if let given = environment["RCS_WEB_DIR"], !given.isEmpty { candidates.append(given) }
        candidates.append(FileManager.default.currentDirectoryPath)
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
            candidates.append(folder.deletingLastPathComponent().appendingPathComponent("share/rcs").path)
            while folder.path != "/" {
                candidates.append(folder.path)
                folder = folder.deletingLastPathComponent()
            }
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: "\(candidate)/Templates/layout.leaf") {
            return URL(fileURLWithPath: candidate).standardizedFileURL.path
        }
        throw Abort(.internalServerError, reason: "the admin pages' Templates/ folder was not found (looked in \(candidates.prefix(3).joined(separator: ", ")), ...): set RCS_WEB_DIR to the folder that holds Templates/ and Public/")
    }
}

/// The files of `Public/` (CSS, JS, icons), read once at start and served
/// from memory under `/admin/assets/<name>`: nothing else on disk is reachable.
struct AdminAssets: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: HTTPMediaType
        let etag: String
    }

    let files: [String: Asset]

    init(directory: String) throws {
        var files: [String: Asset] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        where !name.hasPrefix(".") && name.range(of: "^[A-Za-z0-9._-]+$", options: .regularExpression) != nil {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
            let ext = (name as NSString).pathExtension
            let type = HTTPMediaType.fileExtension(ext) ?? .binary
            let digest = bytes.reduce(into: UInt64(14_695_981_039_346_656_037)) { $0 = ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
            files[name] = Asset(bytes: bytes, contentType: type, etag: "\"\(String(digest, radix: 16))\"")
        }
        self.files = files
    }

    func respond(_ request: Request) throws -> Response {
        guard let name = request.parameters.get("asset"), let asset = files[name] else {
            throw Problem.notFound("asset")
        }
        if request.headers.first(name: .ifNoneMatch) == asset.etag {
            return Response(status: .notModified)
        }
        var headers = HTTPHeaders()
        headers.contentType = asset.contentType
        headers.replaceOrAdd(name: .eTag, value: asset.etag)
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(data: Data(asset.bytes)))
    }
}
