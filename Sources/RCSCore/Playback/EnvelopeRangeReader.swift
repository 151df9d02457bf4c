#if canImport(Glibc)
import Glibc
#endif

/// Where ciphertext bytes come from: a local file (pread), or a remote
/// server (HTTP Range requests, supplied by the server module).
public protocol CiphertextSource: Sendable {
    /// Exactly `length` bytes at `offset` of the stored file (fewer only at its end).
    func read(offset: UInt64, length: UInt64) throws -> [UInt8]
    /// The same, straight into memory the caller owns (`destination.count` bytes).
    func read(offset: UInt64, into destination: UnsafeMutableRawBufferPointer) throws
}

extension CiphertextSource {
    public func read(offset: UInt64, into destination: UnsafeMutableRawBufferPointer) throws {
        let bytes = try read(offset: offset, length: UInt64(destination.count))
        guard bytes.count == destination.count else { throw RCSError(.io, "the recording is shorter than its envelope says") }
        bytes.withUnsafeBytes { destination.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }
}

/// A local file, read with pread (no shared file position).
public final class LocalFileSource: CiphertextSource, @unchecked Sendable {
    // @unchecked Sendable: the descriptor is only used with pread.
    let fd: Int32

    public init(path: String) throws {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw RCSError(.io, "cannot open the recording: \(String(cString: strerror(errno)))") }
        fd = descriptor
    }

    deinit { close(fd) }

    public func read(offset: UInt64, length: UInt64) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(length))
        try bytes.withUnsafeMutableBytes { try read(offset: offset, into: $0) }
        return bytes
    }

    public func read(offset: UInt64, into destination: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < destination.count {
            let n = pread(fd, destination.baseAddress! + done, destination.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RCSError(.io, "the recording is shorter than its envelope says") }
            done += n
        }
    }
}

/// Decrypts any plaintext byte range of a DER envelope file, reading only the
/// ciphertext blocks the range needs (and, for CBC, the block before them).
/// A range near the end of a long recording costs what one at the start does.
///
/// For AES-GCM, blocks decrypted this way are not authenticated: callers must
/// `verifyTag()` once (and remember the result) before releasing any of them.
public final class EnvelopeRangeReader: @unchecked Sendable {
    // @unchecked Sendable: nothing changes after init; reads use pread (no shared
    // file position) and each call makes its own cipher context.
    public let map: EnvelopeContentMap
    private let source: CiphertextSource
    /// The content key (memory only; the server caches it a few minutes).
    public let key: [UInt8]
    private let blockName: String
    /// The plaintext length, known once computed (CBC needs the key for its padding).
    public let plaintextLength: UInt64

    /// The cipher's block size: 16 for AES, 8 for 3DES (old smime archives).
    let block: UInt64

    public convenience init(path: String, map: EnvelopeContentMap, contentKey: [UInt8]) throws {
        try self.init(source: LocalFileSource(path: path), map: map, contentKey: contentKey)
    }

    public init(source: CiphertextSource, map: EnvelopeContentMap, contentKey: [UInt8]) throws {
        self.map = map
        self.key = contentKey
        self.source = source
        // CBC uses the envelope's own cipher; GCM is read as CTR of the same AES.
        blockName = map.isGCM ? "AES-\(contentKey.count * 8)-CTR" : map.cipherName
        let block: UInt64 = map.cipherName.hasPrefix("DES") ? 8 : 16
        self.block = block
        guard map.isGCM || (map.ciphertextLength >= block && map.ciphertextLength % block == 0) else {
            throw RCSError(.malformedEnvelope, "the CBC ciphertext is not a whole number of blocks")
        }
        plaintextLength = map.isGCM ? map.ciphertextLength
            : map.ciphertextLength - UInt64(try Self.paddingLength(source: source, map: map, key: contentKey, blockName: blockName, block: block))
    }

    /// PKCS#7 padding of the last block: the content did not decrypt if it is not valid.
    private static func paddingLength(source: CiphertextSource, map: EnvelopeContentMap, key: [UInt8], blockName: String, block: UInt64) throws -> Int {
        let lastBlock = map.ciphertextLength / block - 1
        var last = [UInt8](repeating: 0, count: Int(2 * block))
        let count = try last.withUnsafeMutableBytes {
            try decryptBlocks(source: source, map: map, key: key, blockName: blockName, block: block, first: lastBlock, last: lastBlock, into: $0)
        }
        guard let final = last[..<count].last else { throw RCSError(.decryptionFailed, "the content does not decrypt") }
        let pad = Int(final)
        guard (1...Int(block)).contains(pad), last[..<count].suffix(pad).allSatisfy({ Int($0) == pad }) else {
            throw RCSError(.decryptionFailed, "the content does not decrypt: wrong key, or the envelope is damaged")
        }
        return pad
    }

    /// Plaintext bytes [range) to `body`, in pieces of at most `chunk` bytes
    /// (a convenience over `decrypt(_:into:)`, for small reads and tests).
    public func read(_ range: Range<UInt64>, chunk: UInt64 = 1 << 20, _ body: ([UInt8]) throws -> Void) throws {
        precondition(range.upperBound <= plaintextLength, "range beyond the plaintext")
        var position = range.lowerBound
        while position < range.upperBound {
            let end = min(range.upperBound, position + chunk)
            var buffer = [UInt8](repeating: 0, count: capacity(for: position..<end))
            let skip = try buffer.withUnsafeMutableBytes { try decrypt(position..<end, into: $0) }
            try body(Array(buffer[skip..<(skip + Int(end - position))]))
            position = end
        }
    }

