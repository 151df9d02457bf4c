#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOSSL
import RCSCore
import Vapor

/// Runs the server until SIGTERM or SIGINT, then shuts down cleanly.
///
/// The public port belongs to `FrontServer` (which answers `Expect:
/// 100-continue` and terminates TLS); Vapor listens on a Unix socket in a
/// private (0700) temporary directory behind it.
public enum RCSServerMain {
    public static func run(_ configuration: ServerConfiguration) async throws {
        var environment = Environment(name: "production", arguments: ["rcs"])
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        var socketDirectory: String?
        var front: Channel?
        do {
            try await configure(app, configuration)
            let directory = try makePrivateDirectory()
            socketDirectory = directory
            let socket = "\(directory)/http.sock"
            app.http.server.configuration.address = .unixDomainSocket(path: socket)
            app.http.server.configuration.tlsConfiguration = nil
            let tls = try app.publicTLS.map { try NIOSSLContext(configuration: $0) }
            front = try await FrontServer.start(host: configuration.host, port: configuration.port, tls: tls,
                                                backend: try SocketAddress(unixDomainSocketPath: socket),
                                                group: app.eventLoopGroup, logger: app.logger)
            app.logger.notice("RCS listening on \(tls == nil ? "http" : "https")://\(configuration.host):\(configuration.port)")
            try await app.execute()
        } catch {
            try? await front?.close()
            try? await app.asyncShutdown()
            if let socketDirectory { try? FileManager.default.removeItem(atPath: socketDirectory) }
            throw error
        }
        try? await front?.close()
        try await app.asyncShutdown()
        if let socketDirectory { try? FileManager.default.removeItem(atPath: socketDirectory) }
    }

    /// Re-indexes every tenant's storage from scratch (`rcs catalog rebuild`);
    /// returns the number of recordings per tenant.
    public static func rebuildCatalog(_ configuration: ServerConfiguration) async throws -> [(tenant: String, recordings: Int)] {
        let app = try await Application.make(Environment(name: "production", arguments: ["rcs"]))
        do {
            try await configure(app, configuration, notices: { print($0) })
            var result: [(String, Int)] = []
            for tenant in try await Tenant.query(on: app.db).sort(\.$name).all() {
                let indexer = RecordingIndexer(db: app.db, store: app.davStore, threadPool: app.threadPool, logger: app.logger)
                result.append((tenant.name, try await indexer.rebuild(tenant: tenant)))
            }
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// A new 0700 directory for the application's socket.
    static func makePrivateDirectory() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/rcs-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw RCSError(.io, "cannot create a private directory in \(base)")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
