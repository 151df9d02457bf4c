import Foundation

/// Trusted CA certificates (roots and intermediates), kept as PEM files in
/// `<keystore>/trust/<sha256>.pem`.
public struct TrustStore: Sendable {
    static let subdirectory = "trust"
    public let directory: String

    public init(keystore: Keystore) { directory = keystore.directory + "/" + Self.subdirectory }

    /// Adds CA certificates; returns the ones that were new. Non-CA
    /// certificates are refused: a trust store of leaves is a mistake.
    public func add(_ certificates: [Certificate]) throws -> (added: [Certificate], existing: [Certificate]) {
        var added: [Certificate] = []
        var existing: [Certificate] = []
        for certificate in certificates {
            guard certificate.isCA else {
                throw RCSError(.wrongKind, "\"\(certificate.subjectName)\" is not a CA certificate (no basicConstraints CA:TRUE), so it cannot be trusted as an issuer")
            }
        }
        for certificate in certificates {
            let path = path(certificate.sha256Fingerprint)
            if FileManager.default.fileExists(atPath: path) {
                existing.append(certificate)
            } else {
                try Keystore.writeFile(path, certificate.pem)
                added.append(certificate)
            }
        }
        return (added, existing)
    }

    public func all() throws -> [Certificate] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".pem") && Keystore.isFingerprint(String($0.dropLast(4))) }
            .sorted()
            .flatMap { try Certificate.load(path: "\(directory)/\($0)") }
    }

    public func certificate(_ fingerprint: String) throws -> Certificate? {
        try Keystore.checkFingerprint(fingerprint)
        let path = path(fingerprint)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try Certificate.load(path: path).first
    }

    public func remove(_ fingerprint: String) throws {
        try Keystore.checkFingerprint(fingerprint)
        try FileManager.default.removeItem(atPath: path(fingerprint))
        Keystore.syncDirectory(directory)
    }

    /// Self-signed CAs are trust anchors; the others are intermediates offered
    /// to chain building.
    public func anchorsAndIntermediates() throws -> (anchors: [Certificate], intermediates: [Certificate]) {
        let certificates = try all()
        return (certificates.filter(\.isSelfSigned), certificates.filter { !$0.isSelfSigned })
    }

    func path(_ fingerprint: String) -> String { "\(directory)/\(fingerprint).pem" }
}
