/// A read buffer over a `ByteSource` with look-ahead, so parsers can peek at a
/// tag before deciding, and large payloads pass through without copies.
/// Memory is fixed at `capacity`, whatever the size of the input.
public final class BufferedReader {
    private let source: ByteSource
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var sourceEnded = false
    /// Bytes consumed so far: the offset of the next byte in the input.
    public private(set) var offset: UInt64 = 0

    public init(_ source: ByteSource, capacity: Int = 1 << 20) {
        self.source = source
        self.storage = .allocate(byteCount: max(capacity, 64), alignment: 16)
    }

    deinit { storage.deallocate() }

    private var available: Int { end - start }

    /// Ensures at least `count` bytes are buffered unless the input ends first;
    /// returns how many are buffered.
    @discardableResult
    public func fill(atLeast count: Int) throws -> Int {
        precondition(count <= storage.count)
        if available >= count || sourceEnded { return available }
        if start > 0 && storage.count - start < count {
            // Slide the unread bytes to the front to make room.
            if available > 0 {
                storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: available)
            }
            end = available
            start = 0
        }
        while available < count && !sourceEnded {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...]))
            if n == 0 { sourceEnded = true } else { end += n }
        }
        return available
    }

    /// True when every byte has been consumed.
    public func atEOF() throws -> Bool { try fill(atLeast: 1) == 0 }

    /// The next byte without consuming it; nil at the end.
    public func peekByte(at index: Int = 0) throws -> UInt8? {
        guard try fill(atLeast: index + 1) > index else { return nil }
        return storage[start + index]
    }

    /// Up to `count` buffered bytes without consuming them.
    public func peek(_ count: Int) throws -> [UInt8] {
        let n = min(try fill(atLeast: count), count)
        return Array(storage[start..<(start + n)])
    }

    public func readByte() throws -> UInt8? {
        guard let byte = try peekByte() else { return nil }
        start += 1
        offset += 1
        return byte
    }

    /// Exactly `count` bytes, or nil if the input ends first.
    public func read(exactly count: Int) throws -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            let chunk = min(count - result.count, storage.count)
            let n = try fill(atLeast: chunk)
            if n == 0 { return nil }
            let take = min(n, count - result.count)
            result.append(contentsOf: storage[start..<(start + take)])
            start += take
            offset += UInt64(take)
        }
        return result
    }

    /// Hands the caller up to `max` bytes straight from the buffer, consuming
    /// them; returns how many (0 only at the end of the input).
    @discardableResult
    public func consume(upTo max: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try consumePrefix(upTo: max) { chunk in
            try body(chunk)
            return chunk.count
        }
    }

    /// Like `consume(upTo:)`, but the body says how many of the bytes it used;
    /// the rest stay for the next reader.
    @discardableResult
    public func consumePrefix(upTo max: Int, _ body: (UnsafeRawBufferPointer) throws -> Int) throws -> Int {
        if available == 0 { try fill(atLeast: 1) }
        let n = min(available, max)
        guard n > 0 else { return 0 }
        let used = try body(UnsafeRawBufferPointer(rebasing: storage[start..<(start + n)]))
        precondition(used <= n)
        start += used
        offset += UInt64(used)
        return used
    }

    /// Consumes `count` bytes, or fails with `false` if the input ends first.
    public func skip(_ count: UInt64) throws -> Bool {
        var left = count
        while left > 0 {
            let n = try consume(upTo: Int(min(left, UInt64(Int.max)))) { _ in }
            if n == 0 { return false }
            left -= UInt64(n)
        }
        return true
    }
}
