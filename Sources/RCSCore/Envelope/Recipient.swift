internal import COpenSSL

/// One RecipientInfo of an envelope.
public struct Recipient: Sendable {
    /// How the recipient's certificate is named.
    public enum Identifier: Sendable, Equatable {
        /// IssuerAndSerialNumber: the DER of the issuer Name and the serial's INTEGER content.
        case issuerAndSerial(issuerDER: [UInt8], serial: [UInt8])
        /// SubjectKeyIdentifier.
        case subjectKeyIdentifier([UInt8])
    }

    /// The recipient types of RFC 5652; only key transport (RSA) is opened.
    public enum Kind: String, Sendable {
        case keyTransport = "ktri"
        case keyAgreement = "kari"
        case keyEncryptionKey = "kekri"
        case password = "pwri"
        case other = "ori"
    }

    public let kind: Kind
    public let identifier: Identifier?
    /// nil when the key-encryption algorithm is not one RCS supports.
    public let padding: RSAPadding?
    public let keyEncryptionOID: OID?
    public let encryptedKey: [UInt8]

    /// Parses a RecipientInfo (CHOICE of ktri, [1] kari, [2] kekri, [3] pwri, [4] ori).
    init(_ element: BERElement) throws {
        switch element.identifier {
        case 0x30: break
        case 0xA1: self.init(unsupported: .keyAgreement); return
        case 0xA2: self.init(unsupported: .keyEncryptionKey); return
        case 0xA3: self.init(unsupported: .password); return
        default: self.init(unsupported: .other); return
        }
        // KeyTransRecipientInfo ::= SEQUENCE { version, rid, keyEncryptionAlgorithm, encryptedKey }
        let fields = try element.children()
        guard fields.count == 4 else { throw RCSError(.malformedEnvelope, "malformed key-transport recipient") }
        _ = try fields[0].smallInteger()
        let identifier: Identifier
        switch fields[1].identifier {
        case 0x30:
            let parts = try fields[1].children()
            guard parts.count == 2 else { throw RCSError(.malformedEnvelope, "malformed issuer and serial number") }
            try parts[0].expect(0x30, "an issuer name")
            try parts[1].expect(0x02, "a serial number")
            identifier = .issuerAndSerial(issuerDER: Array(parts[0].encoded), serial: Array(parts[1].content))
        case 0x80, 0xA0:
            identifier = .subjectKeyIdentifier(try fields[1].octets())
        default:
            throw RCSError(.malformedEnvelope, "unknown recipient identifier")
        }
        let algorithm = try fields[2].expect(0x30, "a key-encryption algorithm").children()
        guard let oid = try algorithm.first?.objectIdentifier() else {
            throw RCSError(.malformedEnvelope, "empty key-encryption algorithm")
        }
        let padding: RSAPadding?
        if oid == .rsaEncryption {
            padding = .pkcs1
        } else if oid == .rsaesOAEP {
            padding = try Self.oaepPadding(algorithm.count > 1 ? algorithm[1] : nil)
        } else {
            padding = nil
        }
        self.init(kind: .keyTransport, identifier: identifier, padding: padding, keyEncryptionOID: oid,
                  encryptedKey: try fields[3].expect(0x04, "an encrypted key").octets())
    }

    private init(unsupported kind: Kind) {
        self.init(kind: kind, identifier: nil, padding: nil, keyEncryptionOID: nil, encryptedKey: [])
    }

    private init(kind: Kind, identifier: Identifier?, padding: RSAPadding?, keyEncryptionOID: OID?,
                 encryptedKey: [UInt8]) {
        self.kind = kind
        self.identifier = identifier
        self.padding = padding
        self.keyEncryptionOID = keyEncryptionOID
        self.encryptedKey = encryptedKey
    }

