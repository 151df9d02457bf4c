import Foundation

/// The If request header of WebDAV (RFC 4918 section 10.4):
///
///     If = ( 1*No-tag-list | 1*Tagged-list )
///     No-tag-list = List
///     Tagged-list = Resource-Tag 1*List
///     List = "(" 1*Condition ")"
///     Condition = ["Not"] (State-token | "[" entity-tag "]")
///     State-token = Coded-URL ; "<" absolute-URI ">"
///     Resource-Tag = "<" Simple-ref ">"
///
/// with optional whitespace between the pieces.
public struct DAVIfHeader: Sendable {
    public struct Condition: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// A state token (a lock token such as "opaquelocktoken:…", or "DAV:no-lock"), without the angle brackets.
            case stateToken(String)
            /// An entity tag with its quotes, e.g. "\"abc\"" or "W/\"abc\"".
            case entityTag(String)
        }
        public let negated: Bool
        public let kind: Kind

        public init(negated: Bool, kind: Kind) {
            self.negated = negated
            self.kind = kind
        }
    }

    public struct List: Sendable, Equatable {
        /// The tagged resource: the decoded path of the tag's URI, without a
        /// trailing slash (as `DAVLock` paths are); nil = untagged (applies to
        /// the request URI).
        public let resource: String?
        public let conditions: [Condition]

        public init(resource: String?, conditions: [Condition]) {
            self.resource = resource
            self.conditions = conditions
        }
    }

    /// The state token that no lock ever has: `(Not <DAV:no-lock>)` is always true.
    public static let noLockToken = "DAV:no-lock"

    public let lists: [List]

    /// Parses the header's value.
    /// - Throws: `DAVIfHeaderError` on malformed syntax (the server answers 400).
    public init(parsing header: String) throws(DAVIfHeaderError) {
        var parser = Parser(Array(header.utf8))
        lists = try parser.parse()
    }

    /// True when some list is tagged.
    public var isTagged: Bool { lists.contains { $0.resource != nil } }

    /// All state tokens that appear in the header (negated or not, tagged for
    /// any resource): the tokens the client "submits" for lock checks.
    public var submittedTokens: Set<String> {
        var tokens = Set<String>()
        for list in lists {
            for condition in list.conditions {
                if case .stateToken(let token) = condition.kind { tokens.insert(token) }
            }
        }
        return tokens
    }

    /// Evaluates the header (RFC 4918 section 10.4.3): true when at least one
    /// list, applied to its resource (untagged lists to `requestResource`),
    /// has all its conditions true.
    ///
    /// A state-token condition is true when the resource is covered by a lock
    /// with that token (`lockTokens` gives the tokens of the locks covering a
    /// path; "DAV:no-lock" never matches). An entity-tag condition is true when
    /// `etag` gives the resource's current ETag (with quotes, nil when the
    /// resource does not exist) and it equals the condition's tag by the
    /// strong comparison of RFC 7232 section 2.3.2 (both strong, same
    /// characters). "Not" negates a condition.
    public func evaluate(requestResource: String, etag: (String) -> String?, lockTokens: (String) -> Set<String>) -> Bool {
        let requestResource = DAVLock.normalize(requestResource)
        return lists.contains { list in
            let resource = list.resource ?? requestResource
            return list.conditions.allSatisfy { condition in
                let matches: Bool
                switch condition.kind {
                case .stateToken(let token):
                    matches = token != Self.noLockToken && lockTokens(resource).contains(token)
                case .entityTag(let tag):
                    matches = etag(resource).map { Self.strongMatch(tag, $0) } ?? false
                }
                return matches != condition.negated
            }
        }
    }

    /// `evaluate` with the lock tokens from a lock manager.
    public func evaluate(requestResource: String, etag: (String) -> String?, locks: DAVLockManager) -> Bool {
        evaluate(requestResource: requestResource, etag: etag, lockTokens: { locks.lockTokens(covering: $0) })
    }

    /// RFC 7232 section 2.3.2: both tags strong and their opaque tags identical.
    public static func strongMatch(_ a: String, _ b: String) -> Bool {
        guard !a.hasPrefix("W/"), !b.hasPrefix("W/") else { return false }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// The decoded path of a tag's URI: scheme and authority stripped
    /// ("http://host:8080/webdav/acme/x%20y/" -> "/webdav/acme/x y"), query and
    /// fragment dropped, percent-decoded, trailing slash removed. Nil when it is
    /// neither an absolute URI with a path nor an absolute path, or its
    /// percent-encoding is malformed or not UTF-8.
    public static func resourcePath(fromTag tag: String) -> String? {
        var rest = Substring(tag)
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if !rest.hasPrefix("/") {
            // absolute-URI: scheme ":" hier-part; only "//authority/path" forms name a server path.
            guard let colon = rest.firstIndex(of: ":"), isScheme(rest[..<colon]) else { return nil }
            let hierPart = rest[rest.index(after: colon)...]
            guard hierPart.hasPrefix("//") else { return nil }
            let authorityAndPath = hierPart.dropFirst(2)
            rest = authorityAndPath.firstIndex(of: "/").map { authorityAndPath[$0...] } ?? "/"
        } else if rest.hasPrefix("//") {
            return nil   // a network-path reference, not an absolute path
        }
        guard let decoded = percentDecode(rest) else { return nil }
        return DAVLock.normalize(decoded)
    }

    // MARK: - Private

    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, isAlpha(first) else { return false }
        return text.utf8.allSatisfy { isAlpha($0) || (48...57).contains($0) || $0 == 43 || $0 == 45 || $0 == 46 }
    }

    private static func isAlpha(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }

    private static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard iterator.count >= 2,
                  let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
            iterator = iterator.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// A recursive-descent parser over the header's bytes.
    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func parse() throws(DAVIfHeaderError) -> [List] {
            var lists: [List] = []
            var tagged: Bool?
            skipWhitespace()
            guard position < bytes.count else { throw .malformed("the If header is empty") }
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "<"):
                    guard tagged != false else { throw .malformed("tagged and untagged lists are mixed") }
                    tagged = true
                    let tag = try codedURL()
                    guard let resource = DAVIfHeader.resourcePath(fromTag: tag) else {
                        throw .malformed("the resource tag <\(tag)> is not an absolute URI or path")
                    }
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "(") else {
                        throw .malformed("a resource tag must be followed by a list")
                    }
                    while position < bytes.count, bytes[position] == UInt8(ascii: "(") {
                        lists.append(List(resource: resource, conditions: try list()))
                        skipWhitespace()
                    }
                case UInt8(ascii: "("):
                    guard tagged != true else { throw .malformed("tagged and untagged lists are mixed") }
                    tagged = false
                    lists.append(List(resource: nil, conditions: try list()))
                default:
                    throw .malformed("unexpected character at offset \(position)")
                }
                skipWhitespace()
            }
            return lists
        }

        /// "(" 1*Condition ")", at "(".
        mutating func list() throws(DAVIfHeaderError) -> [Condition] {
            position += 1
            var conditions: [Condition] = []
            while true {
                skipWhitespace()
                guard position < bytes.count else { throw .malformed("a list is not closed") }
                if bytes[position] == UInt8(ascii: ")") {
                    position += 1
                    guard !conditions.isEmpty else { throw .malformed("an empty list") }
                    return conditions
                }
                conditions.append(try condition())
            }
        }

        /// ["Not"] (State-token | "[" entity-tag "]")
        mutating func condition() throws(DAVIfHeaderError) -> Condition {
            var negated = false
            if hasPrefixIgnoringCase("not") {
                position += 3
                negated = true
                skipWhitespace()
            }
            guard position < bytes.count else { throw .malformed("a condition is missing") }
            switch bytes[position] {
            case UInt8(ascii: "<"):
                let token = try codedURL()
                guard Self.isAbsoluteURI(token) else { throw .malformed("the state token <\(token)> is not an absolute URI") }
                return Condition(negated: negated, kind: .stateToken(token))
            case UInt8(ascii: "["):
                position += 1
                skipWhitespace()
                let tag = try entityTag()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "]") else {
                    throw .malformed("an entity tag is not closed with ']'")
                }
                position += 1
                return Condition(negated: negated, kind: .entityTag(tag))
            default:
                throw .malformed("expected a state token or an entity tag at offset \(position)")
            }
        }

        /// "<" text ">" at "<": the text, which must be non-empty without whitespace or "<".
        mutating func codedURL() throws(DAVIfHeaderError) -> String {
            position += 1
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: ">") {
                let byte = bytes[position]
                guard byte > 0x20, byte != 0x7F, byte != UInt8(ascii: "<") else {
                    throw .malformed("a URI in angle brackets holds whitespace or '<'")
                }
                position += 1
            }
            guard position < bytes.count else { throw .malformed("'<' is not closed with '>'") }
            guard position > start else { throw .malformed("an empty URI in angle brackets") }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            position += 1
            return text
        }

        /// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, returned as written.
        mutating func entityTag() throws(DAVIfHeaderError) -> String {
            let start = position
            if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "W"), bytes[position + 1] == UInt8(ascii: "/") {
                position += 2
            }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw .malformed("an entity tag must be a quoted string")
            }
            position += 1
            while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                // etagc = %x21 / %x23-7E / obs-text (RFC 7232 section 2.3)
                guard bytes[position] >= 0x21, bytes[position] != 0x7F else {
                    throw .malformed("an entity tag holds a character it may not")
                }
                position += 1
            }
            guard position < bytes.count else { throw .malformed("an entity tag is not closed with '\"'") }
            position += 1
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[position]) { position += 1 }
        }

        func hasPrefixIgnoringCase(_ word: String) -> Bool {
            let word = Array(word.utf8)
            guard position + word.count <= bytes.count else { return false }
            for (offset, letter) in word.enumerated() where bytes[position + offset] | 0x20 != letter { return false }
            return true
        }

        static func isAbsoluteURI(_ text: String) -> Bool {
            guard let colon = text.firstIndex(of: ":") else { return false }
            return DAVIfHeader.isScheme(text[..<colon])
        }
    }
}

/// A malformed If header: the server answers 400 (Bad Request).
public enum DAVIfHeaderError: Error, Sendable, Equatable {
    case malformed(String)
}
