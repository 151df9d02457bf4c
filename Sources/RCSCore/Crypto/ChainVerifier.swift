internal import COpenSSL
import Foundation

/// Checks a certificate against trusted roots with OpenSSL's
/// `X509_verify_cert`: signatures up to a root, validity at a given time,
/// CA flags, and key strength (112-bit security: RSA >= 2048).
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
        public var description: String { message }
    }

    public init(trusted: [Certificate], untrusted: [Certificate] = []) {
        self.trusted = trusted
        self.untrusted = untrusted
    }

    /// The verified chain, leaf first, or a `Failure`.
    @discardableResult
    public func verify(_ certificate: Certificate, at time: Date = Date()) throws -> [Certificate] {
        guard let store = X509_STORE_new() else { throw OpenSSLErrorQueue.error(.internalError, "cannot create a trust store") }
        defer { X509_STORE_free(store) }
        for root in trusted { X509_STORE_add_cert(store, root.pointer) }
        OpenSSLErrorQueue.clear() // duplicate roots are not an error
        guard let chainIn = rcs_sk_X509_new_null() else { throw CryptoError(.internalError, "out of memory") }
        defer { rcs_sk_X509_free(chainIn) }
        for intermediate in untrusted { _ = rcs_sk_X509_push(chainIn, intermediate.pointer) }
        guard let ctx = X509_STORE_CTX_new() else { throw OpenSSLErrorQueue.error(.internalError, "cannot create a verify context") }
        defer { X509_STORE_CTX_free(ctx) }
        guard X509_STORE_CTX_init(ctx, store, certificate.pointer, chainIn) == 1 else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot start verification")
        }
        let param = X509_STORE_CTX_get0_param(ctx)
        X509_VERIFY_PARAM_set_time(param, time_t(time.timeIntervalSince1970))
        X509_VERIFY_PARAM_set_auth_level(param, 2)
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
        default:
            (reason, message) = (.other, "\(who) did not verify: \(openSSLText)")
        }
        throw Failure(reason: reason, message: message, depth: depth, subject: failing)
    }

    private func issuerOf(_ ctx: OpaquePointer) -> String? {
        X509_STORE_CTX_get_current_cert(ctx).map { Certificate.distinguishedName(X509_get_issuer_name($0)) }
    }
}
