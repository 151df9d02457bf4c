/// Where an envelope's encrypted content lies in its file, built once (at
/// ingest) by reading the structure and skipping the content. With it any
/// plaintext byte range is decrypted by reading only the blocks it needs: a
/// CBC block needs only the ciphertext block before it, and a GCM block is
/// CTR from a counter computed from its index.
public struct EnvelopeContentMap: Codable, Sendable, Equatable {
    /// Runs of equal chunks: `count` pieces of `length` bytes, `stride` apart,
    /// the first at `fileOffset`. A contiguous content is one run of one piece;
    /// `openssl cms -stream` output is a few runs of thousands of chunks.
    public struct Run: Codable, Sendable, Equatable {
        public let fileOffset: UInt64
        public let length: UInt64
        public let stride: UInt64
        public let count: UInt64
    }

    public let runs: [Run]
    public let ciphertextLength: UInt64
    public let cipherName: String
    public let iv: [UInt8]
    /// AES-GCM's tag (nil for CBC), from the end of the envelope.
    public let tag: [UInt8]?

    public var isGCM: Bool { tag != nil }

    /// The envelope's header (recipients, cipher) with its map, from one read of a DER file.
    public static func read(path: String) throws -> (header: EnvelopeHeader, map: EnvelopeContentMap) {
        try read(source: FileDescriptorSource(path: path))
    }

    /// The same from any byte source (a downloaded spool).
    public static func read(source: ByteSource) throws -> (header: EnvelopeHeader, map: EnvelopeContentMap) {
        let input = try EnvelopeInput(BufferedReader(source, capacity: 1 << 16), bufferCapacity: 1 << 16)
        guard input.encoding == .der else {
            throw RCSError(.unsupportedAlgorithm, "\(input.encoding.rawValue) envelopes cannot be read from the middle: store recordings as DER")
        }
        let reader = EnvelopeReader(input.der)
        let header = try reader.readHeader()
        let pieces = try reader.mapContent()
        let tag = try reader.readTrailer()
        try input.finish()
        return (header, try make(header: header, pieces: pieces, tag: tag))
    }

    /// Reads the envelope's structure from a DER file. PEM and S/MIME
    /// envelopes are base64 text: they have no random access and are refused.
    public static func build(path: String) throws -> EnvelopeContentMap {
        try read(path: path).map
    }

    static func make(header: EnvelopeHeader, pieces: [(offset: UInt64, length: UInt64)], tag: [UInt8]?) throws -> EnvelopeContentMap {
        let encryption = header.contentEncryption
        if encryption.isAEAD && encryption.iv.count != 12 {
            throw RCSError(.unsupportedAlgorithm, "GCM nonces other than 12 bytes cannot be read from the middle")
        }
        var runs: [Run] = []
        for piece in pieces {
            // A piece of the same length at the run's next position extends it.
            if let last = runs.last, last.length == piece.length {
                let stride = last.count == 1 ? piece.offset - last.fileOffset : last.stride
                if piece.offset == last.fileOffset + stride * last.count {
                    runs[runs.count - 1] = Run(fileOffset: last.fileOffset, length: last.length, stride: stride, count: last.count + 1)
                    continue
                }
            }
            runs.append(Run(fileOffset: piece.offset, length: piece.length, stride: piece.length, count: 1))
        }
        return EnvelopeContentMap(runs: runs, ciphertextLength: pieces.reduce(0) { $0 + $1.length },
                                  cipherName: encryption.cipherName, iv: encryption.iv, tag: tag)
    }

    /// Genesys MCP layout (docs/webdav.md): the media file is a 16-byte IV
    /// followed by AES-CBC (PKCS#7) ciphertext; the AES key is the content of
    /// an envelope carried in the metadata.
    public static func externalMedia(fileSize: UInt64, iv: [UInt8], keyLength: Int) throws -> EnvelopeContentMap {
        guard fileSize >= 32, (fileSize - 16) % 16 == 0, iv.count == 16 else {
            throw RCSError(.malformedEnvelope, "the media file is not a 16-byte IV followed by whole AES blocks")
        }
        guard [16, 24, 32].contains(keyLength) else {
            throw RCSError(.malformedEnvelope, "the envelope in the metadata does not carry an AES key (\(keyLength) bytes)")
        }
        return EnvelopeContentMap(runs: [Run(fileOffset: 16, length: fileSize - 16, stride: fileSize - 16, count: 1)],
                                  ciphertextLength: fileSize - 16, cipherName: "AES-\(keyLength * 8)-CBC", iv: iv, tag: nil)
    }

    /// The file ranges holding ciphertext bytes [start, end), in order.
    public func fileRanges(ciphertext range: Range<UInt64>) -> [(offset: UInt64, length: UInt64)] {
        var result: [(offset: UInt64, length: UInt64)] = []
        var position: UInt64 = 0
        for run in runs {
            let runLength = run.length * run.count
            defer { position += runLength }
            guard range.lowerBound < position + runLength, range.upperBound > position else { continue }
            let first = range.lowerBound > position ? (range.lowerBound - position) / run.length : 0
            let last = min(run.count - 1, (range.upperBound - 1 - position) / run.length)
            for index in first...last {
                let pieceStart = position + index * run.length
                let start = max(range.lowerBound, pieceStart)
                let end = min(range.upperBound, pieceStart + run.length)
                result.append((run.fileOffset + index * run.stride + (start - pieceStart), end - start))
            }
        }
        return result
    }
}
