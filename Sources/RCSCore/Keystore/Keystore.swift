#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The keystore (SPEC section 3): a directory of PEM files only.
///
/// ```
/// keystore/
///   keystore.key.pem          the keystore's own key: proves the password, and seeds
///                             the secrets RCS keeps in its database (remote credentials)
///   <sha256>.cert.pem         a recording certificate, in clear
///   <sha256>.key.pem          its private key: encrypted PKCS#8 (PBES2, PBKDF2-HMAC-SHA256,
///                             AES-256-CBC) under the keystore password
///   <sha256>.chain.pem        intermediates that came with the upload, if any
///   trust/<sha256>.pem        trusted CA certificates (TrustStore)
/// ```
///
/// `<sha256>` is the certificate's SHA-256 fingerprint. The directory is
/// 0700 and files are 0600. `openssl pkey -in X.key.pem -passin pass:...`
/// opens any key without RCS. One process at a time writes: the directory is
/// locked (flock) for the keystore's lifetime.
public final class Keystore: @unchecked Sendable {
    // @unchecked Sendable: mutable state (the key cache) is guarded by `lock`;
    // files are written atomically (temp, fsync, rename).
    public let directory: String
    /// Guarded by `lock`: it changes with `changePassword`.
    var password: String {
        get { lock.withLock { _password } }
        set { lock.withLock { _password = newValue } }
    }
    private var _password: String
    let kdfIterations: Int
    private let lockDescriptor: Int32
    private let lock = NSLock()
    private var keyCache: [String: PrivateKey] = [:]
    /// The entries, read once from their files and dropped on add/remove.
    private var entryCache: [Entry]?
    /// The keystore's own key, opened at start (replaced only by a restore into an empty keystore).
    var keystoreKey: PrivateKey {
        get { lock.withLock { _keystoreKey } }
        set { lock.withLock { _keystoreKey = newValue } }
    }
    private var _keystoreKey: PrivateKey

    static let keystoreKeyFile = "keystore.key.pem"
    static let nextSuffix = ".next"

    /// Opens (or creates) the keystore at `directory` with `password`.
    /// - Throws: `wrongPassword` when the password does not open the keystore
    ///   (nothing is touched then); `io` when another process holds it.
    /// - Parameter create: make a new keystore when there is none (`rcs serve`); when
    ///   false, a missing keystore is an error (a mistyped path must not create one).
    public init(directory: String, password: String, kdfIterations: Int = PrivateKey.defaultKDFIterations,
                create: Bool = true) throws {
        guard !password.isEmpty else { throw RCSError(.passwordRequired, "the keystore password is empty") }
        if !create && !FileManager.default.fileExists(atPath: "\(directory)/\(Self.keystoreKeyFile)") {
            throw RCSError(.io, "there is no keystore at \(directory) (no \(Self.keystoreKeyFile)): check --keystore or RCS_KEYSTORE_DIR")
        }
        self.directory = directory
        self._password = password
        self.kdfIterations = kdfIterations
        try Self.makeDirectory(directory)
        try Self.makeDirectory(directory + "/" + TrustStore.subdirectory)
        lockDescriptor = try Self.lockDirectory(directory)
        do {
            _keystoreKey = try Self.openKeystoreKey(directory: directory, password: password, iterations: kdfIterations)
        } catch {
            close(lockDescriptor)
            throw error
        }
    }

    deinit { close(lockDescriptor) }

    // MARK: Entries

    /// A recording certificate in the keystore.
    public struct Entry: Sendable {
        public let fingerprint: String
        public let certificate: Certificate
        /// Intermediates stored with it.
        public let chain: [Certificate]
        public let hasKey: Bool
    }

    /// Every recording certificate, by fingerprint order.
    public func entries() throws -> [Entry] {
        if let cached = lock.withLock({ entryCache }) { return cached }
        let entries = try fingerprints().map { try entry($0) }
        lock.withLock { entryCache = entries }
        return entries
    }

    /// The stored certificate an envelope is for: the first entry named by one
    /// of its recipients (expired certificates included: they open old recordings).
    /// - Throws: `noMatchingRecipient`, naming the recipients looked for.
    public func entry(forRecipientsOf header: EnvelopeHeader) throws -> Entry {
        guard let entry = try entries().first(where: { entry in header.recipients.contains { $0.names(entry.certificate) } }) else {
            throw RCSError(.noMatchingRecipient, "no private key in the keystore opens this envelope; it is for: " +
                           header.recipients.map(\.summary).joined(separator: "; "))
        }
        return entry
    }

    /// The content key of an envelope, unwrapped with the matching stored key.
    public func contentKey(for header: EnvelopeHeader) throws -> [UInt8] {
        let entry = try entry(forRecipientsOf: header)
        return try EnvelopeDecryptor(key: privateKey(entry.fingerprint), certificate: entry.certificate).contentKey(for: header)
    }

    /// A decryptor for an envelope, with the matching stored key.
    public func decryptor(for header: EnvelopeHeader) throws -> EnvelopeDecryptor {
        let entry = try entry(forRecipientsOf: header)
        return try EnvelopeDecryptor(key: privateKey(entry.fingerprint), certificate: entry.certificate)
    }

    public func entry(_ fingerprint: String) throws -> Entry {
        try Self.checkFingerprint(fingerprint)
        let path = path(fingerprint, .certificate)
        guard FileManager.default.fileExists(atPath: path) else {
            throw RCSError(.io, "no certificate \(fingerprint) in the keystore")
        }
        let chainPath = self.path(fingerprint, .chain)
        let chain = FileManager.default.fileExists(atPath: chainPath) ? try Certificate.load(path: chainPath) : []
        return Entry(fingerprint: fingerprint, certificate: try Certificate.load(path: path)[0], chain: chain,
                     hasKey: FileManager.default.fileExists(atPath: self.path(fingerprint, .key)))
    }