    /// The bytes `decrypt(_:into:)` needs in its destination for `range`.
    public func capacity(for range: Range<UInt64>) -> Int {
        let first = range.lowerBound / block, last = (range.upperBound - 1) / block
        return Int((last - first + 1) * block + block)
    }

    /// Decrypts `range` straight into `destination` (at least `capacity(for:)`
    /// bytes): the ciphertext is read into it and decrypted in place. The
    /// plaintext is at `[skip, skip + range.count)` of it; `skip` is returned.
    public func decrypt(_ range: Range<UInt64>, into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        precondition(range.upperBound <= plaintextLength && !range.isEmpty, "range beyond the plaintext")
        precondition(destination.count >= capacity(for: range))
        let first = range.lowerBound / block
        _ = try Self.decryptBlocks(source: source, map: map, key: key, blockName: blockName, block: block,
                                   first: first, last: (range.upperBound - 1) / block, into: destination)
        return Int(range.lowerBound - first * block)
    }

    /// The one decryption path: blocks [first, last] are read into `destination`
    /// and decrypted there, in place. CBC takes the previous ciphertext block as
    /// its IV; GCM (12-byte nonce) is CTR from counter 2 + block index
    /// (J0 = nonce || 1). Returns the bytes decrypted (GCM's last block may be short).
    static func decryptBlocks(source: CiphertextSource, map: EnvelopeContentMap, key: [UInt8], blockName: String, block: UInt64,
                              first: UInt64, last: UInt64, into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        let bytes = Int(min((last - first + 1) * block, map.ciphertextLength - first * block))
        let iv: [UInt8]
        if map.isGCM {
            let counter = first + 2
            guard counter + (last - first + 1) < (1 << 32) else { throw RCSError(.unsupportedAlgorithm, "GCM content beyond 64 GiB") }
            iv = map.iv + [UInt8(truncatingIfNeeded: counter >> 24), UInt8(truncatingIfNeeded: counter >> 16),
                           UInt8(truncatingIfNeeded: counter >> 8), UInt8(truncatingIfNeeded: counter)]
        } else {
            iv = first == 0 ? map.iv : try ciphertext(source: source, map: map, from: (first - 1) * block, length: block)
        }
        // The ciphertext lands where the plaintext will be, piece by piece.
        var filled = 0
        for piece in map.fileRanges(ciphertext: (first * block)..<(first * block + UInt64(bytes))) {
            try source.read(offset: piece.offset, into: UnsafeMutableRawBufferPointer(rebasing: destination[filled..<(filled + Int(piece.length))]))
            filled += Int(piece.length)
        }
        guard filled == bytes else { throw RCSError(.io, "the recording is shorter than its envelope says") }
        let cipher = try StreamCipher(name: blockName, key: key, iv: iv, encrypting: false, padding: false)
        let produced = try cipher.update(UnsafeRawBufferPointer(rebasing: destination[..<bytes]), into: destination)
        guard produced == bytes else { throw RCSError(.decryptionFailed, "the content does not decrypt") }
        return bytes
    }

    func ciphertext(from start: UInt64, length: UInt64) throws -> [UInt8] {
        try Self.ciphertext(source: source, map: map, from: start, length: length)
    }

    /// Ciphertext bytes, wherever the map says they lie.
    static func ciphertext(source: CiphertextSource, map: EnvelopeContentMap, from start: UInt64, length: UInt64) throws -> [UInt8] {
        let end = min(start + length, map.ciphertextLength)
        var bytes = [UInt8](repeating: 0, count: Int(end - start))
        var filled = 0
        for piece in map.fileRanges(ciphertext: start..<end) {
            let chunk = try source.read(offset: piece.offset, length: piece.length)
            guard chunk.count == Int(piece.length) else { throw RCSError(.io, "the recording is shorter than its envelope says") }
            bytes.replaceSubrange(filled..<(filled + chunk.count), with: chunk)
            filled += chunk.count
        }
        return bytes
    }

    /// AES-GCM: one full pass over the ciphertext to check the tag. Nothing is
    /// released; remember the outcome, so later reads can go straight to their blocks.
    public func verifyTag() throws {
        guard let tag = map.tag else { return }
        let cipher = try StreamCipher(name: "AES-\(key.count * 8)-GCM", key: key, iv: map.iv, encrypting: false)
        try cipher.setExpectedTag(tag)
        var output = [UInt8](repeating: 0, count: (1 << 20) + 32)
        var position: UInt64 = 0
        while position < map.ciphertextLength {
            let piece = try ciphertext(from: position, length: 1 << 20)
            _ = try piece.withUnsafeBytes { inBuf in try output.withUnsafeMutableBytes { try cipher.update(inBuf, into: $0) } }
            position += UInt64(piece.count)
        }
        _ = try output.withUnsafeMutableBytes { try cipher.finish(into: $0) }
    }
}
