#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Something bytes can be pulled from, a chunk at a time.
public protocol ByteSource: AnyObject {
    /// Fills up to `buffer.count` bytes; returns 0 only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads a file descriptor (a file, a pipe, standard input).
public final class FileDescriptorSource: ByteSource {
    public let fd: Int32
    private let ownsDescriptor: Bool

    public init(fd: Int32, ownsDescriptor: Bool) {
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
    }

    /// Opens `path` for reading; `-` means standard input.
    public convenience init(path: String) throws {
        if path == "-" {
            self.init(fd: STDIN_FILENO, ownsDescriptor: false)
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RCSError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw RCSError(.io, "\(path) is a directory")
        }
        self.init(fd: fd, ownsDescriptor: true)
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// The size of a regular file, nil for a pipe or terminal.
    public var regularFileSize: UInt64? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return UInt64(info.st_size)
    }

    /// The first `count` bytes (fewer if the file is shorter).
    public func readPrefix(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try bytes.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[done...])) }
            if n == 0 { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw RCSError(.io, "read failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// Reads a byte array held in memory (small inputs and tests).
public final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { all in
            buffer.baseAddress!.copyMemory(from: all.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }
}
