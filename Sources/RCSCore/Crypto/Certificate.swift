internal import COpenSSL
import Foundation

/// An X.509 certificate, owned: the `X509*` is freed when this goes away.
public final class Certificate: @unchecked Sendable {
    // @unchecked Sendable: the X509 object is never mutated after loading, and
    // OpenSSL's read accessors are thread-safe on a shared const object.
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }

    /// Every certificate in `bytes`: PEM (one or many) or DER.
    public static func load(_ bytes: [UInt8]) throws -> [Certificate] {
        OpenSSLErrorQueue.clear()
        if PEMBlock.looksLikePEM(bytes) {
            let blocks = PEMBlock.scan(bytes)
            let certificateLabels: Set<String> = ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]
            guard blocks.contains(where: { certificateLabels.contains($0.label) }) else {
                let labels = blocks.map(\.label).joined(separator: ", ")
                throw RCSError(.wrongKind, "the PEM file holds no certificate (found: \(labels.isEmpty ? "nothing readable" : labels))")
            }
            var result: [Certificate] = []
            try withMemoryBIO(bytes) { bio in
                while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                    result.append(Certificate(taking: x509))
                }
            }
            // The loop ends on "no start line": expected at the end of the file.
            let leftover = OpenSSLErrorQueue.drain().filter { !$0.contains("no start line") }
            guard !result.isEmpty, leftover.isEmpty else {
                throw RCSError(.notPEMOrDER, "a certificate in the PEM file is damaged", openSSLErrors: leftover)
            }
            return result
        }
        let certificate: Certificate? = bytes.withUnsafeBytes { raw in
            var cursor = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard let x509 = d2i_X509(nil, &cursor, raw.count) else { return nil }
            let used = UnsafeRawPointer(cursor!) - raw.baseAddress!
            guard used == raw.count else { X509_free(x509); return nil }
            return Certificate(taking: x509)
        }
        guard let certificate else {
            throw OpenSSLErrorQueue.error(.notPEMOrDER, "not a certificate: neither PEM text nor a DER X.509 certificate")
        }
        OpenSSLErrorQueue.clear()
        return [certificate]
    }

    /// Loads a file holding one or more certificates.
    public static func load(path: String) throws -> [Certificate] {
        try load(readFile(path))
    }

    // MARK: Fields shown to people (SPEC section 2)

    public var subjectDN: String { Self.distinguishedName(X509_get_subject_name(pointer)) }
    public var issuerDN: String { Self.distinguishedName(X509_get_issuer_name(pointer)) }

    /// Common name, plus the e-mail address when present.
    public var subjectName: String {
        let name = X509_get_subject_name(pointer)
        let cn = Self.entry(name, nid: NID_commonName)
        let email = Self.entry(name, nid: NID_pkcs9_emailAddress)
        switch (cn, email) {
        case let (cn?, email?): return "\(cn) <\(email)>"
        case let (cn?, nil): return cn
        case let (nil, email?): return email
        default: return subjectDN
        }
    }

    /// The issuer's common name, else its whole DN: the "Issued By" column.
    public var issuerName: String {
        Self.entry(X509_get_issuer_name(pointer), nid: NID_commonName) ?? issuerDN
    }

    /// Serial number in uppercase hex, as `openssl x509 -serial` prints it.
    public var serialNumberHex: String {
        let serial = X509_get0_serialNumber(pointer)
        guard let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { CRYPTO_free(hex, #fileID, #line) }
        return String(cString: hex)
    }

    public var notBefore: Date { Self.date(X509_get0_notBefore(pointer)) }
    public var notAfter: Date { Self.date(X509_get0_notAfter(pointer)) }

    /// "RSA", "EC", ... and the size in bits.
    public var publicKeyType: String { Self.keyTypeName(X509_get0_pubkey(pointer)) }
    public var publicKeyBits: Int { Int(EVP_PKEY_get_bits(X509_get0_pubkey(pointer))) }

    /// SHA-256 over the DER encoding, lowercase hex without separators.
    public var sha256Fingerprint: String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        X509_digest(pointer, EVP_sha256(), &digest, &length)
        return hexString(digest.prefix(Int(length)))
    }

    /// The subject key identifier as `rcs inspect` and the catalog write it: uppercase hex with colons.
    public var subjectKeyIdentifierHex: String? {
        subjectKeyIdentifier.map { hexString($0, separator: ":").uppercased() }
    }

    /// The subject key identifier extension, when present.
    public var subjectKeyIdentifier: [UInt8]? {
        guard let ski = X509_get0_subject_key_id(pointer) else { return nil }
        return Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(ski), count: Int(ASN1_STRING_length(ski))))
    }

    /// True when subject and issuer are the same and the certificate's own key signs it.
    public var isSelfSigned: Bool {
        let result = X509_check_issued(pointer, pointer) == X509_V_OK
        OpenSSLErrorQueue.clear()
        return result
    }

    /// True for a CA certificate (basicConstraints cA).
    public var isCA: Bool { X509_check_ca(pointer) != 0 }

    /// DER of the whole certificate.
    public var der: [UInt8] { derBytes { i2d_X509(pointer, &$0) } }

    /// PEM text of the certificate.
    public var pem: String {
        let bytes = (try? collectMemoryBIO { bio in _ = PEM_write_bio_X509(bio, pointer) }) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    /// DER of the issuer Name, for an IssuerAndSerialNumber.
    var issuerNameDER: [UInt8] { derBytes { i2d_X509_NAME(X509_get_issuer_name(pointer), &$0) } }

    /// DER of the serial number INTEGER.
    var serialNumberDER: [UInt8] { derBytes { i2d_ASN1_INTEGER(X509_get0_serialNumber(pointer), &$0) } }

    // MARK: Helpers

    static func distinguishedName(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        let flags = UInt(rcs_XN_FLAG_RFC2253) & ~UInt(ASN1_STRFLGS_ESC_MSB)
        let bytes = (try? collectMemoryBIO { bio in _ = X509_NAME_print_ex(bio, name, 0, flags) }) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    static func entry(_ name: OpaquePointer?, nid: Int32) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, nid, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { CRYPTO_free(utf8, #fileID, #line) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var tm = tm()
        guard let time, ASN1_TIME_to_tm(time, &tm) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    static func keyTypeName(_ key: OpaquePointer?) -> String {
        guard let key else { return "unknown" }
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: return "RSA"
        case EVP_PKEY_RSA_PSS: return "RSA-PSS"
        case EVP_PKEY_EC: return "EC"
        case EVP_PKEY_ED25519: return "Ed25519"
        case EVP_PKEY_ED448: return "Ed448"
        case EVP_PKEY_DSA: return "DSA"
        case EVP_PKEY_DH: return "DH"
        default:
            if let name = EVP_PKEY_get0_type_name(key) { return String(cString: name) }
            return "unknown"
        }
    }
}

/// Runs an OpenSSL `i2d_*` encoder that allocates its output, and copies it out.
func derBytes(_ encode: (inout UnsafeMutablePointer<UInt8>?) -> Int32) -> [UInt8] {
    var out: UnsafeMutablePointer<UInt8>?
    let length = encode(&out)
    guard length > 0, let out else { return [] }
    defer { CRYPTO_free(out, #fileID, #line) }
    return Array(UnsafeBufferPointer(start: out, count: Int(length)))
}

/// Reads a whole (small) file: keys and certificates, never recordings.
func readFile(_ path: String, limit: Int = 16 << 20) throws -> [UInt8] {
    let source = try FileDescriptorSource(path: path)
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
        if n == 0 { break }
        bytes += chunk.prefix(n)
        if bytes.count > limit { throw RCSError(.io, "\(path) is larger than \(limit >> 20) MiB: not a key or certificate file") }
    }
    return bytes
}