    /// Fingerprints of the stored certificates.
    public func fingerprints() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(FileKind.certificate.suffix) }
            .map { String($0.dropLast(FileKind.certificate.suffix.count)) }
            .filter { Self.isFingerprint($0) }
            .sorted()
    }

    /// Stores a certificate with its private key (encrypted under the keystore
    /// password) and optional intermediates. Returns the fingerprint.
    @discardableResult
    public func add(certificate: Certificate, key: PrivateKey, chain: [Certificate] = []) throws -> String {
        try key.checkMatches(certificate)
        let fingerprint = certificate.sha256Fingerprint
        guard !FileManager.default.fileExists(atPath: path(fingerprint, .certificate)) else {
            throw KeystoreError.duplicate(fingerprint)
        }
        let keyPEM = try key.encryptedPKCS8PEM(password: password, iterations: kdfIterations)
        // Key first: a certificate never appears without its key.
        try Self.writeFile(path(fingerprint, .key), keyPEM)
        if !chain.isEmpty { try Self.writeFile(path(fingerprint, .chain), chain.map(\.pem).joined()) }
        try Self.writeFile(path(fingerprint, .certificate), certificate.pem)
        lock.withLock {
            keyCache[fingerprint] = key
            entryCache = nil
        }
        return fingerprint
    }

    /// Removes a certificate, its key and its chain.
    public func remove(_ fingerprint: String) throws {
        try Self.checkFingerprint(fingerprint)
        guard FileManager.default.fileExists(atPath: path(fingerprint, .certificate)) else {
            throw RCSError(.io, "no certificate \(fingerprint) in the keystore")
        }
        // Certificate first: a key without its certificate is harmless and re-importable.
        for kind in [FileKind.certificate, .chain, .key] {
            let path = path(fingerprint, kind)
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        }
        Self.syncDirectory(directory)
        lock.withLock {
            _ = keyCache.removeValue(forKey: fingerprint)
            entryCache = nil
        }
    }

    /// The private key of a stored certificate, opened once and kept in memory.
    public func privateKey(_ fingerprint: String) throws -> PrivateKey {
        try Self.checkFingerprint(fingerprint)
        if let cached = lock.withLock({ keyCache[fingerprint] }) { return cached }
        let key = try PrivateKey.load(path: path(fingerprint, .key), password: password)
        lock.withLock { keyCache[fingerprint] = key }
        return key
    }

    /// A 32-byte secret for encrypting data RCS keeps elsewhere (database
    /// fields); it survives password changes and backups with the keystore.
    public func secret(for purpose: String) throws -> [UInt8] {
        try keystoreKey.derivedSecret(label: "rcs:\(purpose)")
    }

    // MARK: Files

    enum FileKind {
        case certificate, key, chain
        var suffix: String {
            switch self {
            case .certificate: return ".cert.pem"
            case .key: return ".key.pem"
            case .chain: return ".chain.pem"
            }
        }
    }

    func path(_ fingerprint: String, _ kind: FileKind) -> String { "\(directory)/\(fingerprint)\(kind.suffix)" }

    /// True for 64 lowercase hex digits: the form of certificate ids and file names.
    public static func isFingerprintString(_ name: String) -> Bool { isFingerprint(name) }

    static func isFingerprint(_ name: String) -> Bool {
        name.count == 64 && name.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func checkFingerprint(_ name: String) throws {
        guard isFingerprint(name) else { throw RCSError(.wrongKind, "not a certificate fingerprint: expected 64 lowercase hex digits") }
    }

    static func makeDirectory(_ path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        chmod(path, 0o700)
    }

    /// Writes `text` to `path` atomically with mode 0600.
    static func writeFile(_ path: String, _ text: String) throws {
        let out = try AtomicOutput(path: path, mode: 0o600)
        try out.write(Array(text.utf8))
        try out.commit()
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Takes an exclusive lock on the directory for this process's lifetime.
    private static func lockDirectory(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RCSError(.io, "cannot open the keystore \(path): \(String(cString: strerror(errno)))") }
        // A process forked at this moment shares the lock until its exec closes the
        // descriptor: wait a little before concluding someone else holds it.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 && attempts < 20 {
            attempts += 1
            usleep(50_000)
        }
        guard attempts < 20 else {
            close(fd)
            throw RCSError(.io, "the keystore \(path) is in use by another rcs process (a running `rcs serve`?): stop it first")
        }
        return fd
    }

    /// Opens the keystore key, creating it in a new keystore, and finishes or
    /// rolls back an interrupted password change.
    private static func openKeystoreKey(directory: String, password: String, iterations: Int) throws -> PrivateKey {
        let path = "\(directory)/\(keystoreKeyFile)"
        if !FileManager.default.fileExists(atPath: path) && !FileManager.default.fileExists(atPath: path + nextSuffix) {
            let existing = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(FileKind.key.suffix) }
            guard existing.isEmpty else {
                throw RCSError(.wrongKind, "the keystore \(directory) has keys but no \(keystoreKeyFile): it was not made by this version of RCS, or that file was deleted")
            }
            let key = try PrivateKey.generateRSA(bits: 2048)
            try writeFile(path, try key.encryptedPKCS8PEM(password: password, iterations: iterations))
            return key
        }
        return try recoverPasswordChange(directory: directory, password: password)
    }
}

/// Keystore failures the API maps to HTTP answers.
public enum KeystoreError: Error, Sendable, CustomStringConvertible {
    case duplicate(String)

    public var description: String {
        switch self {
        case let .duplicate(fingerprint): return "the certificate \(fingerprint) is already in the keystore"
        }
    }
}
