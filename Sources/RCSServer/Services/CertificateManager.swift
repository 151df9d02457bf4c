import RCSCore
import Vapor

/// Validates what admins upload and what recorders are given (SPEC section 3):
/// key matches certificate, RSA >= 2048, a chain to a trusted root, and the
/// validity dates. The domain work is RCSCore's; this decides and explains.
struct CertificateManager: Sendable {
    let keystore: Keystore

    enum Status: String, Codable, Sendable {
        case valid, notYetValid, expired
    }

    /// What an upload form carried.
    struct Upload: Sendable {
        var certificate: [UInt8]
        var key: [UInt8]?
        var password: String?
        var chain: [UInt8]?
    }

    /// An upload that passed every check.
    struct Validated: Sendable {
        let certificate: Certificate
        let key: PrivateKey?
        /// The verified chain above the certificate, up to and including the root.
        let chain: [Certificate]
        let status: Status
    }

    static let minimumRSABits = 2048

    static func status(_ certificate: Certificate, at now: Date = Date()) -> Status {
        if now < certificate.notBefore { return .notYetValid }
        if now > certificate.notAfter { return .expired }
        return .valid
    }

    /// Parses and checks an upload. Problems name the form field they concern.
    func validate(_ upload: Upload, requireKey: Bool = true) throws -> Validated {
        let certificates: [Certificate]
        do {
            certificates = try Certificate.load(upload.certificate)
        } catch let error as RCSError {
            throw Problem(error, field: "certificate")
        }
        let leaf = certificates[0]
        try checkKeyStrength(leaf)
        var key: PrivateKey?
        if let keyBytes = upload.key, !keyBytes.isEmpty {
            do {
                key = try PrivateKey.load(keyBytes, password: upload.password.flatMap { $0.isEmpty ? nil : $0 })
                try key!.checkMatches(leaf)
            } catch let error as RCSError {
                throw Problem(error, field: "key")
            }
        } else if requireKey {
            throw Problem.badRequest("key-required", "give the certificate's private key in the 'key' part", field: "key")
        }
        var intermediates = Array(certificates.dropFirst())
        if let chainBytes = upload.chain, !chainBytes.isEmpty {
            do {
                intermediates += try Certificate.load(chainBytes)
            } catch let error as RCSError {
                throw Problem(error, field: "chain")
            }
        }
        let chain = try verifyChain(leaf, intermediates: intermediates, at: Self.timeWithinValidity(leaf))
        return Validated(certificate: leaf, key: key, chain: chain, status: Self.status(leaf))
    }

    func checkKeyStrength(_ certificate: Certificate) throws {
        guard certificate.publicKeyType == "RSA" else {
            throw Problem.unprocessable("unsupported-key-type", "the certificate has a \(certificate.publicKeyType) key: recording certificates must be RSA (CMS key transport)", field: "certificate")
        }
        guard certificate.publicKeyBits >= Self.minimumRSABits else {
            throw Problem.unprocessable("weak-key", "the certificate's RSA key has \(certificate.publicKeyBits) bits: at least \(Self.minimumRSABits) are required", field: "certificate")
        }
    }

    /// Expired and not-yet-valid certificates may be imported, so their chain
    /// is checked at a moment they were (or will be) valid; `status` says the rest.
    static func timeWithinValidity(_ certificate: Certificate, now: Date = Date()) -> Date {
        // OpenSSL counts the notAfter second itself as expired: stay one second inside.
        min(max(now, certificate.notBefore), certificate.notAfter.addingTimeInterval(-1))
    }

    /// The chain above `certificate` to a trusted root of the trust store,
    /// with intermediates from the upload and the trust store.
    func verifyChain(_ certificate: Certificate, intermediates: [Certificate], at time: Date) throws -> [Certificate] {
        let (anchors, trustedIntermediates) = try TrustStore(keystore: keystore).anchorsAndIntermediates()
        guard !anchors.isEmpty else {
            throw Problem.unprocessable("unknown-ca", "no trusted root CA is configured: add the CA that issued \"\(certificate.issuerDN)\" (POST /api/v1/trust) first", field: "certificate")
        }
        let verifier = ChainVerifier(trusted: anchors, untrusted: intermediates + trustedIntermediates)
        return Array(try verifier.verify(certificate, at: time).dropFirst())
    }

    /// Can a recorder be given this certificate now? nil when yes, else why not.
    func unusableReason(_ entry: Keystore.Entry, now: Date = Date()) -> String? {
        switch Self.status(entry.certificate, at: now) {
        case .expired: return "expired on \(ISO8601DateFormatter().string(from: entry.certificate.notAfter))"
        case .notYetValid: return "not valid before \(ISO8601DateFormatter().string(from: entry.certificate.notBefore))"
        case .valid: break
        }
        do {
            try checkKeyStrength(entry.certificate)
            _ = try verifyChain(entry.certificate, intermediates: entry.chain, at: now)
            return nil
        } catch let problem as Problem {
            return problem.detail
        } catch let failure as ChainVerifier.Failure {
            return failure.message
        } catch {
            return "cannot be checked: \(error)"
        }
    }
}
