internal import COpenSSL
import Foundation

/// An X.509 certificate revocation list, owned: the `X509_CRL*` is freed
/// when this goes away. Give it to `ChainVerifier.Options.crls`.
public final class CertificateRevocationList: @unchecked Sendable {
    // @unchecked Sendable: like Certificate, the CRL is never mutated after
    // loading; the trust store only takes a reference to it.
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_CRL_free(pointer) }

    /// Every CRL in `bytes`: PEM (`X509 CRL` blocks, one or many) or one DER CRL.
    public static func load(_ bytes: [UInt8]) throws -> [CertificateRevocationList] {
        OpenSSLErrorQueue.clear()
        if PEMBlock.looksLikePEM(bytes) {
            let blocks = PEMBlock.scan(bytes)
            guard blocks.contains(where: { $0.label == "X509 CRL" }) else {
                let labels = blocks.map(\.label).joined(separator: ", ")
                throw RCSError(.wrongKind, "the PEM file holds no CRL (found: \(labels.isEmpty ? "nothing readable" : labels))")
            }
            var result: [CertificateRevocationList] = []
            try withMemoryBIO(bytes) { bio in
                while let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) {
                    result.append(CertificateRevocationList(taking: crl))
                }
            }
            // The loop ends on "no start line": expected at the end of the file.
            let leftover = OpenSSLErrorQueue.drain().filter { !$0.contains("no start line") }
            guard !result.isEmpty, leftover.isEmpty else {
                throw RCSError(.notPEMOrDER, "a CRL in the PEM file is damaged", openSSLErrors: leftover)
            }
            return result
        }
        let crl: CertificateRevocationList? = bytes.withUnsafeBytes { raw in
            var cursor = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard let x509CRL = d2i_X509_CRL(nil, &cursor, raw.count) else { return nil }
            let used = UnsafeRawPointer(cursor!) - raw.baseAddress!
            guard used == raw.count else { X509_CRL_free(x509CRL); return nil }
            return CertificateRevocationList(taking: x509CRL)
        }
        guard let crl else {
            throw OpenSSLErrorQueue.error(.notPEMOrDER, "not a CRL: neither PEM text nor a DER X.509 CRL")
        }
        OpenSSLErrorQueue.clear()
        return [crl]
    }

    /// Loads a file holding one or more CRLs.
    public static func load(path: String) throws -> [CertificateRevocationList] {
        try load(readFile(path))
    }

    /// The issuer's distinguished name (RFC 2253).
    public var issuerDN: String { Certificate.distinguishedName(X509_CRL_get_issuer(pointer)) }

    /// When this CRL was issued.
    public var thisUpdate: Date { Certificate.date(X509_CRL_get0_lastUpdate(pointer)) }

    /// When the next CRL is due, when the CRL says.
    public var nextUpdate: Date? { X509_CRL_get0_nextUpdate(pointer).map { Certificate.date($0) } }

    /// DER of the whole CRL.
    public var der: [UInt8] { derBytes { i2d_X509_CRL(pointer, &$0) } }
}
