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
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: size)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        let path = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

extension FileManager {
    public func contents(of path: String) -> Data? { contents(atPath: path) }
}
