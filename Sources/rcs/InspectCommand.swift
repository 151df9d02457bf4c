import ArgumentParser
import Foundation
import RCSCore

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Say what a PEM/DER file is: certificate fields, key format and size, or an envelope's cipher and recipients.",
        discussion: "Envelopes are described from their header only: nothing is decrypted and large files are not read through."
    )

    @Argument(help: ArgumentHelp("The file to inspect (`-` for standard input).", valueName: "FILE"))
    var file: String

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var passwordOptions: PasswordOptions

    func run() throws {
        try reportingErrors {
            let result = try Inspector.inspect(path: file, password: passwordOptions.resolve())
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                let data: Data
                switch result {
                case let .certificates(list): data = try encoder.encode(Tagged(kind: "certificates", certificates: list))
                case let .privateKey(key): data = try encoder.encode(Tagged(kind: "privateKey", privateKey: key))
                case let .envelope(envelope): data = try encoder.encode(Tagged(kind: "envelope", envelope: envelope))
                }
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(Self.text(result))
            }
        }
    }

    /// The JSON shape: `{"kind": ..., "<kind>": ...}`.
    struct Tagged: Encodable {
        let kind: String
        var certificates: [CertificateSummary]? = nil
        var privateKey: PrivateKeySummary? = nil
        var envelope: EnvelopeSummary? = nil
    }

    static func text(_ result: Inspector.Result) -> String {
        let date = ISO8601DateFormatter()
        var lines: [String] = []
        switch result {
        case let .certificates(list):
            for (index, c) in list.enumerated() {
                if list.count > 1 { lines.append("Certificate \(index + 1) of \(list.count)") }
                lines += [
                    "Subject Name:      \(c.subjectName)",
                    "Serial Number:     \(c.serialNumber)",
                    "Subject DN:        \(c.subjectDN)",
                    "Issuer DN:         \(c.issuerDN)",
                    "Not Before:        \(date.string(from: c.notBefore))",
                    "Not After:         \(date.string(from: c.notAfter))",
                    "Key:               \(c.keyType) \(c.keyBits)-bit",
                    "SHA-256:           \(c.sha256Fingerprint)",
                ]
                if let ski = c.subjectKeyIdentifier { lines.append("Subject Key ID:    \(ski)") }
                if c.isCA { lines.append("CA:                yes") }
                if index < list.count - 1 { lines.append("") }
            }
        case let .privateKey(key):
            lines.append("Private key:       \(key.format)")
            if let details = key.details {
                lines.append("Key Details:       \(details)")
            } else {
                lines.append("Key Details:       encrypted; give --password to see its type and size")
            }
        case let .envelope(e):
            lines += [
                "Envelope:          \(e.contentType) (\(e.encoding), \(e.lengthEncoding) length)",
                "Cipher:            \(e.cipher)",
            ]
            if let length = e.ciphertextLength { lines.append("Ciphertext:        \(length) bytes") }
            lines.append("Recipients:        \(e.recipients.count)")
            for r in e.recipients {
                var line = "  - \(r.type)"
                if let kt = r.keyTransport { line += ", \(kt)" }
                if let issuer = r.issuerDN { line += ", issuer \"\(issuer)\", serial \(r.serialNumber ?? "?")" }
                if let ski = r.subjectKeyIdentifier { line += ", subject key id \(ski)" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
