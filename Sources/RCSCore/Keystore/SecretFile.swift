#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Where a secret (the keystore password, the first admin password) came from.
public enum SecretSource: Sendable, Equatable {
    case environment(String)
    case file(String)
    /// Generated now and written to this file (mode 0600).
    case generated(String)
}

/// Reading and making secrets kept in small files.
public enum SecretFile {
    /// The first line of a file, without its line ending.
    public static func readFirstLine(_ path: String) throws -> String {
        let bytes = try readFile(path, limit: 64 << 10)
        let line = bytes.prefix { $0 != 0x0A && $0 != 0x0D }
        guard let text = String(validating: line, as: UTF8.self), !text.isEmpty else {
            throw RCSError(.passwordRequired, "\(path) holds no password on its first line")
        }
        return text
    }

    /// A new random password: 32 bytes, base64url, no padding.
    public static func generatePassword() throws -> String {
        Data(try randomBytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Writes a secret to a new file, mode 0600, refusing to overwrite.
    public static func writeNew(_ path: String, _ secret: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RCSError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((secret + "\n").utf8)
        try bytes.withUnsafeBytes { try DescriptorWriter(fd: fd).writeAll($0) }
        guard fsync(fd) == 0 else { throw RCSError(.io, "cannot sync \(path)") }
    }

    /// The keystore password: `RCS_KEYSTORE_PASSWORD`, else the file named by
    /// `RCS_KEYSTORE_PASSWORD_FILE`, else `<data>/keystore.pass`, else (when
    /// `generate`) a new one written there.
    public static func keystorePassword(environment: [String: String], dataDirectory: String,
                                        generate: Bool) throws -> (password: String, source: SecretSource) {
        if let value = environment["RCS_KEYSTORE_PASSWORD"], !value.isEmpty {
            return (value, .environment("RCS_KEYSTORE_PASSWORD"))
        }
        if let file = environment["RCS_KEYSTORE_PASSWORD_FILE"], !file.isEmpty {
            return (try readFirstLine(file), .file(file))
        }
        let stored = "\(dataDirectory)/keystore.pass"
        if FileManager.default.fileExists(atPath: stored) { return (try readFirstLine(stored), .file(stored)) }
        guard generate else {
            throw RCSError(.passwordRequired, "no keystore password: set RCS_KEYSTORE_PASSWORD or RCS_KEYSTORE_PASSWORD_FILE (or run `rcs serve` once to generate \(stored))")
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let password = try generatePassword()
        try writeNew(stored, password)
        return (password, .generated(stored))
    }
}
