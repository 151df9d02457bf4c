import ArgumentParser
import Foundation
import RCSCore

extension EnvelopeEncryptor.Cipher: ExpressibleByArgument {}

struct EncryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Write a DER CMS envelope for one or more certificates, streaming.",
        discussion: """
        AES-256-CBC with RSA PKCS#1 v1.5 opens with `openssl cms -decrypt -inform DER` \
        and `openssl smime -decrypt -inform DER`; AES-GCM (AuthEnvelopedData) and \
        OAEP open with `openssl cms` only. Definite lengths when IN is a file, \
        BER indefinite lengths when it is a pipe.
        """
    )

    @Option(name: .long, help: ArgumentHelp("A recipient certificate (repeat for more recipients).", valueName: "CERT"))
    var cert: [String] = []

    @Option(name: .long, help: "Content cipher.")
    var cipher: EnvelopeEncryptor.Cipher = .aes256cbc

    @Flag(name: .long, help: "Wrap the content key with RSA-OAEP (SHA-256) instead of PKCS#1 v1.5.")
    var oaep = false

    @Argument(help: ArgumentHelp("The plaintext (`-` for standard input).", valueName: "IN"))
    var input: String

    @Argument(help: ArgumentHelp("Where the envelope goes (`-` for standard output).", valueName: "OUT"))
    var output: String

    func validate() throws {
        if cert.isEmpty { throw ValidationError("give at least one --cert") }
    }

    func run() throws {
        try reportingErrors {
            let recipients = try cert.map { path in
                guard let first = try Certificate.load(path: path).first else {
                    throw RCSError(.wrongKind, "\(path) holds no certificate")
                }
                if first.notAfter < Date() {
                    printError("rcs: warning: certificate \"\(first.subjectName)\" expired on \(first.notAfter)")
                }
                return first
            }
            let encryptor = try EnvelopeEncryptor(recipients: recipients, cipher: cipher, padding: oaep ? .oaepSHA256 : .pkcs1)
            let source = try FileDescriptorSource(path: input)
            let out = try AtomicOutput(path: output)
            try encryptor.encrypt(from: source, length: source.regularFileSize) { try out.write($0) }
            try out.commit()
        }
    }
}
