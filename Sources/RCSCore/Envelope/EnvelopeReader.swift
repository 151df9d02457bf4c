/// Reads a CMS envelope from a stream in one pass: the header, then the
/// encrypted content in chunks, then the trailer (AES-GCM's tag, the closing
/// of every structure). Memory stays bounded whatever the envelope's size:
/// only header elements are held, each up to `maxHeaderElement` bytes.
public final class EnvelopeReader {
    let input: BufferedReader
    /// Open constructed elements, innermost last: where each one ends.
    private var open: [End] = []
    public private(set) var header: EnvelopeHeader!

    private enum End { case at(UInt64), indefinite }

    /// Upper bound for one header element (the recipient set, an algorithm).
    static let maxHeaderElement = 4 << 20
    /// Each recipient may cost an RSA decryption: a hostile envelope must not carry thousands.
    static let maxRecipients = 1024

    public init(_ input: BufferedReader) { self.input = input }

    // MARK: Low-level TLV reading

    private struct TagAndLength { let identifier: UInt8; let length: UInt64? }

    private func readTagAndLength(_ what: String) throws -> TagAndLength {
        guard let identifier = try input.readByte() else {
            throw RCSError(.truncatedEnvelope, "the envelope ends before \(what)")
        }
        guard identifier & 0x1F != 0x1F else { throw RCSError(.malformedEnvelope, "unexpected high-number tag in \(what)") }
        guard let first = try input.readByte() else { throw RCSError(.truncatedEnvelope, "the envelope ends in \(what)") }
        if first == 0x80 {
            guard identifier & 0x20 != 0 else { throw RCSError(.malformedEnvelope, "indefinite length on primitive \(what)") }
            return TagAndLength(identifier: identifier, length: nil)
        }
        if first & 0x80 == 0 { return TagAndLength(identifier: identifier, length: UInt64(first)) }
        let count = Int(first & 0x7F)
        guard count <= 8 else { throw RCSError(.malformedEnvelope, "length of \(what) too large") }
        guard let bytes = try input.read(exactly: count) else { throw RCSError(.truncatedEnvelope, "the envelope ends in \(what)") }
        let length = bytes.reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        guard length <= UInt64(Int64.max) else { throw RCSError(.malformedEnvelope, "length of \(what) too large") }
        return TagAndLength(identifier: identifier, length: length)
    }

    /// Opens a constructed element with the given identifier.
    private func enter(_ identifier: UInt8, _ what: String) throws {
        let tl = try readTagAndLength(what)
        guard tl.identifier == identifier else {
            throw RCSError(.malformedEnvelope, "expected \(what), found ASN.1 tag 0x\(String(tl.identifier, radix: 16))")
        }
        try push(tl)
    }

    private func push(_ tl: TagAndLength) throws {
        if let length = tl.length {
            let end = input.offset + length
            if case let .at(outer)? = open.last, end > outer {
                throw RCSError(.malformedEnvelope, "an element overruns the element that contains it")
            }
            open.append(.at(end))
        } else {
            open.append(.indefinite)
        }
    }

    /// True when the innermost open element has no more content (consumes an end-of-contents).
    private func atEndOfOpenElement() throws -> Bool {
        switch open.last {
        case let .at(end)?:
            if input.offset > end { throw RCSError(.malformedEnvelope, "an element overruns its container") }
            return input.offset == end
        case .indefinite?:
            guard try input.fill(atLeast: 2) >= 2 else { throw RCSError(.truncatedEnvelope, "the envelope ends before an end-of-contents marker") }
            return try input.peekByte() == 0 && input.peekByte(at: 1) == 0
        case nil:
            return true
        }
    }

    /// Closes the innermost open element, which must be at its end.
    private func leave(_ what: String) throws {
        guard try atEndOfOpenElement() else { throw RCSError(.malformedEnvelope, "unexpected data at the end of \(what)") }
        if case .indefinite? = open.last { _ = try input.read(exactly: 2) }
        open.removeLast()
    }

    /// Reads one whole element into memory (bounded), for in-memory parsing.
    private func readElement(_ what: String) throws -> BERElement {
        var bytes: [UInt8] = []
        try copyElement(into: &bytes, what: what, depth: 0)
        let (element, _) = try BERElement.parse(bytes[...])
        return element
    }

