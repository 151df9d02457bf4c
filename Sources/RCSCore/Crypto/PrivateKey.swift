internal import COpenSSL

/// An RSA private key, owned: the `EVP_PKEY*` is freed when this goes away.
/// Nothing here ever prints, logs or returns the key material.
public final class PrivateKey: @unchecked Sendable {
    // @unchecked Sendable: the key is immutable after loading; each operation
    // makes its own EVP_PKEY_CTX, so concurrent use is safe.
    let pointer: OpaquePointer
    /// How the key was stored where it came from.
    public let format: Format

    /// The stored forms of SPEC section 2.
    public enum Format: String, Sendable {
        case pkcs1PEM = "PKCS#1 RSA PEM (label RSA PRIVATE KEY)"
        case pkcs1PEMEncrypted = "PKCS#1 RSA PEM, legacy encryption (Proc-Type: 4,ENCRYPTED)"
        case pkcs8PEM = "PKCS#8 PEM (label PRIVATE KEY)"
        case pkcs8PEMEncrypted = "encrypted PKCS#8 PEM (label ENCRYPTED PRIVATE KEY)"
        case pkcs8DER = "PKCS#8 DER"
        case pkcs8DEREncrypted = "encrypted PKCS#8 DER"
        case pkcs1DER = "PKCS#1 RSA DER"

        public var isEncrypted: Bool {
            self == .pkcs1PEMEncrypted || self == .pkcs8PEMEncrypted || self == .pkcs8DEREncrypted
        }
    }

    init(taking pointer: OpaquePointer, format: Format) {
        self.pointer = pointer
        self.format = format
    }
    deinit { EVP_PKEY_free(pointer) }

    public var bits: Int { Int(EVP_PKEY_get_bits(pointer)) }
    public var keyType: String { Certificate.keyTypeName(pointer) }

    /// "RSA 2048-bit, encrypted PKCS#8 PEM (label ENCRYPTED PRIVATE KEY)": the seed's "Key Details".
    public var details: String { "\(keyType) \(bits)-bit, \(format.rawValue)" }

    /// Tells the stored format of a key without opening it.
    public static func detectFormat(_ bytes: [UInt8]) throws -> Format {
        if PEMBlock.looksLikePEM(bytes) {
            let blocks = PEMBlock.scan(bytes)
            guard let block = blocks.first(where: { $0.label.hasSuffix("PRIVATE KEY") }) else {
                let labels = blocks.map(\.label).joined(separator: ", ")
                throw RCSError(.wrongKind, "the PEM file holds no private key (found: \(labels.isEmpty ? "nothing readable" : labels))")
            }
            switch block.label {
            case "RSA PRIVATE KEY": return block.isEncrypted ? .pkcs1PEMEncrypted : .pkcs1PEM
            case "PRIVATE KEY": return .pkcs8PEM
            case "ENCRYPTED PRIVATE KEY": return .pkcs8PEMEncrypted
            default:
                throw RCSError(.unsupportedKeyType, "\(block.label) keys are not supported: recording keys must be RSA")
            }
        }
        // DER: PrivateKeyInfo / RSAPrivateKey start with an INTEGER version;
        // EncryptedPrivateKeyInfo starts with an AlgorithmIdentifier SEQUENCE.
        guard let outer = try? BERElement.parse(bytes), outer.identifier == 0x30,
              let first = try? outer.children().first else {
            throw RCSError(.notPEMOrDER, "not a private key: neither PEM text nor DER")
        }
        if first.identifier == 0x30 { return .pkcs8DEREncrypted }
        if first.identifier == 0x02 {
            let second = try? outer.children().dropFirst().first
            return second?.identifier == 0x30 ? .pkcs8DER : .pkcs1DER
        }
        throw RCSError(.notPEMOrDER, "not a private key: the DER structure is neither PKCS#8 nor PKCS#1")
    }

