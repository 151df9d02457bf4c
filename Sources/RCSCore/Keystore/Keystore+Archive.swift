import Foundation

/// Backup and restore: one text file holding every PEM file of the keystore,
/// each after a `# file: NAME` line. Keys stay encrypted under the password
/// they had; `openssl` reads the PEM blocks in it as they are.
extension Keystore {
    static let archiveHeader = "# RCS keystore archive v1"

    /// The archive text: the keystore key, every certificate, key and chain, and the trust store.
    public func exportArchive() throws -> String {
        var names = [Self.keystoreKeyFile]
        for fingerprint in try fingerprints() {
            for kind in [FileKind.certificate, .key, .chain] where FileManager.default.fileExists(atPath: path(fingerprint, kind)) {
                names.append(fingerprint + kind.suffix)
            }
        }
        let trust = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/\(TrustStore.subdirectory)")
            .filter { $0.hasSuffix(".pem") }.sorted().map { "\(TrustStore.subdirectory)/\($0)" }
        names += trust
        var text = "\(Self.archiveHeader)\n# created \(ISO8601DateFormatter().string(from: Date())); private keys are encrypted under the keystore password of that time\n"
        for name in names {
            let content = try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
            text += "# file: \(name)\n\(content)"
            if !content.hasSuffix("\n") { text += "\n" }
        }
        return text
    }

    /// What a restore did.
    public struct RestoreReport: Sendable {
        public var added: [String] = []
        public var alreadyPresent: [String] = []
        public var trustAdded: [String] = []
        /// True when the archive's keystore key replaced a fresh, empty keystore's.
        public var keystoreKeyRestored = false
    }

    /// Takes back an archive made by `exportArchive`, into an empty or an
    /// existing keystore. Everything is checked before anything is written:
    /// names, PEM kinds, keys opening with `archivePassword` (default: this
    /// keystore's) and matching their certificates. Keys are re-encrypted
    /// under this keystore's password.
    public func restore(archive: String, archivePassword: String? = nil) throws -> RestoreReport {
        let files = try Self.parseArchive(archive)
        let sourcePassword = archivePassword ?? password
        // Validate everything first.
        var certificates: [String: Certificate] = [:]
        var chains: [String: [Certificate]] = [:]
        var keys: [String: PrivateKey] = [:]
        var trusted: [Certificate] = []
        var archiveKeystoreKey: PrivateKey?
        for (name, content) in files {
            let bytes = Array(content.utf8)
            if name == Self.keystoreKeyFile {
                archiveKeystoreKey = try Self.openArchiveKey(bytes, name: name, password: sourcePassword)
            } else if name.hasPrefix(TrustStore.subdirectory + "/") {
                trusted += try Certificate.load(bytes)
            } else if name.hasSuffix(FileKind.certificate.suffix) {
                let fingerprint = String(name.dropLast(FileKind.certificate.suffix.count))
                let certificate = try Certificate.load(bytes)[0]
                guard certificate.sha256Fingerprint == fingerprint else {
                    throw RCSError(.malformedEnvelope, "archive entry \(name) does not hold the certificate its name says")
                }
                certificates[fingerprint] = certificate
            } else if name.hasSuffix(FileKind.chain.suffix) {
                let fingerprint = String(name.dropLast(FileKind.chain.suffix.count))
                chains[fingerprint] = try Certificate.load(bytes)
            } else if name.hasSuffix(FileKind.key.suffix) {
                keys[String(name.dropLast(FileKind.key.suffix.count))] = try Self.openArchiveKey(bytes, name: name, password: sourcePassword)
            }
        }
        for fingerprint in chains.keys where certificates[fingerprint] == nil {
            throw RCSError(.malformedEnvelope, "archive has a chain for \(fingerprint) but not its certificate")
        }
        for (fingerprint, certificate) in certificates {
            guard let key = keys[fingerprint] else {
                throw RCSError(.malformedEnvelope, "archive has the certificate \(fingerprint) but not its key")
            }
            try key.checkMatches(certificate)
        }
        for certificate in trusted where !certificate.isCA {
            throw RCSError(.wrongKind, "archive trust entry \"\(certificate.subjectName)\" is not a CA certificate")
        }
        // Then write.
        var report = RestoreReport()
        if let archiveKeystoreKey, try fingerprints().isEmpty, try TrustStore(keystore: self).all().isEmpty,
           !archiveKeystoreKey.isSameKey(as: keystoreKey) {
            // A fresh keystore takes the archive's own key, so secrets sealed under it open again.
            try Self.writeFile("\(directory)/\(Self.keystoreKeyFile)",
                               try archiveKeystoreKey.encryptedPKCS8PEM(password: password, iterations: kdfIterations))
            keystoreKey = archiveKeystoreKey
            report.keystoreKeyRestored = true
        }
        for (fingerprint, certificate) in certificates.sorted(by: { $0.key < $1.key }) {
            if FileManager.default.fileExists(atPath: path(fingerprint, .certificate)) {
                report.alreadyPresent.append(fingerprint)
            } else {
                try add(certificate: certificate, key: keys[fingerprint]!, chain: chains[fingerprint] ?? [])
                report.added.append(fingerprint)
            }
        }
        report.trustAdded = try TrustStore(keystore: self).add(trusted).added.map(\.sha256Fingerprint)
        return report
    }

    /// Opens a key from an archive, with a message that says which password is wanted.
    static func openArchiveKey(_ bytes: [UInt8], name: String, password: String) throws -> PrivateKey {
        do {
            return try PrivateKey.load(bytes, password: password)
        } catch let error as RCSError where error.code == .wrongPassword {
            throw RCSError(.wrongPassword, "the archive's key \(name) does not open with \(password.isEmpty ? "an empty password" : "the given password"): give the keystore password of the time of the export (--archive-password)")
        }
    }

    /// Splits an archive into (name, content), refusing names outside the layout.
    static func parseArchive(_ text: String) throws -> [(String, String)] {
        guard text.hasPrefix(archiveHeader) else {
            throw RCSError(.notPEMOrDER, "not an RCS keystore archive (it must start with \"\(archiveHeader)\")")
        }
        var files: [(String, String)] = []
        var current: (name: String, lines: [Substring])?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# file: ") {
                if let current { files.append((current.name, current.lines.joined(separator: "\n") + "\n")) }
                let name = String(line.dropFirst(8))
                guard isArchiveName(name) else { throw RCSError(.malformedEnvelope, "archive entry name \"\(name)\" is not a keystore file name") }
                guard !files.contains(where: { $0.0 == name }) else { throw RCSError(.malformedEnvelope, "archive entry \(name) appears twice") }
                current = (name, [])
            } else if line.hasPrefix("#") && current == nil {
                continue
            } else if current != nil {
                current!.lines.append(line)
            }
        }
        if let current { files.append((current.name, current.lines.joined(separator: "\n"))) }
        return files
    }

    /// Only names of the keystore layout: no paths, no traversal.
    static func isArchiveName(_ name: String) -> Bool {
        if name == keystoreKeyFile { return true }
        if name.hasPrefix(TrustStore.subdirectory + "/"), name.hasSuffix(".pem") {
            return isFingerprint(String(name.dropFirst(TrustStore.subdirectory.count + 1).dropLast(4)))
        }
        for kind in [FileKind.certificate, .key, .chain] where name.hasSuffix(kind.suffix) {
            return isFingerprint(String(name.dropLast(kind.suffix.count)))
        }
        return false
    }
}
