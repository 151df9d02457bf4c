import Foundation

/// A WebDAV write lock (RFC 4918 sections 6 and 7).
///
/// Resources are identified by their normalized, percent-DECODED URL path
/// without a trailing slash, e.g. "/webdav/acme/calls/2026/a.wav"; a
/// collection "/webdav/acme/calls"; the server root "/". Ancestry is by "/"
/// segments: "/a/b" is an ancestor of "/a/b/c" but not of "/a/bc".
public struct DAVLock: Sendable, Equatable {
    /// "opaquelocktoken:<uuid>" (RFC 4918 appendix C). Compared as an exact string.
    public let token: String
    /// The lock root: the resource the LOCK request named.
    public let root: String
    /// false = shared.
    public let exclusive: Bool
    /// false = depth 0. A depth-0 lock on a collection covers only the collection itself.
    public let depthInfinity: Bool
    /// The `<D:owner>` element as serialized XML, kept verbatim for lockdiscovery.
    public let owner: String?
    /// Who took the lock, for the audit trail; never used for token checks.
    public let principal: String
    /// The granted timeout in seconds; nil = Infinite.
    public var timeout: TimeInterval?
    /// When the lock expires; nil = never.
    public var expires: Date?

    public init(token: String, root: String, exclusive: Bool, depthInfinity: Bool, owner: String?,
                principal: String, timeout: TimeInterval?, expires: Date?) {
        self.token = token
        self.root = root
        self.exclusive = exclusive
        self.depthInfinity = depthInfinity
        self.owner = owner
        self.principal = principal
        self.timeout = timeout
        self.expires = expires
    }

    /// A fresh token: "opaquelocktoken:" and a random (version 4) UUID, lower case.
    public static func makeToken() -> String {
        "opaquelocktoken:" + UUID().uuidString.lowercased()
    }

    /// True when the lock applies to `resource`: it is the lock root, or the
    /// lock has depth infinity and the root is an ancestor of it.
    public func covers(_ resource: String) -> Bool {
        let resource = Self.normalize(resource)
        return Self.samePath(resource, root) || (depthInfinity && Self.isAncestor(root, of: resource))
    }

    /// True when the lock is rooted at `resource` or below it.
    public func isWithin(_ resource: String) -> Bool {
        let resource = Self.normalize(resource)
        return Self.samePath(root, resource) || Self.isAncestor(resource, of: root)
    }

    public func isExpired(at now: Date) -> Bool {
        guard let expires else { return false }
        return expires <= now
    }

    /// Seconds left before the lock expires (rounded up, at least 0); nil = Infinite.
    public func remainingSeconds(at now: Date) -> Int? {
        guard let expires else { return nil }
        return Self.wholeSeconds(expires.timeIntervalSince(now))
    }

    /// The value for a Timeout response header and the `<D:timeout>` element:
    /// "Second-N" or "Infinite". With `now`, N is the time left (RFC 4918
    /// section 14.29); without, the granted timeout.
    public func timeoutHeaderValue(now: Date? = nil) -> String {
        let seconds: Int?
        if let now {
            seconds = remainingSeconds(at: now)
        } else {
            seconds = timeout.map(Self.wholeSeconds)
        }
        return seconds.map { "Second-\($0)" } ?? "Infinite"
    }

    /// The value for the Lock-Token response header of a LOCK that created the lock (RFC 4918 section 10.5).
    public var lockTokenHeaderValue: String { "<\(token)>" }

    /// `<D:activelock>` for lockdiscovery and the LOCK response body (RFC 4918
    /// section 14.1). The caller declares xmlns:D="DAV:" on an enclosing
    /// element and gives the lock root's href, already URL-encoded (it is
    /// XML-escaped here). The owner is inserted verbatim. With `now` the
    /// timeout shows the time left, without it the granted timeout.
    public func activeLockXML(lockRootHref: String, now: Date? = nil) -> String {
        var xml = "<D:activelock>"
        xml += "<D:locktype><D:write/></D:locktype>"
        xml += "<D:lockscope>" + (exclusive ? "<D:exclusive/>" : "<D:shared/>") + "</D:lockscope>"
        xml += "<D:depth>" + (depthInfinity ? "infinity" : "0") + "</D:depth>"
        if let owner { xml += owner }
        xml += "<D:timeout>" + timeoutHeaderValue(now: now) + "</D:timeout>"
        xml += "<D:locktoken><D:href>" + DAVXML.escape(token) + "</D:href></D:locktoken>"
        xml += "<D:lockroot><D:href>" + DAVXML.escape(lockRootHref) + "</D:href></D:lockroot>"
        xml += "</D:activelock>"
        return xml
    }

    // MARK: - Resource paths

    /// Drops trailing slashes ("/a/b/" -> "/a/b"); "" and "/" are the root "/".
    public static func normalize(_ path: String) -> String {
        var path = Substring(path)
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return path.isEmpty ? "/" : String(path)
    }

    /// True when `ancestor` is a proper ancestor of `descendant` by "/" segments.
    /// Both are expected normalized (see `normalize`). Byte-exact: names that
    /// differ only in Unicode normalization are different files on Linux.
    public static func isAncestor(_ ancestor: String, of descendant: String) -> Bool {
        let a = ancestor.utf8, d = descendant.utf8
        let slash = UInt8(ascii: "/")
        if a.elementsEqual([slash]) { return d.count > 1 && d.first == slash }
        guard d.count > a.count + 1, d.starts(with: a) else { return false }
        return d[d.index(d.startIndex, offsetBy: a.count)] == slash
    }

    /// Byte-exact path equality (String's == uses Unicode canonical equivalence).
    public static func samePath(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// The parent collection's path, nil for the root "/".
    public static func parent(of path: String) -> String? {
        let path = normalize(path)
        guard path != "/", let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    // MARK: - Private

    private static func wholeSeconds(_ interval: TimeInterval) -> Int {
        guard interval.isFinite else { return Int.max }
        let rounded = interval.rounded(.up)
        if rounded <= 0 { return 0 }
        return rounded >= Double(Int.max) ? Int.max : Int(rounded)
    }
}

/// Why a lock operation was refused.
public enum DAVLockError: Error, Sendable, Equatable {
    /// HTTP 423: an incompatible lock exists. The lock roots, sorted, without duplicates
    /// (for `<D:lock-token-submitted>` / `<D:no-conflicting-lock>` hrefs).
    case locked(conflicting: [String])
    /// UNLOCK or refresh with a token that names no lock, or a lock that does not
    /// cover the request URI: 409 with `<D:lock-token-matches-request-uri/>`
    /// (for a refresh through the If header, 412 is also acceptable).
    case noSuchLock
    /// A timeout that is not a positive number of seconds.
    case badTimeout
}
