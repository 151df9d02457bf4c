#if canImport(Glibc)
import Glibc
#endif

/// An anonymous temporary file (unlinked at once) to hold output that may not
/// be released yet, such as AES-GCM plaintext before its tag is verified.
/// Disk, not memory: its size does not matter.
public final class TemporarySpool: @unchecked Sendable {
    // @unchecked Sendable: used by one request at a time; pread/write on its own descriptor.
    private let fd: Int32
    private let writer: DescriptorWriter

    public init() throws {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(directory)/rcs-spool-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw RCSError(.io, "cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        writer = DescriptorWriter(fd: fd)
    }

    deinit { close(fd) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws { try writer.writeAll(bytes) }

    /// Bytes written so far.
    public var size: UInt64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_size) : 0
    }

    /// Up to `count` bytes from `offset` (fewer at the end).
    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw RCSError(.io, "cannot read the temporary file") }
            if n == 0 { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }

    /// A reader from the start (for parsing what was spooled).
    public func source() -> ByteSource { SpoolSource(spool: self) }

    /// Reads everything back, in order, to `body`.
    public func drain(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw RCSError(.io, "cannot rewind the temporary file") }
        let source = FileDescriptorSource(fd: fd, ownsDescriptor: false)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
    }
}

/// Writes whole buffers to a descriptor, retrying short writes.
struct DescriptorWriter {
    let fd: Int32

    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw RCSError(.io, "write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}

/// Reads a spool from its start, independently of its write position.
final class SpoolSource: ByteSource {
    let spool: TemporarySpool
    var offset: UInt64 = 0
    init(spool: TemporarySpool) { self.spool = spool }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let bytes = try spool.read(at: offset, count: buffer.count)
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        offset += UInt64(bytes.count)
        return bytes.count
    }
}
