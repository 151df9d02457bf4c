/// Opens envelopes with one private key: picks the recipient, unwraps the
/// content key, and streams the plaintext out in chunks.
public struct EnvelopeDecryptor: Sendable {
    public let key: PrivateKey
    /// The key's certificate; when given, only recipients naming it are tried.
    public let certificate: Certificate?

    /// - Throws: `keyMismatch` when the certificate is not the key's.
    public init(key: PrivateKey, certificate: Certificate?) throws {
        if let certificate { try key.checkMatches(certificate) }
        self.key = key
        self.certificate = certificate
    }

    /// Unwraps the content key for this envelope.
    ///
    /// A failed unwrap does not end the decryption: as OpenSSL's CMS code does,
    /// it carries on with a random key, so the failure surfaces later exactly
    /// like damaged content, and PKCS#1 v1.5 errors never become a padding
    /// oracle (OpenSSL 3.0 has no implicit rejection).
    public func contentKey(for header: EnvelopeHeader) throws -> [UInt8] {
        let keyLength = header.contentEncryption.keyLength
        let random = try randomBytes(keyLength)
        let candidates: [Recipient]
        if let certificate {
            let named = header.recipients.filter { $0.names(certificate) }
            candidates = named.filter { $0.padding != nil }
            if candidates.isEmpty {
                if let unsupported = named.first {
                    throw RCSError(.unsupportedAlgorithm, "the recipient for this certificate uses key encryption \(unsupported.keyEncryptionOID?.dotted ?? unsupported.kind.rawValue), which is not supported")
                }
                throw RCSError(.noMatchingRecipient, "no recipient of the envelope matches the certificate \"\(certificate.subjectName)\" (issuer \"\(certificate.issuerDN)\", serial \(certificate.serialNumberHex)); the envelope is for: \(header.recipients.map(\.summary).joined(separator: "; "))")
            }
        } else {
            candidates = header.recipients.filter { $0.padding != nil }
            if candidates.isEmpty {
                throw RCSError(.noMatchingRecipient, "the envelope has no RSA key-transport recipient; it is for: \(header.recipients.map(\.summary).joined(separator: "; "))")
            }
        }
        for recipient in candidates {
            if let unwrapped = try? key.decrypt(recipient.encryptedKey, padding: recipient.padding!),
               unwrapped.count == keyLength {
                return unwrapped
            }
        }
        return random
    }

    /// Decrypts the envelope on `reader`, passing plaintext chunks to `output`.
    ///
    /// For AuthEnvelopedData the chunks are unauthenticated until this returns
    /// without throwing: a caller must hold them back (a temporary file) and
    /// release nothing if it throws.
    @discardableResult
    public func decrypt(_ reader: EnvelopeReader, chunkCapacity: Int = 1 << 20,
                        to output: (UnsafeRawBufferPointer) throws -> Void) throws -> EnvelopeHeader {
        let header = try reader.header ?? reader.readHeader()
        let encryption = header.contentEncryption
        let cipher = try StreamCipher(name: encryption.cipherName, key: contentKey(for: header),
                                      iv: encryption.iv, encrypting: false)
        let plain = UnsafeMutableRawBufferPointer.allocate(byteCount: cipher.maxOutput(forInput: chunkCapacity), alignment: 16)
        defer { plain.deallocate() }
        try reader.readContent { chunk in
            var offset = 0
            while offset < chunk.count {
                let n = min(chunk.count - offset, chunkCapacity)
                let produced = try cipher.update(UnsafeRawBufferPointer(rebasing: chunk[offset..<(offset + n)]), into: plain)
                if produced > 0 { try output(UnsafeRawBufferPointer(rebasing: plain[..<produced])) }
                offset += n
            }
        }
        let mac = try reader.readTrailer()
        if let tagLength = encryption.tagLength {
            guard let mac, mac.count == tagLength else {
                throw RCSError(.malformedEnvelope, "the authentication tag is missing or has the wrong length")
            }
            try cipher.setExpectedTag(mac)
        }
        let produced = try cipher.finish(into: plain)
        if produced > 0 { try output(UnsafeRawBufferPointer(rebasing: plain[..<produced])) }
        return header
    }
}
