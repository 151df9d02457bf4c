/// Tells what a PEM/DER file is: certificates, a private key, or an envelope,
/// reading only what it needs (an envelope's header, never its content).
public enum Inspector {
    public enum Result: Sendable {
        case certificates([CertificateSummary])
        case privateKey(PrivateKeySummary)
        case envelope(EnvelopeSummary)
    }

    public static func inspect(path: String, password: String? = nil) throws -> Result {
        let reader = BufferedReader(try FileDescriptorSource(path: path), capacity: 1 << 16)
        let head = try reader.peek(1 << 16)
        guard !head.isEmpty else { throw RCSError(.notPEMOrDER, "\(path) is empty") }
        if let label = PEMBlock.scan(head).first?.label ?? firstPEMLabel(head) {
            if EnvelopeInput.pemLabels.contains(label) { return try envelope(reader) }
            if label.hasSuffix("PRIVATE KEY") { return try key(readAll(reader), password: password) }
            return .certificates(try Certificate.load(readAll(reader)).map(CertificateSummary.init))
        }
        if head.first == 0x30 {
            if isContentInfo(head) { return try envelope(reader) }
            let bytes = try readAll(reader)
            if let certificates = try? Certificate.load(bytes) { return .certificates(certificates.map(CertificateSummary.init)) }
            return try key(bytes, password: password)
        }
        return try envelope(reader) // S/MIME, or a clear error saying what it is not
    }

    /// The rest of a key or certificate file (small: bounded), from the same
    /// reader, so standard input works too.
    private static func readAll(_ reader: BufferedReader, limit: Int = 16 << 20) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while try reader.consume(upTo: 1 << 16, { bytes += $0 }) > 0 {
            guard bytes.count <= limit else { throw RCSError(.io, "larger than \(limit >> 20) MiB: not a key or certificate file") }
        }
        return bytes
    }

    /// The label of the first BEGIN line, for PEM too large to scan whole.
    private static func firstPEMLabel(_ head: [UInt8]) -> String? {
        let text = String(decoding: head, as: UTF8.self)
        guard let begin = text.range(of: "-----BEGIN ") else { return nil }
        return String(text[begin.upperBound...].prefix { $0 != "-" })
    }

    /// A ContentInfo is SEQUENCE { OBJECT IDENTIFIER, ... }; certificates and keys are not.
    private static func isContentInfo(_ head: [UInt8]) -> Bool {
        guard head.count > 4 else { return false }
        let lengthByte = head[1]
        let skip = lengthByte & 0x80 == 0 ? 2 : (lengthByte == 0x80 ? 2 : 2 + Int(lengthByte & 0x7F))
        return head.count > skip && head[skip] == 0x06
    }

    private static func envelope(_ reader: BufferedReader) throws -> Result {
        let input = try EnvelopeInput(reader, bufferCapacity: 1 << 16)
        let header = try EnvelopeReader(input.der).readHeader()
        return .envelope(EnvelopeSummary(header, encoding: input.encoding))
    }

    private static func key(_ bytes: [UInt8], password: String?) throws -> Result {
        let format = try PrivateKey.detectFormat(bytes)
        if format.isEncrypted && password == nil {
            return .privateKey(PrivateKeySummary(format: format.rawValue, encrypted: true, keyType: nil, keyBits: nil, details: nil))
        }
        let key = try PrivateKey.load(bytes, password: password)
        return .privateKey(PrivateKeySummary(format: format.rawValue, encrypted: format.isEncrypted,
                                             keyType: key.keyType, keyBits: key.bits, details: key.details))
    }
}
