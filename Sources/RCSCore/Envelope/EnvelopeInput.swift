/// Takes the armour off an envelope stream: DER passes through; PEM
/// (`BEGIN CMS`/`BEGIN PKCS7`) and S/MIME bodies are base64-decoded on the fly.
public struct EnvelopeInput {
    /// The DER bytes of the envelope.
    public let der: BufferedReader
    public let encoding: EnvelopeEncoding
    private let text: BufferedReader?

    static let pemLabels: Set<String> = ["CMS", "PKCS7", "PKCS #7 SIGNED DATA"]
    static let maxMIMEHeaders = 64 << 10

    /// Looks at the first bytes of `raw` and sets up the decoding.
    public init(_ raw: BufferedReader, bufferCapacity: Int = 1 << 20) throws {
        // Skip leading blank lines, which text tools often add.
        while let byte = try raw.peekByte(), byte == 0x0A || byte == 0x0D || byte == 0x20 || byte == 0x09 {
            _ = try raw.readByte()
        }
        guard let first = try raw.peekByte() else { throw RCSError(.truncatedEnvelope, "the input is empty (or only blank space): not an envelope") }
        if first == 0x30 {
            der = raw
            encoding = .der
            text = nil
            return
        }
        let prefix = try raw.peek(11)
        if prefix == Array("-----BEGIN ".utf8) {
            let line = try Self.readLine(raw)
            let label = String(decoding: line.dropFirst(11).prefix { $0 != UInt8(ascii: "-") }, as: UTF8.self)
            guard Self.pemLabels.contains(label) else {
                throw RCSError(.wrongKind, "the PEM block is \(label), not a CMS/PKCS#7 envelope")
            }
            encoding = .pem
        } else {
            try Self.readMIMEHeaders(raw)
            encoding = .smime
        }
        text = raw
        der = BufferedReader(Base64DecodingSource(upstream: raw), capacity: bufferCapacity)
    }

    /// After the envelope: checks the armour closes properly and nothing but
    /// whitespace follows. A PEM block without its END line was cut short.
    public func finish() throws {
        guard try der.atEOF() else { throw RCSError(.malformedEnvelope, "unexpected data after the end of the envelope") }
        guard let text else { return }
        if encoding == .pem {
            let line = try Self.readLine(text)
            guard line.starts(with: Array("-----END ".utf8)) else {
                throw RCSError(.truncatedEnvelope, "the PEM envelope has no END line: it was cut short")
            }
        }
        // S/MIME: a closing MIME boundary or trailing blank lines may follow.
    }

    private static func readLine(_ reader: BufferedReader, limit: Int = 4096) throws -> [UInt8] {
        var line: [UInt8] = []
        while let byte = try reader.readByte(), byte != 0x0A {
            if byte != 0x0D { line.append(byte) }
            guard line.count <= limit else { throw RCSError(.malformedEnvelope, "a text line is too long") }
        }
        return line
    }

    /// Reads S/MIME headers up to the blank line and checks they describe an envelope.
    private static func readMIMEHeaders(_ reader: BufferedReader) throws {
        var headers: [String] = []
        var total = 0
        while true {
            let line = try readLine(reader)
            total += line.count + 1
            guard total <= maxMIMEHeaders else { throw RCSError(.notPEMOrDER, "not an envelope: no DER, PEM or S/MIME structure found") }
            if line.isEmpty { break }
            guard let text = String(validating: line, as: UTF8.self) else {
                throw RCSError(.notPEMOrDER, "not an envelope: neither DER, PEM nor S/MIME")
            }
            if text.first == " " || text.first == "\t", !headers.isEmpty {
                headers[headers.count - 1] += text
            } else {
                headers.append(text)
            }
            if try reader.peekByte() == nil { break }
        }
        let contentType = headers.first { $0.lowercased().hasPrefix("content-type:") }?.lowercased() ?? ""
        guard contentType.contains("pkcs7-mime") else {
            if contentType.contains("multipart/signed") {
                throw RCSError(.unsupportedAlgorithm, "this S/MIME message is signed, not encrypted")
            }
            throw RCSError(.notPEMOrDER, "not an envelope: neither DER, PEM nor an S/MIME application/pkcs7-mime message")
        }
        let transfer = headers.first { $0.lowercased().hasPrefix("content-transfer-encoding:") }?.lowercased() ?? "base64"
        guard transfer.contains("base64") else {
            throw RCSError(.unsupportedAlgorithm, "S/MIME transfer encoding other than base64 is not supported")
        }
    }
}
