import ArgumentParser
import Foundation
import RCSCore

struct KeystoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keystore",
        abstract: "List, import, back up, restore the keystore, or change its password.",
        discussion: """
        The keystore password comes from RCS_KEYSTORE_PASSWORD, RCS_KEYSTORE_PASSWORD_FILE \
        or <data dir>/keystore.pass, as for `rcs serve`. Commands that write need the \
        keystore to themselves: stop `rcs serve` first.
        """,
        subcommands: [List.self, Import.self, Export.self, Restore.self, ChangePassword.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .customLong("keystore"), help: ArgumentHelp("Keystore directory [RCS_KEYSTORE_DIR, default ./keystore].", valueName: "DIR"))
        var directory: String?

        @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where keystore.pass may be [RCS_DATA_DIR, default ./data].", valueName: "DIR"))
        var dataDirectory: String?

        /// - Parameter create: only `import` and `restore` may start a new keystore.
        func open(create: Bool = false) throws -> Keystore {
            let environment = ProcessInfo.processInfo.environment
            let data = dataDirectory ?? environment["RCS_DATA_DIR"] ?? "./data"
            let path = directory ?? environment["RCS_KEYSTORE_DIR"] ?? "./keystore"
            let (password, _) = try SecretFile.keystorePassword(environment: environment, dataDirectory: data, generate: false)
            var iterations = PrivateKey.defaultKDFIterations
            if let value = environment["RCS_KDF_ITERATIONS"].flatMap(Int.init) { iterations = max(value, 1000) }
            return try Keystore(directory: path, password: password, kdfIterations: iterations, create: create)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the certificates and trusted CAs.")
        @OptionGroup var location: Location

        func run() throws {
            try reportingErrors {
                let keystore = try location.open()
                let formatter = ISO8601DateFormatter()
                let entries = try keystore.entries()
                print("Recording certificates: \(entries.count)")
                for entry in entries {
                    let c = entry.certificate
                    print("  \(entry.fingerprint)  \(c.subjectName)  expires \(formatter.string(from: c.notAfter))\(entry.hasKey ? "" : "  (NO KEY)")")
                }
                let trusted = try TrustStore(keystore: keystore).all()
                print("Trusted CAs: \(trusted.count)")
                for c in trusted { print("  \(c.sha256Fingerprint)  \(c.subjectDN)\(c.isSelfSigned ? "  (root)" : "")") }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a certificate and its private key (re-encrypted under the keystore password).",
            discussion: "The certificate's chain is checked when it is deployed and at every use, against the trust store.")
        @OptionGroup var location: Location
        @Option(help: ArgumentHelp("The certificate (PEM or DER; extra certificates in the file are kept as its chain).", valueName: "CERT"))
        var cert: String
        @Option(help: ArgumentHelp("Its private key, any supported form.", valueName: "KEY"))
        var key: String
        @OptionGroup var passwordOptions: PasswordOptions

        func run() throws {
            try reportingErrors {
                let certificates = try Certificate.load(path: cert)
                let privateKey = try PrivateKey.load(path: key, password: passwordOptions.resolve())
                guard privateKey.bits >= 2048 else {
                    throw RCSError(.unsupportedKeyType, "the key has \(privateKey.bits) bits: recording keys must be RSA of at least 2048 bits")
                }
                let keystore = try location.open(create: true)
                let fingerprint = try keystore.add(certificate: certificates[0], key: privateKey, chain: Array(certificates.dropFirst()))
                print("imported \(certificates[0].subjectName) as \(fingerprint)")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a backup archive (keys stay encrypted).")
        @OptionGroup var location: Location
        @Argument(help: ArgumentHelp("The archive to write (`-` for standard output).", valueName: "ARCHIVE"))
        var archive: String

        func run() throws {
            try reportingErrors {
                let text = try location.open().exportArchive()
                let out = try AtomicOutput(path: archive, mode: 0o600)
                try out.write(Array(text.utf8))
                try out.commit()
                if archive != "-" { printError("wrote \(archive)") }
            }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a backup archive back, into an empty or an existing keystore.",
            discussion: "Everything in the archive is checked before anything is written. `rcs serve` adds restored certificates to its catalog when it starts.")
        @OptionGroup var location: Location
        @Option(name: .customLong("archive-password-file"), help: ArgumentHelp("The keystore password at the time of the export, if different (first line of the file).", valueName: "F"))
        var archivePasswordFile: String?
        @Argument(help: ArgumentHelp("The archive (`-` for standard input).", valueName: "ARCHIVE"))
        var archive: String

        func run() throws {
            try reportingErrors {
                let keystore = try location.open(create: true)
                let bytes = try readAll(archive)
                guard let text = String(validating: bytes, as: UTF8.self) else { throw RCSError(.notPEMOrDER, "\(archive) is not a text archive") }
                let report = try keystore.restore(archive: text, archivePassword: try archivePasswordFile.map(SecretFile.readFirstLine))
                print("restored \(report.added.count) certificate(s); \(report.alreadyPresent.count) already present; \(report.trustAdded.count) trusted CA(s) added")
                if report.keystoreKeyRestored { print("the archive's keystore key was taken (sealed secrets such as remote storage passwords open again)") }
            }
        }
    }

    struct ChangePassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "change-password",
            abstract: "Re-encrypt every key under a new password, crash-safe.",
            discussion: "A crash at any moment leaves a keystore that opens with the old or the new password. Afterwards, give the new password to `rcs serve`.")
        @OptionGroup var location: Location
        @Option(name: .customLong("new-password-file"), help: ArgumentHelp("File whose first line is the new password.", valueName: "F"))
        var newPasswordFile: String

        func run() throws {
            try reportingErrors {
                let newPassword = try SecretFile.readFirstLine(newPasswordFile)
                let keystore = try location.open()
                try keystore.changePassword(to: newPassword) { done, total in
                    printError("re-encrypted \(done)/\(total)")
                }
                print("keystore password changed")
            }
        }
    }
}

/// A whole small file, or standard input.
func readAll(_ path: String) throws -> [UInt8] {
    let reader = BufferedReader(try FileDescriptorSource(path: path), capacity: 1 << 16)
    var bytes: [UInt8] = []
    while try reader.consume(upTo: 1 << 16, { bytes += $0 }) > 0 {
        guard bytes.count <= 256 << 20 else { throw RCSError(.io, "\(path) is larger than 256 MiB") }
    }
    return bytes
}
