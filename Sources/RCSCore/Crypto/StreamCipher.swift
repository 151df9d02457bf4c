internal import COpenSSL

/// A symmetric cipher run chunk by chunk over an `EVP_CIPHER_CTX`, so the
/// content of a recording of any size passes through fixed-size buffers.
public final class StreamCipher {
    private let ctx: OpaquePointer
    private let cipher: OpaquePointer
    public let isAEAD: Bool
    public let blockSize: Int
    /// OpenSSL 3.0's GCM provider holds at most 128 nonce bytes.
    public static let maxGCMNonce = 128

    /// - Parameters:
    ///   - name: an OpenSSL cipher name such as "AES-256-CBC" or "AES-128-GCM".
    ///   - encrypting: true to encrypt, false to decrypt.
    /// - Parameter padding: PKCS#7 padding for block modes (off to decrypt whole blocks from the middle).
    public init(name: String, key: [UInt8], iv: [UInt8], encrypting: Bool, padding: Bool = true) throws {
        guard let cipher = EVP_CIPHER_fetch(nil, name, nil) else {
            throw OpenSSLErrorQueue.error(.unsupportedAlgorithm, "cipher \(name) is not available")
        }
        guard let ctx = EVP_CIPHER_CTX_new() else {
            EVP_CIPHER_free(cipher)
            throw OpenSSLErrorQueue.error(.internalError, "cannot create a cipher context")
        }
        self.ctx = ctx
        self.cipher = cipher
        self.isAEAD = EVP_CIPHER_get_mode(cipher) == EVP_CIPH_GCM_MODE
        self.blockSize = Int(EVP_CIPHER_get_block_size(cipher))
        guard Int(EVP_CIPHER_get_key_length(cipher)) == key.count else {
            throw RCSError(.decryptionFailed, "the content key has the wrong length for \(name)")
        }
        let enc: Int32 = encrypting ? 1 : 0
        guard EVP_CipherInit_ex2(ctx, cipher, nil, nil, enc, nil) == 1 else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot start \(name)")
        }
        if isAEAD {
            guard iv.count <= Self.maxGCMNonce else {
                throw RCSError(.unsupportedAlgorithm, "GCM nonces longer than \(Self.maxGCMNonce) bytes are not supported (OpenSSL 3.0's limit)")
            }
            guard !iv.isEmpty, rcs_EVP_CIPHER_CTX_set_ivlen(ctx, Int32(iv.count)) == 1 else {
                throw OpenSSLErrorQueue.error(.malformedEnvelope, "invalid \(name) nonce length \(iv.count)")
            }
        } else if Int(EVP_CIPHER_get_iv_length(cipher)) != iv.count {
            throw RCSError(.malformedEnvelope, "invalid \(name) IV length \(iv.count)")
        }
        guard EVP_CipherInit_ex2(ctx, nil, key, iv, enc, nil) == 1 else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot key \(name)")
        }
        if !padding { EVP_CIPHER_CTX_set_padding(ctx, 0) }
    }

    deinit {
        EVP_CIPHER_CTX_free(ctx)
        EVP_CIPHER_free(cipher)
    }

    /// The most output `update` can produce for `inputCount` bytes.
    public func maxOutput(forInput inputCount: Int) -> Int { inputCount + blockSize }

    /// Additional authenticated data (AEAD only), before any content.
    public func authenticate(_ aad: [UInt8]) throws {
        var outLength: Int32 = 0
        guard EVP_CipherUpdate(ctx, nil, &outLength, aad, Int32(aad.count)) == 1 else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot add authenticated data")
        }
    }

    /// Processes one chunk; `output` must hold `maxOutput(forInput:)` bytes.
    public func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        precondition(output.count >= maxOutput(forInput: input.count))
        var total = 0
        var offset = 0
        // EVP takes an Int32 length: feed large inputs in slices.
        while offset < input.count {
            let n = min(input.count - offset, 1 << 30)
            var outLength: Int32 = 0
            guard EVP_CipherUpdate(ctx, output.baseAddress!.advanced(by: total).assumingMemoryBound(to: UInt8.self), &outLength,
                                   input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self), Int32(n)) == 1 else {
                OpenSSLErrorQueue.clear()
                throw RCSError(.decryptionFailed, "the content does not decrypt")
            }
            total += Int(outLength)
            offset += n
        }
        return total
    }

    /// Sets the expected tag before `finish` when decrypting with an AEAD cipher.
    public func setExpectedTag(_ tag: [UInt8]) throws {
        var tag = tag
        guard (4...16).contains(tag.count), rcs_EVP_CIPHER_CTX_set_tag(ctx, Int32(tag.count), &tag) == 1 else {
            throw OpenSSLErrorQueue.error(.malformedEnvelope, "invalid authentication tag length \(tag.count)")
        }
    }

    /// The tag after `finish` when encrypting with an AEAD cipher.
    public func tag(length: Int = 16) throws -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: length)
        guard rcs_EVP_CIPHER_CTX_get_tag(ctx, Int32(length), &tag) == 1 else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot read the authentication tag")
        }
        return tag
    }

    /// Ends the stream: the last padded block, or the tag check for AEAD.
    /// `output` must hold `blockSize` bytes.
    public func finish(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        var outLength: Int32 = 0
        guard EVP_CipherFinal_ex(ctx, output.baseAddress!.assumingMemoryBound(to: UInt8.self), &outLength) == 1 else {
            OpenSSLErrorQueue.clear()
            if isAEAD { throw RCSError(.authenticationFailed, "the content failed authentication: it was tampered with or damaged") }
            throw RCSError(.decryptionFailed, "the content does not decrypt: wrong key, or the envelope is damaged")
        }
        return Int(outLength)
    }

    /// Convenience for small inputs held in memory (tests, test vectors).
    public func process(_ input: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: maxOutput(forInput: input.count) + blockSize)
        let n = try input.withUnsafeBytes { inBuf in
            try output.withUnsafeMutableBytes { outBuf in
                let first = try update(inBuf, into: outBuf)
                return first + (try finish(into: UnsafeMutableRawBufferPointer(rebasing: outBuf[first...])))
            }
        }
        return Array(output.prefix(n))
    }
}
