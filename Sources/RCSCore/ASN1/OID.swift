/// An ASN.1 OBJECT IDENTIFIER, kept in dotted form ("1.2.840.113549.1.7.3").
public struct OID: Hashable, Sendable, CustomStringConvertible {
    public let dotted: String

    public init(_ dotted: String) { self.dotted = dotted }

    public init(contentBytes: [UInt8]) throws {
        guard !contentBytes.isEmpty, contentBytes.last! & 0x80 == 0, contentBytes.count <= 64 else {
            throw RCSError(.malformedEnvelope, "malformed object identifier")
        }
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        for byte in contentBytes {
            guard value < (1 << 56) else { throw RCSError(.malformedEnvelope, "object identifier arc too large") }
            value = (value << 7) | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 { arcs.append(value); value = 0 }
        }
        let first = min(arcs[0] / 40, 2)
        arcs[0] -= first * 40
        dotted = ([first] + arcs).map(String.init).joined(separator: ".")
    }

    public var description: String { dotted }

    /// The DER content octets.
    public var contentBytes: [UInt8] {
        let arcs = dotted.split(separator: ".").map { UInt64($0)! }
        var out: [UInt8] = []
        for arc in [arcs[0] * 40 + arcs[1]] + arcs.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(arc & 0x7F)]
            var rest = arc >> 7
            while rest > 0 { chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0); rest >>= 7 }
            out += chunk
        }
        return out
    }

    /// The whole DER TLV.
    public var der: [UInt8] { DER.tlv(0x06, contentBytes) }
}

extension OID {
    static let data = OID("1.2.840.113549.1.7.1")
    static let signedData = OID("1.2.840.113549.1.7.2")
    static let envelopedData = OID("1.2.840.113549.1.7.3")
    static let encryptedData = OID("1.2.840.113549.1.7.6")
    static let authEnvelopedData = OID("1.2.840.113549.1.9.16.1.23")
    static let rsaEncryption = OID("1.2.840.113549.1.1.1")
    static let rsaesOAEP = OID("1.2.840.113549.1.1.7")
    static let mgf1 = OID("1.2.840.113549.1.1.8")
    static let pSpecified = OID("1.2.840.113549.1.1.9")
    static let sha1 = OID("1.3.14.3.2.26")
    static let sha256 = OID("2.16.840.1.101.3.4.2.1")
}
