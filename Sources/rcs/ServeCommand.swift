import ArgumentParser
import Foundation
import RCSCore
import RCSServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: admin API, recorders' certificates (and later WebDAV and playback).",
        discussion: """
        Each option can also be set by its environment variable; a flag wins. \
        The keystore password comes from RCS_KEYSTORE_PASSWORD or the file named \
        by RCS_KEYSTORE_PASSWORD_FILE; on a first start without either, one is \
        generated into <data dir>/keystore.pass with a warning. The first start \
        creates the `admin` account (password from RCS_ADMIN_PASSWORD, else \
        generated, printed once and written to <data dir>/initial-admin-password). \
        Stops cleanly on SIGTERM or SIGINT.
        """
    )

    @Option(help: ArgumentHelp("Address to listen on [RCS_HOST, default 127.0.0.1].", valueName: "HOST"))
    var host: String?

    @Option(help: ArgumentHelp("Port [RCS_PORT, default 8080].", valueName: "PORT"))
    var port: Int?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Catalog database and generated secrets [RCS_DATA_DIR, default ./data].", valueName: "DIR"))
    var dataDirectory: String?

    @Option(name: .customLong("keystore"), help: ArgumentHelp("Keystore directory [RCS_KEYSTORE_DIR, default ./keystore].", valueName: "DIR"))
    var keystoreDirectory: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("PEM certificate chain for HTTPS [RCS_TLS_CERT].", valueName: "FILE"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key for HTTPS [RCS_TLS_KEY].", valueName: "FILE"))
    var tlsKey: String?

    func run() async throws {
        let configuration = try makeConfiguration()
        try await reportingErrorsAsync {
            try await RCSServerMain.run(configuration)
        }
    }

    /// Flags, else environment variables, else defaults.
    func makeConfiguration() throws -> ServerConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration = ServerConfiguration()
        configuration.environment = environment
        configuration.host = host ?? environment["RCS_HOST"] ?? configuration.host
        if let text = port.map(String.init) ?? environment["RCS_PORT"] {
            guard let value = Int(text), (0...65535).contains(value) else { throw ValidationError("port \(text) is not a TCP port number") }
            configuration.port = value
        }
        configuration.dataDirectory = dataDirectory ?? environment["RCS_DATA_DIR"] ?? configuration.dataDirectory
        configuration.keystoreDirectory = keystoreDirectory ?? environment["RCS_KEYSTORE_DIR"] ?? configuration.keystoreDirectory
        configuration.tlsCertificate = tlsCertificate ?? environment["RCS_TLS_CERT"]
        configuration.tlsKey = tlsKey ?? environment["RCS_TLS_KEY"]
        if let iterations = environment["RCS_KDF_ITERATIONS"].flatMap(Int.init) { configuration.kdfIterations = max(iterations, 1000) }
        if let cost = environment["RCS_BCRYPT_COST"].flatMap(Int.init) { configuration.bcryptCost = min(max(cost, 4), 31) }
        if let text = environment["RCS_MAX_UPLOAD_BYTES"] {
            guard let bytes = Int64(text), bytes > 0 else { throw ValidationError("RCS_MAX_UPLOAD_BYTES must be a positive number of bytes") }
            configuration.maxUploadBytes = bytes
        }
        if let text = environment["RCS_DECRYPT_URI_PREFIXES"], !text.isEmpty {
            do {
                configuration.decryptLocations = try DecryptLocation.parse(text)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        return configuration
    }
}