    private func copyElement(into bytes: inout [UInt8], what: String, depth: Int) throws {
        guard depth < BERElement.maxDepth else { throw RCSError(.malformedEnvelope, "\(what) is nested too deeply") }
        let start = input.offset
        let tl = try readTagAndLength(what)
        // Re-encode the header as read (identifier, length) so offsets stay honest.
        if let length = tl.length {
            bytes += DER.header(tl.identifier, length: length)
            guard UInt64(bytes.count) + length <= UInt64(Self.maxHeaderElement) else {
                throw RCSError(.malformedEnvelope, "\(what) is larger than \(Self.maxHeaderElement >> 20) MiB")
            }
            guard let content = try input.read(exactly: Int(length)) else { throw RCSError(.truncatedEnvelope, "the envelope ends in \(what)") }
            bytes += content
        } else {
            bytes += DER.indefinite(tl.identifier)
            while true {
                guard try input.fill(atLeast: 2) >= 2 else { throw RCSError(.truncatedEnvelope, "the envelope ends in \(what)") }
                if try input.peekByte() == 0 && input.peekByte(at: 1) == 0 {
                    _ = try input.read(exactly: 2)
                    bytes += DER.endOfContents
                    break
                }
                try copyElement(into: &bytes, what: what, depth: depth + 1)
                if bytes.count > Self.maxHeaderElement {
                    throw RCSError(.malformedEnvelope, "\(what) is larger than \(Self.maxHeaderElement >> 20) MiB")
                }
            }
        }
        _ = start
    }

    /// Skips one element of any size without holding it.
    private func skipElement(_ what: String, depth: Int = 0) throws {
        guard depth < BERElement.maxDepth else { throw RCSError(.malformedEnvelope, "\(what) is nested too deeply") }
        let tl = try readTagAndLength(what)
        if let length = tl.length {
            guard try input.skip(length) else { throw RCSError(.truncatedEnvelope, "the envelope ends in \(what)") }
            return
        }
        while true {
            guard try input.fill(atLeast: 2) >= 2 else { throw RCSError(.truncatedEnvelope, "the envelope ends in \(what)") }
            if try input.peekByte() == 0 && input.peekByte(at: 1) == 0 { _ = try input.read(exactly: 2); return }
            try skipElement(what, depth: depth + 1)
        }
    }

    // MARK: The envelope

    /// Parses ContentInfo up to the first byte of encrypted content.
    @discardableResult
    public func readHeader() throws -> EnvelopeHeader {
        guard try input.peekByte() != nil else { throw RCSError(.truncatedEnvelope, "the envelope is empty") }
        guard try input.peekByte() == 0x30 else { throw RCSError(.malformedEnvelope, "not a CMS envelope: it does not start with an ASN.1 SEQUENCE") }
        let contentType: OID
        do {
            try enter(0x30, "ContentInfo")
            contentType = try readElement("the content type").objectIdentifier()
        } catch let error as RCSError {
            throw RCSError(error.code, "not a CMS envelope: \(error.reason)")
        }
        let kind: EnvelopeHeader.Kind
        switch contentType {
        case .envelopedData: kind = .envelopedData
        case .authEnvelopedData: kind = .authEnvelopedData
        case .signedData: throw RCSError(.unsupportedAlgorithm, "this is signed data, not an encrypted envelope")
        case .data: throw RCSError(.unsupportedAlgorithm, "this is plain data, not an encrypted envelope")
        case .encryptedData: throw RCSError(.unsupportedAlgorithm, "this is password-encrypted data (EncryptedData), not an envelope for a key")
        default: throw RCSError(.unsupportedAlgorithm, "content type \(contentType) is not an encrypted envelope")
        }
        try enter(0xA0, "the envelope content")
        try enter(0x30, kind.rawValue)
        let version = try readElement("the version").smallInteger()
        if try input.peekByte() == 0xA0 { try skipElement("originator info") }
        let recipientSet = try readElement("the recipient infos").expect(0x31, "the set of recipient infos")
        let recipientInfos = try recipientSet.children()
        guard recipientInfos.count <= Self.maxRecipients else {
            throw RCSError(.malformedEnvelope, "the envelope has \(recipientInfos.count) recipients; at most \(Self.maxRecipients) are accepted")
        }
        let recipients = try recipientInfos.map(Recipient.init)
        guard !recipients.isEmpty else { throw RCSError(.malformedEnvelope, "the envelope has no recipients") }
        try enter(0x30, "the encrypted content info")
        let innerType = try readElement("the inner content type").objectIdentifier()
        let algorithm = try ContentEncryption(algorithmIdentifier: readElement("the content-encryption algorithm"))
        if kind == .authEnvelopedData && !algorithm.isAEAD {
            throw RCSError(.malformedEnvelope, "AuthEnvelopedData with non-authenticated cipher \(algorithm.cipherName)")
        }
        if kind == .envelopedData && algorithm.isAEAD {
            throw RCSError(.unsupportedAlgorithm, "AES-GCM inside EnvelopedData is not authenticated by CMS; refused")
        }
        let tl = try readTagAndLength("the encrypted content")
        let contentLength: UInt64?
        switch tl.identifier {
        case 0x80:
            contentLength = tl.length
            try push(tl)
        case 0xA0:
            contentLength = nil
            try push(tl)
        default:
            throw RCSError(.unsupportedAlgorithm, "the envelope has no encrypted content (detached content is not supported)")
        }
        header = EnvelopeHeader(kind: kind, version: version, recipients: recipients, contentType: innerType,
                                contentEncryption: algorithm, isIndefiniteLength: tl.length == nil,
                                contentOffset: input.offset, contentLength: contentLength)
        return header
    }

