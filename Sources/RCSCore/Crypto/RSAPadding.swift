internal import COpenSSL

/// How a content key is wrapped for an RSA recipient.
public enum RSAPadding: Sendable, Equatable, CustomStringConvertible {
    /// RSAES-PKCS1-v1_5 (rsaEncryption), the default of openssl and of seed 001's archives.
    case pkcs1
    /// RSAES-OAEP with a hash, an MGF1 hash and a label (usually empty).
    case oaep(hash: String, mgf1Hash: String, label: [UInt8])

    /// OAEP with SHA-256 for both hashes: what `rcs encrypt --oaep` writes.
    public static let oaepSHA256 = RSAPadding.oaep(hash: "SHA256", mgf1Hash: "SHA256", label: [])

    public var description: String {
        switch self {
        case .pkcs1: return "RSA PKCS#1 v1.5"
        case let .oaep(hash, mgf1, label):
            return "RSA-OAEP (\(hash), MGF1-\(mgf1)\(label.isEmpty ? "" : ", with label"))"
        }
    }

    /// Sets the padding on an EVP_PKEY_CTX after encrypt_init/decrypt_init.
    func configure(_ ctx: OpaquePointer) throws {
        switch self {
        case .pkcs1:
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 else {
                throw OpenSSLErrorQueue.error(.internalError, "cannot set PKCS#1 padding")
            }
        case let .oaep(hash, mgf1Hash, label):
            guard let md = EVP_get_digestbyname(hash), let mgf1 = EVP_get_digestbyname(mgf1Hash) else {
                throw RCSError(.unsupportedAlgorithm, "RSA-OAEP with \(hash)/MGF1-\(mgf1Hash) is not supported")
            }
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1,
                  EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1,
                  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mgf1) == 1 else {
                throw OpenSSLErrorQueue.error(.internalError, "cannot set OAEP padding")
            }
            if !label.isEmpty {
                // OpenSSL takes ownership of the label buffer.
                guard let copy = CRYPTO_malloc(label.count, #fileID, #line) else {
                    throw RCSError(.internalError, "out of memory")
                }
                label.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: label.count) }
                guard EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, copy, Int32(label.count)) == 1 else {
                    CRYPTO_free(copy, #fileID, #line)
                    throw OpenSSLErrorQueue.error(.internalError, "cannot set the OAEP label")
                }
            }
        }
    }
}

extension PrivateKey {
    /// RSA decryption of a wrapped key. Throws `decryptionFailed` on any
    /// padding or length error, with no detail that could serve as an oracle.
    public func decrypt(_ ciphertext: [UInt8], padding: RSAPadding) throws -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new(pointer, nil) else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot create a key context")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_decrypt_init(ctx) == 1 else { throw OpenSSLErrorQueue.error(.internalError, "cannot start RSA decryption") }
        try padding.configure(ctx)
        var length = 0
        guard EVP_PKEY_decrypt(ctx, nil, &length, ciphertext, ciphertext.count) == 1 else {
            OpenSSLErrorQueue.clear()
            throw RCSError(.decryptionFailed, "the wrapped key does not decrypt")
        }
        var output = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_decrypt(ctx, &output, &length, ciphertext, ciphertext.count) == 1 else {
            OpenSSLErrorQueue.clear()
            throw RCSError(.decryptionFailed, "the wrapped key does not decrypt")
        }
        return Array(output.prefix(length))
    }
}

extension Certificate {
    /// RSA encryption of a content key to this certificate's public key.
    public func encrypt(_ plaintext: [UInt8], padding: RSAPadding) throws -> [UInt8] {
        guard let key = X509_get0_pubkey(pointer), EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            throw RCSError(.unsupportedKeyType, "certificate \"\(subjectName)\" has a \(publicKeyType) key: recipients must be RSA")
        }
        guard let ctx = EVP_PKEY_CTX_new(key, nil) else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot create a key context")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_encrypt_init(ctx) == 1 else { throw OpenSSLErrorQueue.error(.internalError, "cannot start RSA encryption") }
        try padding.configure(ctx)
        var length = 0
        guard EVP_PKEY_encrypt(ctx, nil, &length, plaintext, plaintext.count) == 1 else {
            throw OpenSSLErrorQueue.error(.internalError, "RSA encryption failed")
        }
        var output = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_encrypt(ctx, &output, &length, plaintext, plaintext.count) == 1 else {
            throw OpenSSLErrorQueue.error(.internalError, "RSA encryption failed")
        }
        return Array(output.prefix(length))
    }
}

/// Cryptographically strong random bytes from OpenSSL's DRBG.
public func randomBytes(_ count: Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    guard RAND_bytes(&bytes, Int32(count)) == 1 else {
        throw OpenSSLErrorQueue.error(.internalError, "the random generator failed")
    }
    return bytes
}
