import ArgumentParser
import Foundation
import RCSCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a certificate's chain to a trusted CA and its validity dates.",
        discussion: "Exit 0 when the certificate is valid; otherwise exit 6 with the reason in plain words."
    )

    @Option(name: .long, help: ArgumentHelp("Trusted root CA certificate(s), PEM (a bundle) or DER.", valueName: "CA_FILE"))
    var ca: String

    @Option(name: .long, help: ArgumentHelp("Untrusted intermediate certificates.", valueName: "CHAIN_FILE"))
    var untrusted: String?

    @Option(name: .long, help: ArgumentHelp("Validate at this time instead of now (ISO 8601, e.g. 2030-01-01T00:00:00Z).", valueName: "ISO8601"))
    var at: String?

    @Argument(help: ArgumentHelp("The certificate to check.", valueName: "CERT"))
    var certificate: String

    func run() throws {
        var time = Date()
        if let at {
            guard let parsed = Self.parseTime(at) else {
                throw ValidationError("--at: \"\(at)\" is not an ISO 8601 time such as 2030-01-01T00:00:00Z")
            }
            time = parsed
        }
        try reportingErrors {
            guard let leaf = try Certificate.load(path: certificate).first else {
                throw RCSError(.wrongKind, "\(certificate) holds no certificate")
            }
            let verifier = ChainVerifier(trusted: try Certificate.load(path: ca),
                                         untrusted: try untrusted.map { try Certificate.load(path: $0) } ?? [])
            do {
                let chain = try verifier.verify(leaf, at: time)
                print("OK: \(leaf.subjectName)")
                print("chain: " + chain.map { "\"\($0.subjectDN)\"" }.joined(separator: " <- "))
                print("valid from \(Self.format(leaf.notBefore)) until \(Self.format(leaf.notAfter))")
            } catch let failure as ChainVerifier.Failure {
                throw RCSError(.certificateInvalid, "\(certificate): \(failure.message)")
            }
        }
    }

    static func parseTime(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        return dateOnly.date(from: text)
    }

    static func format(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
