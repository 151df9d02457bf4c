internal import COpenSSL
import Foundation

/// Checks a certificate against trusted roots with OpenSSL's
/// `X509_verify_cert`: signatures up to a root, validity at a given time,
/// CA flags, and key strength (112-bit security: RSA >= 2048).
/// `verify(_:options:)` adds CRLs, certificate policies, an expected host,
/// e-mail or IP, a purpose and OpenSSL's other switches (see `Options`).
public struct ChainVerifier: Sendable {
    public let trusted: [Certificate]
    public let untrusted: [Certificate]

    /// Why a chain failed, in plain words, with OpenSSL's code for the curious.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Reason: String, Sendable {
            case expired, notYetValid, unknownIssuer, badSignature, notACA, keyTooWeak, selfSignedNotTrusted, other
        }
        public let reason: Reason
        public let message: String
        /// Depth in the chain (0 = the certificate itself).
        public let depth: Int
        public let subject: String
        /// OpenSSL's verify error (an `X509_V_ERR_*` value) and its text,
        /// e.g. 23 "certificate revoked", for logs and reports.
        public let openSSLCode: Int
        public let openSSLReason: String
        public var description: String { message }
    }

    public init(trusted: [Certificate], untrusted: [Certificate] = []) {
        self.trusted = trusted
        self.untrusted = untrusted
    }

    /// The verified chain, leaf first, or a `Failure`.
    @discardableResult
    public func verify(_ certificate: Certificate, at time: Date = Date()) throws -> [Certificate] {
        try verify(certificate, options: Options(time: .at(time), authLevel: 2))
    }

    /// The verified chain, leaf first, or a `Failure`, checked as `options` ask
    /// (CRLs, policies, expected name, purpose...).
    @discardableResult
    public func verify(_ certificate: Certificate, options: Options) throws -> [Certificate] {
        guard let store = X509_STORE_new() else { throw OpenSSLErrorQueue.error(.internalError, "cannot create a trust store") }
        defer { X509_STORE_free(store) }
        for root in trusted { X509_STORE_add_cert(store, root.pointer) }
        OpenSSLErrorQueue.clear() // duplicate roots are not an error
        guard let chainIn = rcs_sk_X509_new_null() else { throw RCSError(.internalError, "out of memory") }
        defer { rcs_sk_X509_free(chainIn) }
        for intermediate in untrusted { _ = rcs_sk_X509_push(chainIn, intermediate.pointer) }
        // CRLs go to the context, as `openssl verify -CRLfile` does, not to the
        // store: the store finds CRLs only by the certificate's issuer name, so
        // it would miss indirect CRLs (signed by a separate cRLIssuer). The
        // stack borrows the CRLs, which `options` keeps alive.
        guard let crls = rcs_sk_X509_CRL_new_null() else { throw RCSError(.internalError, "out of memory") }
        defer { rcs_sk_X509_CRL_free(crls) }
        for crl in options.crls {
            guard rcs_sk_X509_CRL_push(crls, crl.pointer) > 0 else { throw RCSError(.internalError, "out of memory") }
        }
        guard let ctx = X509_STORE_CTX_new() else { throw OpenSSLErrorQueue.error(.internalError, "cannot create a verify context") }
        defer { X509_STORE_CTX_free(ctx) }
        guard X509_STORE_CTX_init(ctx, store, certificate.pointer, chainIn) == 1 else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot start verification")
        }
        if !options.crls.isEmpty { X509_STORE_CTX_set0_crls(ctx, crls) }
        try options.apply(to: ctx)
        if X509_verify_cert(ctx) == 1 {
            OpenSSLErrorQueue.clear()
            var result: [Certificate] = []
            if let chain = X509_STORE_CTX_get0_chain(ctx) {
                for i in 0..<rcs_sk_X509_num(chain) {
                    let x509 = rcs_sk_X509_value(chain, i)!
                    X509_up_ref(x509)
                    result.append(Certificate(taking: x509))
                }
            }
            return result
        }
        throw failure(ctx, certificate)
    }

    /// The `Failure` for a context whose `X509_verify_cert` failed.
    private func failure(_ ctx: OpaquePointer, _ certificate: Certificate) -> Failure {
        OpenSSLErrorQueue.clear()
        let code = X509_STORE_CTX_get_error(ctx)
        let depth = Int(X509_STORE_CTX_get_error_depth(ctx))
        let failing = X509_STORE_CTX_get_current_cert(ctx).map { Certificate.distinguishedName(X509_get_subject_name($0)) } ?? certificate.subjectDN
        let openSSLText = String(cString: X509_verify_cert_error_string(Int(code)))
        let who = depth == 0 ? "the certificate" : "the issuing CA certificate \"\(failing)\""
        let (reason, message): (Failure.Reason, String)
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            (reason, message) = (.expired, "\(who) has expired")
        case X509_V_ERR_CERT_NOT_YET_VALID:
            (reason, message) = (.notYetValid, "\(who) is not yet valid")
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            (reason, message) = (.unknownIssuer, "\(who) was issued by an unknown CA (\"\(issuerOf(ctx) ?? "?")\"): add that CA to the trusted certificates or give the intermediate")
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            (reason, message) = (.selfSignedNotTrusted, "\(who) is self-signed and not trusted")
        case X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
            (reason, message) = (.badSignature, "the signature on \(who) is bad: it was altered or not signed by its issuer")
        case X509_V_ERR_INVALID_CA:
            (reason, message) = (.notACA, "\(who) is not a CA certificate, so it cannot issue certificates")
        case X509_V_ERR_EE_KEY_TOO_SMALL, X509_V_ERR_CA_KEY_TOO_SMALL, X509_V_ERR_CA_MD_TOO_WEAK:
            (reason, message) = (.keyTooWeak, "\(who) uses a key or signature too weak (RSA keys must be at least 2048 bits)")
        case X509_V_ERR_CERT_REVOKED:
            (reason, message) = (.other, "\(who) has been revoked")
        default:
            (reason, message) = (.other, "\(who) did not verify: \(openSSLText)")
        }
        return Failure(reason: reason, message: message, depth: depth, subject: failing,
                       openSSLCode: Int(code), openSSLReason: openSSLText)
    }

    private func issuerOf(_ ctx: OpaquePointer) -> String? {
        X509_STORE_CTX_get_current_cert(ctx).map { Certificate.distinguishedName(X509_get_issuer_name($0)) }
    }
}
