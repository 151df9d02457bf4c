/// Minimal DER encoding for the envelopes RCS writes.
public enum DER {
    /// Identifier and definite length for `length` content bytes.
    public static func header(_ identifier: UInt8, length: UInt64) -> [UInt8] {
        if length < 0x80 { return [identifier, UInt8(length)] }
        var bytes: [UInt8] = []
        var rest = length
        while rest > 0 { bytes.insert(UInt8(rest & 0xFF), at: 0); rest >>= 8 }
        return [identifier, 0x80 | UInt8(bytes.count)] + bytes
    }

    /// Size of a whole element with `length` content bytes.
    public static func elementSize(contentLength length: UInt64) -> UInt64 {
        UInt64(header(0, length: length).count) + length
    }

    public static func tlv(_ identifier: UInt8, _ content: [UInt8]) -> [UInt8] {
        header(identifier, length: UInt64(content.count)) + content
    }

    public static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }

    /// A SET OF, its elements sorted as DER requires.
    public static func setOf(_ elements: [[UInt8]]) -> [UInt8] {
        tlv(0x31, elements.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 })
    }

    public static func octetString(_ bytes: [UInt8]) -> [UInt8] { tlv(0x04, bytes) }

    public static func integer(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        repeat { bytes.insert(UInt8(rest & 0xFF), at: 0); rest >>= 8 } while rest > 0
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tlv(0x02, bytes)
    }

    public static let null: [UInt8] = [0x05, 0x00]
    /// Indefinite-length header and end-of-contents (BER, for streams of unknown size).
    public static func indefinite(_ identifier: UInt8) -> [UInt8] { [identifier, 0x80] }
    public static let endOfContents: [UInt8] = [0, 0]
}
