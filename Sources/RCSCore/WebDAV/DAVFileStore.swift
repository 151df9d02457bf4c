#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The tenants' files: `<root>/<tenant>/<path>`. Every operation is confined
/// to the tenant's directory: paths are validated by `DAVPath`, and no
/// component may be a symbolic link. Blocking calls: run them off the event loop.
public struct DAVFileStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// What PROPFIND and GET need to know about a resource.
    public struct Info: Sendable {
        public let isCollection: Bool
        public let size: UInt64
        public let modified: Date
        public let created: Date
        /// Strong ETag from inode, size and modification time (nanoseconds), quoted.
        public let etag: String
    }

    public func tenantDirectory(_ tenant: String) -> String { "\(root)/\(tenant)" }

    /// The filesystem path; creates the tenant directory on first use.
    public func filePath(_ path: DAVPath) throws -> String {
        let base = tenantDirectory(path.tenant)
        if !FileManager.default.fileExists(atPath: base) {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try checkNoSymlinks(path)
        return ([base] + path.segments).joined(separator: "/")
    }

    /// Refuses a path if any existing component below the tenant root is a symbolic link.
    func checkNoSymlinks(_ path: DAVPath) throws {
        var current = tenantDirectory(path.tenant)
        for segment in path.segments {
            current += "/" + segment
            var info = stat()
            if lstat(current, &info) != 0 { return } // the rest does not exist yet
            if (info.st_mode & S_IFMT) == S_IFLNK { throw RCSError(.wrongKind, "symbolic links are not followed") }
        }
    }

    /// Nil when nothing is there, or a symbolic link is (links are never followed).
    public func info(_ path: DAVPath) throws -> Info? {
        guard let file = try? filePath(path) else { return nil }
        var info = stat()
        guard lstat(file, &info) == 0 else { return nil }
        let type = info.st_mode & S_IFMT
        guard type == S_IFDIR || type == S_IFREG else { return nil }
        let modifiedNanos = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let etag = "\"\(String(info.st_ino, radix: 16))-\(String(info.st_size, radix: 16))-\(String(modifiedNanos, radix: 16))\""
        return Info(isCollection: type == S_IFDIR, size: UInt64(info.st_size),
                    modified: Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9),
                    created: Date(timeIntervalSince1970: TimeInterval(info.st_ctim.tv_sec)), etag: etag)
    }

    /// Names of a collection's members, sorted: without RCS's own hidden files,
    /// names a path could not carry, and symbolic links (never followed, never listed).
    public func children(_ path: DAVPath) throws -> [String] {
        let directory = try filePath(path)
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { name in
                guard !name.hasPrefix(DAVPath.reservedPrefix), (try? DAVPath.validate(name)) != nil else { return false }
                var info = stat()
                return lstat("\(directory)/\(name)", &info) == 0 && (info.st_mode & S_IFMT) != S_IFLNK
            }
            .sorted()
    }

    public func makeCollection(_ path: DAVPath) throws {
        let file = try filePath(path)
        guard mkdir(file, 0o700) == 0 else { throw RCSError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
        syncDirectory(parentDirectory(file))
    }

    /// Removes a file, or a collection with everything in it.
    public func delete(_ path: DAVPath) throws {
        let file = try filePath(path)
        try FileManager.default.removeItem(atPath: file)
        syncDirectory(parentDirectory(file))
    }

    /// Renames within the same tenant (atomic for a file; a collection moves whole).
    public func move(_ source: DAVPath, to destination: DAVPath) throws {
        let from = try filePath(source), to = try filePath(destination)
        guard Glibc.rename(from, to) == 0 else { throw RCSError(.io, "cannot move \(source): \(String(cString: strerror(errno)))") }
        syncDirectory(parentDirectory(from))
        syncDirectory(parentDirectory(to))
    }

    /// Copies a file (through a temporary file and a rename) or a collection
    /// (`depthInfinity`: with its members; otherwise the collection alone).
    public func copy(_ source: DAVPath, to destination: DAVPath, depthInfinity: Bool) throws {
        guard let info = try info(source) else { throw RCSError(.io, "\(source) does not exist") }
        if info.isCollection {
            try makeCollection(destination)
            guard depthInfinity else { return }
            for name in try children(source) {
                try copy(source.appending(name), to: destination.appending(name), depthInfinity: true)
            }
            return
        }
        let upload = try beginUpload(destination)
        let input = try FileDescriptorSource(path: filePath(source))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try input.read(into: buffer)
            if n == 0 { break }
            try upload.write(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
        try upload.commit()
    }

    /// A file being written: visible at its path only after `commit()`.
    public func beginUpload(_ path: DAVPath) throws -> Upload {
        let file = try filePath(path)
        return Upload(path: file, output: try AtomicOutput(path: file, mode: 0o600, temporaryPrefix: DAVPath.reservedPrefix))
    }

    public final class Upload: @unchecked Sendable {
        // @unchecked Sendable: used by one request at a time, from the thread pool.
        public let path: String
        let output: AtomicOutput
        init(path: String, output: AtomicOutput) { self.path = path; self.output = output }
        public var count: UInt64 { output.count }
        public func write(_ bytes: UnsafeRawBufferPointer) throws { try output.write(bytes) }
        /// fsync, rename over the target, fsync the directory.
        public func commit() throws { try output.commit() }
    }

    func parentDirectory(_ file: String) -> String {
        file.lastIndex(of: "/").map { String(file[..<$0]) } ?? "."
    }

    func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Removes temporary uploads a crash left behind (they are never visible anyway).
    public func removeStaleUploads() throws -> Int {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return 0 }
        var removed = 0
        while let name = enumerator.nextObject() as? String {
            let last = name.split(separator: "/").last.map(String.init) ?? name
            if last.hasPrefix(DAVPath.reservedPrefix) && last.contains("upload-") {
                try? FileManager.default.removeItem(atPath: "\(root)/\(name)")
                removed += 1
            }
        }
        return removed
    }
}