    /// RSAES-OAEP-params ::= SEQUENCE { [0] hash DEFAULT sha1, [1] mgf DEFAULT mgf1SHA1, [2] pSource DEFAULT empty }
    static func oaepPadding(_ parameters: BERElement?) throws -> RSAPadding {
        var hash = "SHA1", mgf1Hash = "SHA1"
        var label: [UInt8] = []
        guard let parameters, parameters.identifier != 0x05 else { return .oaep(hash: hash, mgf1Hash: mgf1Hash, label: label) }
        for field in try parameters.expect(0x30, "OAEP parameters").children() {
            guard let inner = try field.children().first else { throw RCSError(.malformedEnvelope, "empty OAEP parameter") }
            let algorithm = try inner.expect(0x30, "an algorithm identifier").children()
            guard let oid = try algorithm.first?.objectIdentifier() else { throw RCSError(.malformedEnvelope, "empty OAEP algorithm") }
            switch field.identifier {
            case 0xA0:
                hash = try digestName(oid)
            case 0xA1:
                guard oid == .mgf1, algorithm.count == 2,
                      let mgfHash = try algorithm[1].expect(0x30, "the MGF1 hash").children().first?.objectIdentifier() else {
                    throw RCSError(.unsupportedAlgorithm, "OAEP mask generation \(oid) is not supported")
                }
                mgf1Hash = try digestName(mgfHash)
            case 0xA2:
                guard oid == .pSpecified, algorithm.count == 2 else {
                    throw RCSError(.unsupportedAlgorithm, "OAEP label source \(oid) is not supported")
                }
                label = try algorithm[1].expect(0x04, "an OAEP label").octets()
            default:
                throw RCSError(.malformedEnvelope, "unknown OAEP parameter")
            }
        }
        return .oaep(hash: hash, mgf1Hash: mgf1Hash, label: label)
    }

    static let digests: [String: String] = [
        "1.3.14.3.2.26": "SHA1",
        "2.16.840.1.101.3.4.2.4": "SHA224",
        "2.16.840.1.101.3.4.2.1": "SHA256",
        "2.16.840.1.101.3.4.2.2": "SHA384",
        "2.16.840.1.101.3.4.2.3": "SHA512",
        "2.16.840.1.101.3.4.2.5": "SHA512-224",
        "2.16.840.1.101.3.4.2.6": "SHA512-256",
    ]

    static func digestName(_ oid: OID) throws -> String {
        guard let name = digests[oid.dotted] else { throw RCSError(.unsupportedAlgorithm, "digest \(oid) is not supported") }
        return name
    }

    static func digestOID(_ name: String) -> OID {
        OID(digests.first { $0.value == name }!.key)
    }

    /// True when this recipient names `certificate`.
    public func names(_ certificate: Certificate) -> Bool {
        switch identifier {
        case let .issuerAndSerial(issuerDER, serial)?:
            guard serial == serialContent(certificate) else { return false }
            return Self.sameName(issuerDER, X509_get_issuer_name(certificate.pointer))
        case let .subjectKeyIdentifier(keyID)?:
            return certificate.subjectKeyIdentifier == keyID
        case nil:
            return false
        }
    }

    private func serialContent(_ certificate: Certificate) -> [UInt8] {
        (try? BERElement.parse(certificate.serialNumberDER)).map { Array($0.content) } ?? []
    }

    /// Compares names after OpenSSL's canonical form (case, spacing, string types).
    static func sameName(_ der: [UInt8], _ name: OpaquePointer?) -> Bool {
        der.withUnsafeBytes { raw in
            var cursor = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard let parsed = d2i_X509_NAME(nil, &cursor, raw.count) else {
                OpenSSLErrorQueue.clear()
                return false
            }
            defer { X509_NAME_free(parsed) }
            return X509_NAME_cmp(parsed, name) == 0
        }
    }

    /// The issuer DN in readable form, for messages and `rcs inspect`.
    public var issuerDN: String? {
        guard case let .issuerAndSerial(issuerDER, _)? = identifier else { return nil }
        return issuerDER.withUnsafeBytes { raw in
            var cursor = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard let parsed = d2i_X509_NAME(nil, &cursor, raw.count) else {
                OpenSSLErrorQueue.clear()
                return nil
            }
            defer { X509_NAME_free(parsed) }
            return Certificate.distinguishedName(parsed)
        }
    }

    /// Serial number in uppercase hex, like `Certificate.serialNumberHex`.
    public var serialNumberHex: String? {
        guard case let .issuerAndSerial(_, serial)? = identifier else { return nil }
        let trimmed = serial.drop { $0 == 0 }
        return trimmed.isEmpty ? "00" : hexString(trimmed).uppercased()
    }

    /// Subject key identifier in hex.
    public var subjectKeyIdentifierHex: String? {
        guard case let .subjectKeyIdentifier(keyID)? = identifier else { return nil }
        return hexString(keyID, separator: ":").uppercased()
    }

    /// One line naming the recipient, for errors and inspection.
    public var summary: String {
        switch identifier {
        case .issuerAndSerial?: return "issuer \"\(issuerDN ?? "?")\", serial \(serialNumberHex ?? "?")"
        case .subjectKeyIdentifier?: return "subject key identifier \(subjectKeyIdentifierHex ?? "?")"
        case nil: return "\(kind.rawValue) recipient (not supported)"
        }
    }
}