    /// Opens a private key in any format of SPEC section 2.
    /// - Throws: `passwordRequired`, `wrongPassword`, `unsupportedKeyType`, `notPEMOrDER`, `wrongKind`.
    public static func load(_ bytes: [UInt8], password: String?) throws -> PrivateKey {
        let format = try detectFormat(bytes)
        if format.isEncrypted && (password ?? "").isEmpty {
            throw RCSError(.passwordRequired, "the private key is encrypted: give its password")
        }
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer? = try withMemoryBIO(bytes) { bio in
            // A password for an unencrypted key is ignored, as openssl does.
            let pass = format.isEncrypted ? password : nil
            return withOptionalCString(pass) { pass in
                switch format {
                case .pkcs1PEM, .pkcs1PEMEncrypted, .pkcs8PEM, .pkcs8PEMEncrypted:
                    return rcs_PEM_read_bio_PrivateKey(bio, pass)
                case .pkcs8DEREncrypted:
                    return rcs_d2i_PKCS8PrivateKey_bio(bio, pass)
                case .pkcs8DER, .pkcs1DER:
                    return d2i_PrivateKey_bio(bio, nil)
                }
            }
        }
        guard let key else {
            if format.isEncrypted {
                throw OpenSSLErrorQueue.error(.wrongPassword, "the password does not open the private key (or the key file is damaged)")
            }
            throw OpenSSLErrorQueue.error(.notPEMOrDER, "the private key file is damaged")
        }
        OpenSSLErrorQueue.clear()
        let result = PrivateKey(taking: key, format: format)
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            throw RCSError(.unsupportedKeyType, "\(result.keyType) keys are not supported: recording keys must be RSA")
        }
        return result
    }

    public static func load(path: String, password: String?) throws -> PrivateKey {
        try load(readFile(path), password: password)
    }

    /// True when this key is the private half of the certificate's public key.
    public func matches(_ certificate: Certificate) -> Bool {
        guard let publicKey = X509_get0_pubkey(certificate.pointer) else { return false }
        let equal = EVP_PKEY_eq(publicKey, pointer) == 1
        OpenSSLErrorQueue.clear()
        return equal
    }

    /// True when both are the same key pair.
    public func isSameKey(as other: PrivateKey) -> Bool {
        let equal = EVP_PKEY_eq(pointer, other.pointer) == 1
        OpenSSLErrorQueue.clear()
        return equal
    }

    /// Fails with `keyMismatch` unless the key belongs to the certificate.
    public func checkMatches(_ certificate: Certificate) throws {
        guard matches(certificate) else {
            throw RCSError(.keyMismatch, "the private key does not belong to the certificate \"\(certificate.subjectName)\"")
        }
    }

    /// PBKDF2 iterations for keys written by RCS (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
    public static let defaultKDFIterations = 600_000

    /// Writes the key as encrypted PKCS#8 PEM: PBES2 with PBKDF2-HMAC-SHA256
    /// and AES-256-CBC, which `openssl pkey -passin` opens.
    public func encryptedPKCS8PEM(password: String, iterations: Int = PrivateKey.defaultKDFIterations) throws -> String {
        guard !password.isEmpty else { throw RCSError(.passwordRequired, "an empty password cannot protect a key") }
        guard let info = EVP_PKEY2PKCS8(pointer) else { throw OpenSSLErrorQueue.error(.internalError, "cannot encode the private key") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        let sealed: OpaquePointer? = password.withCString { pass in
            PKCS8_encrypt_ex(-1, EVP_aes_256_cbc(), pass, Int32(strlen(pass)), nil, 16, Int32(iterations), info, nil, nil)
        }
        guard let sealed else { throw OpenSSLErrorQueue.error(.internalError, "cannot encrypt the private key") }
        defer { X509_SIG_free(sealed) }
        let bytes = try collectMemoryBIO { bio in
            guard PEM_write_bio_PKCS8(bio, sealed) == 1 else {
                throw OpenSSLErrorQueue.error(.internalError, "cannot write the encrypted private key")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A fresh RSA key.
    public static func generateRSA(bits: Int = 2048) throws -> PrivateKey {
        guard let key = rcs_EVP_RSA_gen(UInt32(bits)) else { throw OpenSSLErrorQueue.error(.internalError, "cannot generate an RSA key") }
        return PrivateKey(taking: key, format: .pkcs8PEM)
    }

    /// A 32-byte secret derived from this key (HMAC-SHA256 over its DER, keyed
    /// by `label`), so data encrypted under it follows the key through
    /// keystore password changes, backups and restores.
    public func derivedSecret(label: String) throws -> [UInt8] {
        let der = derBytes { i2d_PrivateKey(pointer, &$0) }
        guard !der.isEmpty else { throw OpenSSLErrorQueue.error(.internalError, "cannot encode the private key") }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        let ok = Array(label.utf8).withUnsafeBytes { labelBytes in
            EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, labelBytes.baseAddress, labelBytes.count, der, der.count, &out, 32, &length)
        }
        guard ok != nil, length == 32 else { throw OpenSSLErrorQueue.error(.internalError, "cannot derive a secret") }
        return out
    }
}

func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
