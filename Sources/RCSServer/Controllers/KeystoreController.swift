import Vapor

/// `GET /api/v1/keystore/export`: a backup archive. Keys stay encrypted under
/// the keystore password; the export is audited.
struct KeystoreController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("keystore", "export", use: export)
    }

    func export(_ request: Request) async throws -> Response {
        let archive = try request.keystore.exportArchive()
        await request.audit.record("keystore.export", detail: "\(archive.utf8.count) bytes")
        let response = Response(status: .ok, body: .init(string: archive))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "x-pem-file")
        let name = "rcs-keystore-\(ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")).pem"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
