import Foundation

/// A WebDAV resource path under `/webdav/<tenant>/`, parsed from the raw
/// (percent-encoded) URL path and validated so that it can never name
/// anything outside the tenant's storage: no `.` or `..`, no encoded `/` or
/// NUL, no control characters, no reserved `.rcs-` names.
public struct DAVPath: Hashable, Sendable, CustomStringConvertible {
    public static let prefix = "webdav"
    /// Names RCS keeps for itself (temporary uploads): never visible over WebDAV.
    public static let reservedPrefix = ".rcs-"
    static let maxSegmentBytes = 255
    static let maxDepth = 64

    public let tenant: String
    /// Decoded path segments below the tenant's root.
    public let segments: [String]

    public init(tenant: String, segments: [String]) {
        self.tenant = tenant
        self.segments = segments
    }

    public var isTenantRoot: Bool { segments.isEmpty }
    public var name: String { segments.last ?? tenant }
    public var parent: DAVPath? { isTenantRoot ? nil : DAVPath(tenant: tenant, segments: Array(segments.dropLast())) }
    public func appending(_ name: String) -> DAVPath { DAVPath(tenant: tenant, segments: segments + [name]) }

    /// The decoded resource path without a trailing slash: the identity locks use.
    public var resource: String { "/\(Self.prefix)/\(tenant)" + segments.map { "/" + $0 }.joined() }
    /// Tenant-relative path, "" for the root.
    public var relative: String { segments.joined(separator: "/") }
    public var description: String { resource }

    /// The URL path, percent-encoded, with a trailing slash for collections.
    public func href(collection: Bool) -> String {
        let encoded = ([Self.prefix, tenant] + segments).map(Self.encode).joined(separator: "/")
        return "/" + encoded + (collection ? "/" : "")
    }

    /// True when `other` is this path or below it.
    public func contains(_ other: DAVPath) -> Bool {
        other.tenant == tenant && other.segments.starts(with: segments)
    }

    /// Parses a raw URL path such as `/webdav/acme/calls/a%20b.wav`.
    /// Returns nil for `/webdav` and `/webdav/` (no tenant).
    public static func parse(urlPath raw: String) throws -> DAVPath? {
        // A fragment never belongs in a request (litmus flags servers that act on one).
        guard !raw.contains("#") else { throw RCSError(.wrongKind, "a request URI must not contain a fragment (#)") }
        let path = raw.split(separator: "?", maxSplits: 1).first.map(String.init) ?? raw
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.first == prefix else { throw RCSError(.wrongKind, "not a WebDAV path") }
        parts.removeFirst()
        guard let tenantPart = parts.first else { return nil }
        let tenant = try decode(tenantPart)
        guard isValidTenantName(tenant) else { throw RCSError(.wrongKind, "not a tenant name") }
        let segments = try parts.dropFirst().map(decode)
        guard segments.count <= maxDepth else { throw RCSError(.wrongKind, "path too deep") }
        for segment in segments { try validate(segment) }
        return DAVPath(tenant: tenant, segments: segments)
    }

    /// Parses a decoded resource path such as `/webdav/acme/a b.wav` (the form
    /// lock roots and If-header tags use). Nil when it is not a valid DAV path.
    public static func parse(resource: String) -> DAVPath? {
        let parts = resource.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 2, parts[0] == prefix, isValidTenantName(parts[1]) else { return nil }
        let segments = Array(parts.dropFirst(2))
        guard segments.count <= maxDepth, (try? segments.forEach(validate)) != nil else { return nil }
        return DAVPath(tenant: parts[1], segments: segments)
    }

    /// a-z, 0-9 and inner hyphens, 1 to 63 characters.
    public static func isValidTenantName(_ name: String) -> Bool {
        guard (1...63).contains(name.utf8.count), name.first != "-", name.last != "-" else { return false }
        return name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
    }

    static func validate(_ segment: String) throws {
        guard !segment.isEmpty, segment != ".", segment != ".." else { throw RCSError(.wrongKind, "'.' and '..' are not allowed in paths") }
        guard segment.utf8.count <= maxSegmentBytes else { throw RCSError(.wrongKind, "a path segment is longer than \(maxSegmentBytes) bytes") }
        guard !segment.hasPrefix(reservedPrefix) else { throw RCSError(.wrongKind, "names starting with \(reservedPrefix) are reserved") }
        for byte in segment.utf8 where byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") {
            throw RCSError(.wrongKind, "control characters, '/' and '\\' are not allowed in names")
        }
    }

    /// Strict percent-decoding: a malformed escape is an error, not a literal.
    static func decode(_ segment: String) throws -> String {
        var bytes: [UInt8] = []
        var iterator = Array(segment.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard iterator.count >= 2, let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) else {
                    throw RCSError(.wrongKind, "malformed percent-encoding")
                }
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw RCSError(.wrongKind, "path is not UTF-8") }
        return text
    }

    static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-._~!$&'()*+,;=:@")
        return set
    }()

    static func encode(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
