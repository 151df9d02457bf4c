/// What an envelope says about itself before its encrypted content: enough
/// to choose a key, and to describe the recording without decrypting it.
public struct EnvelopeHeader: Sendable {
    public enum Kind: String, Sendable {
        /// CMS EnvelopedData (RFC 5652), also legacy PKCS#7 enveloped-data.
        case envelopedData = "EnvelopedData"
        /// CMS AuthEnvelopedData (RFC 5083) with AES-GCM.
        case authEnvelopedData = "AuthEnvelopedData"
    }

    public let kind: Kind
    public let version: Int
    public let recipients: [Recipient]
    /// The type of the encrypted content, normally id-data.
    public let contentType: OID
    public let contentEncryption: ContentEncryption
    /// True when the content is BER indefinite-length chunks (`openssl cms -stream`).
    public let isIndefiniteLength: Bool
    /// Offset of the first byte after the header, in the DER stream.
    public let contentOffset: UInt64
    /// Ciphertext length when the content is one primitive OCTET STRING.
    public let contentLength: UInt64?
}

/// How an envelope file is armoured.
public enum EnvelopeEncoding: String, Sendable {
    case der = "DER"
    case pem = "PEM"
    case smime = "S/MIME"
}
