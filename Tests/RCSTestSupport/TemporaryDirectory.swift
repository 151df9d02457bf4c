import Foundation

/// A fresh directory under the system's temporary directory.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "rcs-test") throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    /// Removing is left to the caller (`remove()`), so a failed test's files can be examined.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes random bytes to a new file and returns its path.
    public func randomFile(_ name: String, size: Int) throws -> String {
        let path = file(name)
        FileManager.default.createFile(atPath: path, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? output.close() }
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        var left = size
        while left > 0 {
            let chunk = try random.read(upToCount: min(left, 1 << 20)) ?? Data()
            try output.write(contentsOf: chunk)
            left -= chunk.count
        }
        return path
    }
}

extension FileManager {
    public func contents(of path: String) -> Data? { contents(atPath: path) }
}
