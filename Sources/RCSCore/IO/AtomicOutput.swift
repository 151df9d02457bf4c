#if canImport(Glibc)
import Glibc
#endif

/// Output that appears at its path only when complete: written to a
/// temporary file in the same directory, fsynced, then renamed over the
/// target. If `commit()` is never reached the temporary file is removed, so a
/// failure never leaves a partial file. Writes are buffered.
public final class AtomicOutput {
    public let path: String
    private let temporaryPath: String?
    private let fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private var committed = false
    /// Bytes written so far.
    public private(set) var count: UInt64 = 0

    /// Opens `path` for atomic writing; `-` writes straight to standard output.
    /// - Parameter temporaryPrefix: the temporary file is named `<prefix>upload-<name>-XXXXXX`
    ///   (default `.`: a hidden file beside the target).
    public init(path: String, mode: mode_t = 0o644, bufferSize: Int = 1 << 20, temporaryPrefix: String = ".") throws {
        self.path = path
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
        if path == "-" {
            temporaryPath = nil
            fd = STDOUT_FILENO
            return
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else {
            buffer.deallocate()
            throw RCSError(.io, "\(path) names a directory, not a file")
        }
        let shortName = String(name.prefix(100))
        var template = Array("\(directory.isEmpty ? "/" : directory)/\(temporaryPrefix)upload-\(shortName).rcs-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            buffer.deallocate()
            throw RCSError(.io, "cannot create a file in \(directory): \(reason)")
        }
        fchmod(fd, mode)
        self.fd = fd
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit {
        if !committed, let temporaryPath {
            close(fd)
            unlink(temporaryPath)
        }
        buffer.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        count += UInt64(bytes.count)
        if buffered + bytes.count > buffer.count { try flush() }
        if bytes.count >= buffer.count {
            try writeAll(bytes)
        } else {
            (buffer.baseAddress! + buffered).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            buffered += bytes.count
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    private func flush() throws {
        guard buffered > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer[..<buffered]))
        buffered = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try DescriptorWriter(fd: fd).writeAll(bytes)
        } catch let error as RCSError {
            throw RCSError(.io, "cannot write \(path == "-" ? "standard output" : path): \(error.reason)")
        }
    }

    /// Makes the output visible: flush, fsync, rename, fsync the directory.
    public func commit() throws {
        try flush()
        guard let temporaryPath else { committed = true; return }
        guard fsync(fd) == 0 else { throw RCSError(.io, "cannot sync \(path): \(String(cString: strerror(errno)))") }
        close(fd)
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            committed = true
            throw RCSError(.io, "cannot write \(path): \(reason)")
        }
        committed = true
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }
    }
}
