/// Writes DER envelopes that `openssl cms -decrypt -inform DER` opens (and,
/// for CBC with PKCS#1 v1.5, `openssl smime -decrypt -inform DER`), streaming:
/// definite lengths when the input size is known, BER indefinite for a pipe.
public struct EnvelopeEncryptor: Sendable {
    /// The content ciphers `rcs encrypt` offers.
    public enum Cipher: String, CaseIterable, Sendable {
        case aes256cbc = "aes-256-cbc"
        case aes128cbc = "aes-128-cbc"
        case aes256gcm = "aes-256-gcm"

        var openSSLName: String { rawValue.uppercased() }
        var isGCM: Bool { self == .aes256gcm }
    }

    public let recipients: [Certificate]
    public let cipher: Cipher
    public let padding: RSAPadding
    /// Plaintext bytes per BER chunk in indefinite-length output.
    static let chunkSize = 64 << 10

    public init(recipients: [Certificate], cipher: Cipher = .aes256cbc, padding: RSAPadding = .pkcs1) throws {
        guard !recipients.isEmpty else { throw RCSError(.wrongKind, "at least one recipient certificate is needed") }
        for certificate in recipients where certificate.publicKeyType != "RSA" {
            throw RCSError(.unsupportedKeyType, "certificate \"\(certificate.subjectName)\" has a \(certificate.publicKeyType) key: recipients must be RSA")
        }
        self.recipients = recipients
        self.cipher = cipher
        self.padding = padding
    }

    /// Encrypts everything `source` yields. With `length`, the source must
    /// deliver exactly that many bytes (the envelope is written with definite
    /// lengths); without, the envelope uses BER indefinite lengths.
    public func encrypt(from source: ByteSource, length: UInt64?, to output: (UnsafeRawBufferPointer) throws -> Void) throws {
        let encryption = ContentEncryption(cipherName: cipher.openSSLName,
                                           iv: try randomBytes(cipher.isGCM ? 12 : 16),
                                           tagLength: cipher.isGCM ? 16 : nil)
        var contentKey = try randomBytes(encryption.keyLength)
        defer { for i in contentKey.indices { contentKey[i] = 0 } }
        let stream = try StreamCipher(name: encryption.cipherName, key: contentKey, iv: encryption.iv, encrypting: true)
        let recipientInfos = try DER.setOf(recipients.map { try recipientInfo($0, contentKey: contentKey) })
        let typeOID = cipher.isGCM ? OID.authEnvelopedData : OID.envelopedData
        let version = DER.integer(0)
        let eciPrefix = OID.data.der + encryption.der

        func emit(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes(output) }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        let encrypted = UnsafeMutableRawBufferPointer.allocate(byteCount: stream.maxOutput(forInput: buffer.count), alignment: 16)
        defer { encrypted.deallocate() }

        if let length {
            let contentLength = cipher.isGCM ? length : (length / 16 + 1) * 16
            let eciLength = UInt64(eciPrefix.count) + DER.elementSize(contentLength: contentLength)
            let mac = cipher.isGCM ? UInt64(18) : 0
            let bodyLength = UInt64(version.count + recipientInfos.count) + DER.elementSize(contentLength: eciLength) + mac
            let explicitLength = DER.elementSize(contentLength: bodyLength)
            let outerLength = UInt64(typeOID.der.count) + DER.elementSize(contentLength: explicitLength)
            try emit(DER.header(0x30, length: outerLength) + typeOID.der + DER.header(0xA0, length: explicitLength)
                     + DER.header(0x30, length: bodyLength) + version + recipientInfos
                     + DER.header(0x30, length: eciLength) + eciPrefix + DER.header(0x80, length: contentLength))
            var read: UInt64 = 0
            while true {
                let n = try source.read(into: buffer)
                if n == 0 { break }
                read += UInt64(n)
                guard read <= length else { throw RCSError(.io, "the input grew while it was being encrypted") }
                let produced = try stream.update(UnsafeRawBufferPointer(rebasing: buffer[..<n]), into: encrypted)
                try output(UnsafeRawBufferPointer(rebasing: encrypted[..<produced]))
            }
            guard read == length else { throw RCSError(.io, "the input shrank while it was being encrypted") }
            let produced = try stream.finish(into: encrypted)
            try output(UnsafeRawBufferPointer(rebasing: encrypted[..<produced]))
            if cipher.isGCM { try emit(DER.octetString(stream.tag())) }
            return
        }

        try emit(DER.indefinite(0x30) + typeOID.der + DER.indefinite(0xA0) + DER.indefinite(0x30) + version + recipientInfos
                 + DER.indefinite(0x30) + eciPrefix + DER.indefinite(0xA0))
        func emitChunk(_ count: Int) throws {
            guard count > 0 else { return }
            try emit(DER.header(0x04, length: UInt64(count)))
            try output(UnsafeRawBufferPointer(rebasing: encrypted[..<count]))
        }
        let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[..<Self.chunkSize])
        while true {
            let n = try source.read(into: chunk)
            if n == 0 { break }
            try emitChunk(try stream.update(UnsafeRawBufferPointer(rebasing: chunk[..<n]), into: encrypted))
        }
        try emitChunk(try stream.finish(into: encrypted))
        var trailer = DER.endOfContents + DER.endOfContents // content, encrypted content info
        if cipher.isGCM { trailer += DER.octetString(try stream.tag()) }
        trailer += DER.endOfContents + DER.endOfContents + DER.endOfContents // body, [0], ContentInfo
        try emit(trailer)
    }

    /// KeyTransRecipientInfo v0 naming the certificate by issuer and serial.
    private func recipientInfo(_ certificate: Certificate, contentKey: [UInt8]) throws -> [UInt8] {
        let wrapped = try certificate.encrypt(contentKey, padding: padding)
        let algorithm: [UInt8]
        switch padding {
        case .pkcs1:
            algorithm = DER.sequence(OID.rsaEncryption.der, DER.null)
        case let .oaep(hash, mgf1Hash, label):
            guard label.isEmpty else { throw RCSError(.unsupportedAlgorithm, "writing an OAEP label is not supported") }
            let hashID = DER.sequence(Recipient.digestOID(hash).der, DER.null)
            let mgfID = DER.sequence(OID.mgf1.der, DER.sequence(Recipient.digestOID(mgf1Hash).der, DER.null))
            algorithm = DER.sequence(OID.rsaesOAEP.der,
                                     DER.sequence(DER.tlv(0xA0, hashID), DER.tlv(0xA1, mgfID)))
        }
        return DER.sequence(DER.integer(0),
                            DER.sequence(certificate.issuerNameDER, certificate.serialNumberDER),
                            algorithm, DER.octetString(wrapped))
    }
}
