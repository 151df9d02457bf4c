import Foundation

/// Everything `rcs serve` is told: flags, else environment variables, else defaults.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./data"
    public var keystoreDirectory = "./keystore"
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// The environment, for the keystore and admin passwords.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// PBKDF2 iterations for keys written to the keystore.
    public var kdfIterations = 600_000
    /// bcrypt cost for admin passwords.
    public var bcryptCost = 12
    /// Largest request body the admin API collects (uploads are small PEM/DER files).
    public var maxBodyBytes = 1 << 20

    /// Largest WebDAV upload (a recording), 413 beyond.
    public var maxUploadBytes: Int64 = 8 << 30

    public init() {}

    public var databasePath: String { "\(dataDirectory)/rcs.sqlite" }
    public var storageDirectory: String { "\(dataDirectory)/storage" }
}
