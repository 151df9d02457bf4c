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

    /// Where the decrypt proxy may fetch from: URL prefixes, each for one tenant
    /// (the seeds' decrypt-uri-prefix). Nothing else is ever fetched.
    public var decryptLocations: [DecryptLocation] = []

    /// Largest WebDAV upload (a recording), 413 beyond.
    public var maxUploadBytes: Int64 = 8 << 30

    public init() {}

    public var databasePath: String { "\(dataDirectory)/rcs.sqlite" }
    public var storageDirectory: String { "\(dataDirectory)/storage" }
}

/// One place the decrypt proxy may fetch from.
public struct DecryptLocation: Sendable, Equatable {
    public let tenant: String
    public let prefix: URL

    /// Parses `RCS_DECRYPT_URI_PREFIXES`: `tenant=https://host/path/,other=http://...`.
    public static func parse(_ text: String) throws -> [DecryptLocation] {
        try text.split(separator: ",").map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let url = URL(string: parts[1]), let scheme = url.scheme?.lowercased(),
                  ["http", "https"].contains(scheme), url.host != nil, url.user == nil, url.query == nil,
                  parts[1].hasSuffix("/") else {
                throw DecryptLocationError(item: String(item))
            }
            return DecryptLocation(tenant: parts[0], prefix: url)
        }
    }
}

public struct DecryptLocationError: Error, CustomStringConvertible {
    public let item: String
    public var description: String {
        "RCS_DECRYPT_URI_PREFIXES: \"\(item)\" is not tenant=http(s)://host/path/ (a prefix ending in /, no credentials or query)"
    }
}
