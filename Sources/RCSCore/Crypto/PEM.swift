/// Locates PEM blocks in text without decoding them, to tell what a file
/// holds (certificate, key, envelope) before handing it to OpenSSL.
public struct PEMBlock: Sendable {
    /// The label after `BEGIN`, e.g. "CERTIFICATE", "ENCRYPTED PRIVATE KEY".
    public let label: String
    /// RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED`.
    public let headers: [String: String]

    /// True for `BEGIN ENCRYPTED PRIVATE KEY` and legacy `Proc-Type: 4,ENCRYPTED` keys.
    public var isEncrypted: Bool {
        label == "ENCRYPTED PRIVATE KEY" || (headers["Proc-Type"]?.contains("ENCRYPTED") ?? false)
    }

    /// The blocks found in `bytes` (empty when it is not PEM text).
    public static func scan(_ bytes: [UInt8]) -> [PEMBlock] {
        guard bytes.count < 64 << 20, let text = String(validating: bytes, as: UTF8.self) else { return [] }
        var blocks: [PEMBlock] = []
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" })[...]
        while let line = lines.popFirst() {
            guard line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") else { continue }
            let label = String(line.dropFirst(11).dropLast(5))
            var headers: [String: String] = [:]
            while let next = lines.first, let colon = next.firstIndex(of: ":") {
                headers[String(next[..<colon])] = next[next.index(after: colon)...].trimmingCharacters(in: " ")
                lines = lines.dropFirst()
            }
            blocks.append(PEMBlock(label: label, headers: headers))
        }
        return blocks
    }

    /// True when `bytes` starts (after whitespace) like PEM text.
    public static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let trimmed = bytes.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        return trimmed.starts(with: Array("-----BEGIN ".utf8)) || !scan(bytes).isEmpty
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        return String(self.drop { chars.contains($0) }.reversed().drop { chars.contains($0) }.reversed())
    }
}
