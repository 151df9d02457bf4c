import Foundation

/// The fields of SPEC section 2 for one certificate.
public struct CertificateSummary: Codable, Sendable, Equatable {
    public let subjectName: String
    public let serialNumber: String
    public let subjectDN: String
    public let issuerDN: String
    public let notBefore: Date
    public let notAfter: Date
    public let keyType: String
    public let keyBits: Int
    public let sha256Fingerprint: String
    public let subjectKeyIdentifier: String?
    public let isCA: Bool

    public init(_ certificate: Certificate) {
        subjectName = certificate.subjectName
        serialNumber = certificate.serialNumberHex
        subjectDN = certificate.subjectDN
        issuerDN = certificate.issuerDN
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        keyType = certificate.publicKeyType
        keyBits = certificate.publicKeyBits
        sha256Fingerprint = certificate.sha256Fingerprint
        subjectKeyIdentifier = certificate.subjectKeyIdentifierHex
        isCA = certificate.isCA
    }
}

/// What can be said about a private key file (without its password: the format only).
public struct PrivateKeySummary: Codable, Sendable, Equatable {
    public let format: String
    public let encrypted: Bool
    /// Known only once the key is opened.
    public let keyType: String?
    public let keyBits: Int?
    public let details: String?
}

/// An envelope's header, as `rcs inspect` and the catalog describe it.
public struct EnvelopeSummary: Codable, Sendable, Equatable {
    public struct RecipientSummary: Codable, Sendable, Equatable {
        public let type: String
        public let keyTransport: String?
        public let issuerDN: String?
        public let serialNumber: String?
        public let subjectKeyIdentifier: String?

        /// Whether `certificate` is the one this recipient names (issuer and serial, or key identifier).
        public func names(_ certificate: Certificate) -> Bool {
            if let serialNumber, let issuerDN {
                return certificate.serialNumberHex == serialNumber && certificate.issuerDN == issuerDN
            }
            return subjectKeyIdentifier != nil && certificate.subjectKeyIdentifierHex == subjectKeyIdentifier
        }
    }

    public let encoding: String
    public let contentType: String
    public let cipher: String
    public let lengthEncoding: String
    public let ciphertextLength: UInt64?
    public let recipients: [RecipientSummary]

    public init(_ header: EnvelopeHeader, encoding: EnvelopeEncoding) {
        self.encoding = encoding.rawValue
        contentType = header.kind.rawValue
        cipher = header.contentEncryption.cipherName
        lengthEncoding = header.isIndefiniteLength ? "indefinite (streamed)" : "definite"
        ciphertextLength = header.contentLength
        recipients = header.recipients.map { recipient in
            RecipientSummary(type: recipient.kind.rawValue,
                             keyTransport: recipient.padding?.description ?? recipient.keyEncryptionOID?.dotted,
                             issuerDN: recipient.issuerDN, serialNumber: recipient.serialNumberHex,
                             subjectKeyIdentifier: recipient.subjectKeyIdentifierHex)
        }
    }
}
