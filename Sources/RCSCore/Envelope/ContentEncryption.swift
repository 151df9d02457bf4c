/// The content-encryption algorithm of an envelope: cipher, IV or nonce, tag length.
public struct ContentEncryption: Sendable, Equatable {
    /// OpenSSL's name, e.g. "AES-256-CBC".
    public let cipherName: String
    public let oid: OID
    public let iv: [UInt8]
    /// AES-GCM's ICV length (tag bytes); nil for CBC.
    public let tagLength: Int?
    public let keyLength: Int

    public var isAEAD: Bool { tagLength != nil }

    /// Ciphers RCS opens, by OID: AES-CBC, AES-GCM, and 3DES for old smime archives.
    static let known: [OID: (name: String, keyLength: Int, gcm: Bool)] = [
        OID("2.16.840.1.101.3.4.1.2"): ("AES-128-CBC", 16, false),
        OID("2.16.840.1.101.3.4.1.22"): ("AES-192-CBC", 24, false),
        OID("2.16.840.1.101.3.4.1.42"): ("AES-256-CBC", 32, false),
        OID("2.16.840.1.101.3.4.1.6"): ("AES-128-GCM", 16, true),
        OID("2.16.840.1.101.3.4.1.26"): ("AES-192-GCM", 24, true),
        OID("2.16.840.1.101.3.4.1.46"): ("AES-256-GCM", 32, true),
        OID("1.2.840.113549.3.7"): ("DES-EDE3-CBC", 24, false),
    ]

    static func oid(forName name: String) -> OID? {
        known.first { $0.value.name == name }?.key
    }

    /// Parses a ContentEncryptionAlgorithmIdentifier.
    init(algorithmIdentifier element: BERElement) throws {
        let parts = try element.expect(0x30, "an algorithm identifier").children()
        guard let first = parts.first else { throw RCSError(.malformedEnvelope, "empty content-encryption algorithm") }
        let oid = try first.objectIdentifier()
        guard let cipher = Self.known[oid] else {
            throw RCSError(.unsupportedAlgorithm, "content cipher \(oid) is not supported (RCS opens AES-CBC, AES-GCM and 3DES-CBC)")
        }
        guard parts.count == 2 else { throw RCSError(.malformedEnvelope, "\(cipher.name) parameters missing") }
        self.oid = oid
        self.cipherName = cipher.name
        self.keyLength = cipher.keyLength
        if cipher.gcm {
            // GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen INTEGER DEFAULT 12 }
            let fields = try parts[1].expect(0x30, "GCM parameters").children()
            guard let nonce = fields.first, fields.count <= 2 else { throw RCSError(.malformedEnvelope, "malformed GCM parameters") }
            self.iv = try nonce.expect(0x04, "a GCM nonce").octets()
            let tagLength = fields.count == 2 ? try fields[1].smallInteger() : 12
            guard [12, 13, 14, 15, 16].contains(tagLength) else {
                throw RCSError(.malformedEnvelope, "invalid GCM tag length \(tagLength)")
            }
            guard (1...64).contains(iv.count) else { throw RCSError(.malformedEnvelope, "invalid GCM nonce length \(iv.count)") }
            self.tagLength = tagLength
        } else {
            self.iv = try parts[1].expect(0x04, "an IV").octets()
            self.tagLength = nil
        }
    }

    init(cipherName: String, iv: [UInt8], tagLength: Int?) {
        let oid = Self.oid(forName: cipherName)!
        self.oid = oid
        self.cipherName = cipherName
        self.keyLength = Self.known[oid]!.keyLength
        self.iv = iv
        self.tagLength = tagLength
    }

    /// DER AlgorithmIdentifier for writing.
    var der: [UInt8] {
        if let tagLength {
            return DER.sequence(oid.der, DER.sequence(DER.octetString(iv), DER.integer(tagLength)))
        }
        return DER.sequence(oid.der, DER.octetString(iv))
    }

    public var description: String { cipherName }
}
