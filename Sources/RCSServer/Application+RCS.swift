import RCSCore
import Vapor

/// RCS's services on the Vapor application, through storage keys.
extension Application {
    private struct ConfigurationKey: StorageKey { typealias Value = ServerConfiguration }
    private struct KeystoreKey: StorageKey { typealias Value = Keystore }
    private struct AdminCacheKey: StorageKey { typealias Value = CredentialCache }
    private struct PublicTLSKey: StorageKey { typealias Value = TLSConfiguration }

    /// HTTPS settings for the public listener, when --tls-cert/--tls-key are given.
    var publicTLS: TLSConfiguration? {
        get { storage[PublicTLSKey.self] }
        set { storage[PublicTLSKey.self] = newValue }
    }

    var rcsConfiguration: ServerConfiguration {
        get { storage[ConfigurationKey.self]! }
        set { storage[ConfigurationKey.self] = newValue }
    }

    var keystore: Keystore {
        get { storage[KeystoreKey.self]! }
        set { storage[KeystoreKey.self] = newValue }
    }

    var trustStore: TrustStore { TrustStore(keystore: keystore) }

    /// Recently verified admin passwords, so bcrypt runs once per few minutes, not per request.
    var adminCache: CredentialCache {
        if let cache = storage[AdminCacheKey.self] { return cache }
        let cache = CredentialCache()
        storage[AdminCacheKey.self] = cache
        return cache
    }

    var certificateManager: CertificateManager { CertificateManager(keystore: keystore) }
}

extension Request {
    /// The client's address: the front's header on the private socket, else the peer's.
    var clientAddress: String? {
        if remoteAddress?.port == nil || remoteAddress?.ipAddress == nil,
           let forwarded = headers.first(name: FrontServer.clientAddressHeader) {
            return forwarded
        }
        return remoteAddress?.ipAddress
    }

    var keystore: Keystore { application.keystore }
    var certificateManager: CertificateManager { application.certificateManager }
    var audit: Auditor { Auditor(request: self) }
}
