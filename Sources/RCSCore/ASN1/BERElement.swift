/// One BER/DER element parsed from bytes held in memory: small things only
/// (recipient infos, algorithm identifiers, names). Indefinite lengths and
/// constructed strings are accepted, with limits on depth.
public struct BERElement: Sendable {
    /// The identifier octet for low tag numbers (all RCS needs), e.g. 0x30 SEQUENCE.
    public let identifier: UInt8
    /// The content octets (for an indefinite length, without the end-of-contents).
    public let content: ArraySlice<UInt8>
    /// The whole element, identifier to end.
    public let encoded: ArraySlice<UInt8>
    public let isIndefinite: Bool

    public var isConstructed: Bool { identifier & 0x20 != 0 }

    static let maxDepth = 32

    /// Parses exactly one element from the front of `bytes`.
    public static func parse(_ bytes: ArraySlice<UInt8>, depth: Int = 0) throws -> (BERElement, rest: ArraySlice<UInt8>) {
        guard depth < maxDepth else { throw RCSError(.malformedEnvelope, "ASN.1 nested too deeply") }
        var i = bytes.startIndex
        guard i < bytes.endIndex else { throw RCSError(.truncatedEnvelope, "ASN.1 element missing") }
        let identifier = bytes[i]
        guard identifier & 0x1F != 0x1F else { throw RCSError(.malformedEnvelope, "ASN.1 high tag numbers are not used in envelopes") }
        i += 1
        guard i < bytes.endIndex else { throw RCSError(.truncatedEnvelope, "ASN.1 length missing") }
        let first = bytes[i]
        i += 1
        if first == 0x80 {
            guard identifier & 0x20 != 0 else { throw RCSError(.malformedEnvelope, "indefinite length on a primitive ASN.1 element") }
            var cursor = bytes[i...]
            while true {
                guard cursor.count >= 2 else { throw RCSError(.truncatedEnvelope, "ASN.1 end-of-contents missing") }
                if cursor[cursor.startIndex] == 0 && cursor[cursor.startIndex + 1] == 0 {
                    let contentEnd = cursor.startIndex
                    let end = contentEnd + 2
                    return (BERElement(identifier: identifier, content: bytes[i..<contentEnd],
                                       encoded: bytes[bytes.startIndex..<end], isIndefinite: true), bytes[end...])
                }
                cursor = try parse(cursor, depth: depth + 1).rest
            }
        }
        let length: Int
        if first & 0x80 == 0 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count <= 4 else { throw RCSError(.malformedEnvelope, "ASN.1 length too large") }
            guard bytes.endIndex - i >= count else { throw RCSError(.truncatedEnvelope, "ASN.1 length cut short") }
            var value = 0
            for _ in 0..<count { value = (value << 8) | Int(bytes[i]); i += 1 }
            length = value
        }
        guard bytes.endIndex - i >= length else { throw RCSError(.truncatedEnvelope, "ASN.1 element cut short") }
        let end = i + length
        return (BERElement(identifier: identifier, content: bytes[i..<end],
                           encoded: bytes[bytes.startIndex..<end], isIndefinite: false), bytes[end...])
    }

    public static func parse(_ bytes: [UInt8]) throws -> BERElement {
        let (element, rest) = try parse(bytes[...])
        guard rest.isEmpty else { throw RCSError(.malformedEnvelope, "trailing bytes after ASN.1 element") }
        return element
    }

    /// The elements inside a constructed element.
    public func children() throws -> [BERElement] {
        guard isConstructed else { throw RCSError(.malformedEnvelope, "expected a constructed ASN.1 element") }
        var result: [BERElement] = []
        var rest = content
        while !rest.isEmpty {
            let (child, next) = try BERElement.parse(rest, depth: 1)
            result.append(child)
            rest = next
        }
        return result
    }

    /// Fails unless the identifier is `expected`.
    @discardableResult
    public func expect(_ expected: UInt8, _ what: String) throws -> BERElement {
        guard identifier == expected else {
            throw RCSError(.malformedEnvelope, "expected \(what), found ASN.1 tag 0x\(String(identifier, radix: 16))")
        }
        return self
    }

    /// The value of an OCTET STRING, primitive or constructed (BER).
    public func octets() throws -> [UInt8] {
        if !isConstructed { return Array(content) }
        var result: [UInt8] = []
        for child in try children() { result += try child.octets() }
        return result
    }

    /// An OBJECT IDENTIFIER's dotted form.
    public func objectIdentifier() throws -> OID {
        try expect(0x06, "an object identifier")
        return try OID(contentBytes: Array(content))
    }

    /// A small non-negative INTEGER.
    public func smallInteger() throws -> Int {
        try expect(0x02, "an integer")
        guard !content.isEmpty, content.count <= 4, content.first! & 0x80 == 0 else {
            throw RCSError(.malformedEnvelope, "integer out of range")
        }
        return content.reduce(0) { ($0 << 8) | Int($1) }
    }
}
