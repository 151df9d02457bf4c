import Foundation

/// The third-party vectors in `../shared/testsuites` (beside the clone in CI).
/// Tests read them where they are and skip with a clear message when absent.
public enum SharedTestSuites {
    /// `$RCS_TESTSUITES`, else `<repo>/../shared/testsuites`.
    public static let directory: String = {
        if let explicit = ProcessInfo.processInfo.environment["RCS_TESTSUITES"] { return explicit }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/testsuites").standardizedFileURL.path
    }()

    public static func path(_ relative: String) -> String { "\(directory)/\(relative)" }

    public static func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    public static let absentMessage: Comment = "shared/testsuites not found beside the clone (set RCS_TESTSUITES): third-party vectors skipped"
}

public typealias Comment = String

extension Array where Element == UInt8 {
    /// Bytes from a hex string; nil when it is not hex.
    public init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