    /// Streams the encrypted content to `body`, chunk by chunk, as it lies in
    /// the buffer: one primitive string, or BER constructed OCTET STRINGs.
    public func readContent(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(header != nil, "readHeader first")
        if case .at = open.last!, header.contentLength != nil {
            try streamPrimitive(header.contentLength!, body)
            open.removeLast()
            return
        }
        try streamConstructed(body, depth: 0)
    }

    private func streamPrimitive(_ length: UInt64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var left = length
        while left > 0 {
            let n = try input.consume(upTo: Int(min(left, UInt64(Int.max))), body)
            if n == 0 { throw RCSError(.truncatedEnvelope, "the envelope ends in the middle of its encrypted content") }
            left -= UInt64(n)
        }
    }

    /// The open element is a constructed string: stream its pieces, then close it.
    private func streamConstructed(_ body: (UnsafeRawBufferPointer) throws -> Void, depth: Int) throws {
        guard depth < 8 else { throw RCSError(.malformedEnvelope, "encrypted content nested too deeply") }
        while try !atEndOfOpenElement() {
            let tl = try readTagAndLength("a content chunk")
            switch tl.identifier {
            case 0x04:
                try push(tl)
                try streamPrimitive(tl.length!, body)
                open.removeLast()
            case 0x24:
                try push(tl)
                try streamConstructed(body, depth: depth + 1)
            default:
                throw RCSError(.malformedEnvelope, "unexpected ASN.1 tag 0x\(String(tl.identifier, radix: 16)) inside the encrypted content")
            }
        }
        try leave("the encrypted content")
    }

    /// Instead of streaming the content: records where each piece of ciphertext
    /// lies in the input (offset, length), skipping it. Used once per envelope
    /// to build a `EnvelopeContentMap` for random access.
    public func mapContent() throws -> [(offset: UInt64, length: UInt64)] {
        precondition(header != nil, "readHeader first")
        var pieces: [(offset: UInt64, length: UInt64)] = []
        if case .at = open.last!, let length = header.contentLength {
            pieces.append((input.offset, length))
            guard try input.skip(length) else { throw RCSError(.truncatedEnvelope, "the envelope ends in the middle of its encrypted content") }
            open.removeLast()
            return pieces
        }
        try mapConstructed(&pieces, depth: 0)
        return pieces
    }

    private func mapConstructed(_ pieces: inout [(offset: UInt64, length: UInt64)], depth: Int) throws {
        guard depth < 8 else { throw RCSError(.malformedEnvelope, "encrypted content nested too deeply") }
        while try !atEndOfOpenElement() {
            let tl = try readTagAndLength("a content chunk")
            switch tl.identifier {
            case 0x04:
                try push(tl)
                if tl.length! > 0 { pieces.append((input.offset, tl.length!)) }
                guard try input.skip(tl.length!) else { throw RCSError(.truncatedEnvelope, "the envelope ends in the middle of its encrypted content") }
                open.removeLast()
            case 0x24:
                try push(tl)
                try mapConstructed(&pieces, depth: depth + 1)
            default:
                throw RCSError(.malformedEnvelope, "unexpected ASN.1 tag 0x\(String(tl.identifier, radix: 16)) inside the encrypted content")
            }
        }
        try leave("the encrypted content")
    }

    /// Reads what follows the content; returns AES-GCM's tag for AuthEnvelopedData.
    /// Fails unless every structure closes properly and nothing follows.
    public func readTrailer() throws -> [UInt8]? {
        try leave("the encrypted content info")
        var mac: [UInt8]?
        if header.kind == .authEnvelopedData {
            if try input.peekByte() == 0xA1 {
                throw RCSError(.unsupportedAlgorithm, "authenticated attributes in AuthEnvelopedData are not supported")
            }
            mac = try readElement("the authentication tag").expect(0x04, "the authentication tag").octets()
            if try !atEndOfOpenElement(), try input.peekByte() == 0xA2 { try skipElement("unauthenticated attributes") }
        } else if try !atEndOfOpenElement(), try input.peekByte() == 0xA1 {
            try skipElement("unprotected attributes")
        }
        try leave(header.kind.rawValue)
        try leave("the envelope content")
        try leave("ContentInfo")
        return mac
    }
}
