/// Decodes base64 text pulled from an upstream reader, a chunk at a time:
/// the body of a PEM block (stops before `-----END`) or of an S/MIME part
/// (stops at the end of the input or before a `--` boundary). Whitespace is
/// skipped; any other character outside the alphabet is an error.
public final class Base64DecodingSource: ByteSource {
    private let upstream: BufferedReader
    private var accumulator: UInt32 = 0
    private var sextets = 0
    private var finished = false
    private var sawPadding = false

    private static let whitespace: UInt8 = 0xFE
    private static let padding: UInt8 = 0xFD
    private static let terminator: UInt8 = 0xFC

    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        for c in " \t\r\n".utf8 { table[Int(c)] = whitespace }
        table[Int(UInt8(ascii: "="))] = padding
        table[Int(UInt8(ascii: "-"))] = terminator
        return table
    }()

    public init(upstream: BufferedReader) { self.upstream = upstream }

    /// Decoded bytes that did not fit the caller's last, small buffer.
    private var pending: [UInt8] = []

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        if !pending.isEmpty {
            let n = min(pending.count, buffer.count)
            pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            pending.removeFirst(n)
            return n
        }
        if buffer.count >= 64 { return try decode(into: buffer) }
        // Too small to decode into directly: decode a little into scratch space.
        var scratch = [UInt8](repeating: 0, count: 64)
        let produced = try scratch.withUnsafeMutableBytes { try decode(into: $0) }
        let n = min(produced, buffer.count)
        scratch.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
        pending = Array(scratch[n..<produced])
        return n
    }

    private func decode(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        // 4 characters give 3 bytes; leave room for a carried-over quantum.
        let maxInput = (buffer.count / 3 - 1) * 4
        let out = buffer.bindMemory(to: UInt8.self)
        var written = 0
        while written == 0 && !finished {
            let used = try upstream.consumePrefix(upTo: maxInput) { chunk in
                try decode(chunk, into: out, written: &written)
            }
            if used == 0 { // end of input, or a terminator right at the front
                finished = true
                try flushTail(out, &written)
            }
        }
        return written
    }

    /// Decodes until the chunk ends or a terminator; returns the bytes used.
    private func decode(_ chunk: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>,
                        written: inout Int) throws -> Int {
        try Self.table.withUnsafeBufferPointer { table in
            var i = 0
            while i < chunk.count {
                let value = table[Int(chunk[i])]
                if value < 64 {
                    if sawPadding { throw RCSError(.malformedEnvelope, "base64 data continues after its '=' padding") }
                    accumulator = (accumulator << 6) | UInt32(value)
                    sextets += 1
                    if sextets == 4 {
                        out[written] = UInt8(truncatingIfNeeded: accumulator >> 16)
                        out[written + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                        out[written + 2] = UInt8(truncatingIfNeeded: accumulator)
                        written += 3
                        sextets = 0
                        accumulator = 0
                    }
                } else if value == Self.padding {
                    sawPadding = true
                } else if value == Self.terminator {
                    return i
                } else if value != Self.whitespace {
                    throw RCSError(.malformedEnvelope, "invalid character in base64 data")
                }
                i += 1
            }
            return i
        }
    }

    /// Emits the bytes of a final, padded quantum.
    private func flushTail(_ out: UnsafeMutableBufferPointer<UInt8>, _ written: inout Int) throws {
        switch sextets {
        case 0: break
        case 2:
            out[written] = UInt8(truncatingIfNeeded: accumulator >> 4)
            written += 1
        case 3:
            out[written] = UInt8(truncatingIfNeeded: accumulator >> 10)
            out[written + 1] = UInt8(truncatingIfNeeded: accumulator >> 2)
            written += 2
        default:
            throw RCSError(.truncatedEnvelope, "base64 data ends in the middle of a group")
        }
        sextets = 0
    }
}
