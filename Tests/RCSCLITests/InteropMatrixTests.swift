import Foundation
import RCSTestSupport
import Testing

/// Envelopes made by the openssl CLI open with `rcs decrypt` to the exact bytes:
/// every cipher × key transport × armour × streaming × recipient layout, with
/// the private key in each stored form in turn.
@Suite struct InteropMatrixTests {
    enum KeyTransport: String, CaseIterable, Sendable {
        case pkcs1, oaepSHA1, oaepSHA256
        var keyOptions: [String] {
            switch self {
            case .pkcs1: return []
            case .oaepSHA1: return ["-keyopt", "rsa_padding_mode:oaep"]
            case .oaepSHA256: return ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"]
            }
        }
    }

    enum Armour: String, CaseIterable, Sendable { case DER, PEM, SMIME }
    enum Recipients: String, CaseIterable, Sendable { case one, two, subjectKeyIdentifier }

    struct Case: Sendable, CustomTestStringConvertible {
        let index: Int
        let cipher: String
        let transport: KeyTransport
        let armour: Armour
        let streamed: Bool
        let recipients: Recipients
        var testDescription: String {
            "\(cipher) \(transport) \(armour) \(streamed ? "streamed" : "definite") \(recipients)"
        }
    }

    static let cases: [Case] = {
        var result: [Case] = []
        for cipher in ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-256-gcm"] {
            for transport in KeyTransport.allCases {
                for armour in Armour.allCases {
                    for streamed in [false, true] {
                        for recipients in Recipients.allCases {
                            result.append(Case(index: result.count, cipher: cipher, transport: transport, armour: armour,
                                               streamed: streamed, recipients: recipients))
                        }
                    }
                }
            }
        }
        return result
    }()

    static let plaintextSize = 100_003

    @Test("openssl cms -encrypt → rcs decrypt", arguments: cases)
    func opensslEnvelopeOpensWithRCS(_ c: Case) throws {
        let pki = TestPKI.shared
        let dir = try TemporaryDirectory("rcs-interop")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("plain.bin", size: Self.plaintextSize)
        let envelope = dir.file("envelope")

        // Recipients: tenant A alone; B then A; or A named by subject key identifier.
        var arguments = ["cms", "-encrypt", "-binary", "-\(c.cipher)", "-in", plaintext, "-out", envelope, "-outform", c.armour.rawValue]
        if c.streamed { arguments.append("-stream") }
        if c.recipients == .subjectKeyIdentifier { arguments.append("-keyid") }
        let certificates = c.recipients == .two ? [pki.tenantB.certificate, pki.tenantA.certificate] : [pki.tenantA.certificate]
        for certificate in certificates { arguments += ["-recip", certificate] + c.transport.keyOptions }
        try Shell.opensslArgs(arguments)

        // Rotate through the six stored key forms; give --cert on odd cases.
        let form = pki.tenantA.allKeyForms[c.index % 6]
        var decrypt = ["decrypt", "--key", form.path]
        if form.encrypted { decrypt += ["--password", TestPKI.keyPassword] }
        if c.index % 2 == 1 { decrypt += ["--cert", pki.tenantA.certificate] }
        let output = dir.file("out.bin")
        let result = try RCSBinary.run(decrypt + [envelope, output])
        #expect(result.succeeded, "rcs decrypt failed: \(result.stderr)")
        #expect(FileManager.default.contents(atPath: output) == FileManager.default.contents(atPath: plaintext))
    }

    /// Old archives: `openssl smime -encrypt` writes legacy PKCS#7 (3DES by default).
    @Test("openssl smime -encrypt → rcs decrypt", arguments: [[], ["-aes128"], ["-aes256"]])
    func legacyPKCS7OpensWithRCS(_ cipher: [String]) throws {
        let pki = TestPKI.shared
        let dir = try TemporaryDirectory("rcs-interop")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("plain.bin", size: 65_536)
        for form in ["DER", "PEM", "SMIME"] {
            let envelope = dir.file("envelope.\(form)")
            try Shell.opensslArgs(["smime", "-encrypt", "-binary"] + cipher +
                                  ["-in", plaintext, "-out", envelope, "-outform", form, pki.tenantA.certificate])
            let output = dir.file("out.\(form)")
            let result = try RCSBinary.run(["decrypt", "--key", pki.tenantA.pkcs1PEM, envelope, output])
            #expect(result.succeeded, "\(form): \(result.stderr)")
            #expect(FileManager.default.contents(atPath: output) == FileManager.default.contents(atPath: plaintext))
        }
    }

    /// Sizes at the edges of blocks and buffers.
    @Test("edge sizes", arguments: [0, 1, 15, 16, 17, 1 << 20, (1 << 20) + 1])
    func edgeSizes(_ size: Int) throws {
        let pki = TestPKI.shared
        let dir = try TemporaryDirectory("rcs-interop")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("plain.bin", size: size)
        for (cipher, stream) in [("aes-256-cbc", false), ("aes-256-cbc", true), ("aes-256-gcm", true), ("aes-256-gcm", false)] {
            // openssl 3.0 itself fails ("Error writing CMS output") to stream an empty input with GCM.
            if size == 0 && cipher == "aes-256-gcm" && stream { continue }
            let envelope = dir.file("envelope")
            var arguments = ["cms", "-encrypt", "-binary", "-\(cipher)", "-in", plaintext, "-out", envelope, "-outform", "DER"]
            if stream { arguments.append("-stream") }
            try Shell.opensslArgs(arguments + [pki.tenantA.certificate])
            let output = dir.file("out.bin")
            let result = try RCSBinary.run(["decrypt", "--key", pki.tenantA.pkcs8PEM, envelope, output])
            #expect(result.succeeded, "\(cipher) stream=\(stream) size=\(size): \(result.stderr)")
            #expect(FileManager.default.contents(atPath: output) == FileManager.default.contents(atPath: plaintext))
        }
    }

    /// Standard input and output.
    @Test func decryptsFromStandardInputToStandardOutput() throws {
        let pki = TestPKI.shared
        let dir = try TemporaryDirectory("rcs-interop")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("plain.bin", size: 200_000)
        for cipher in ["aes-256-cbc", "aes-256-gcm"] {
            let envelope = dir.file("envelope-\(cipher)")
            try Shell.openssl("cms", "-encrypt", "-binary", "-stream", "-\(cipher)", "-in", plaintext, "-out", envelope,
                              "-outform", "PEM", pki.tenantA.certificate)
            let result = try RCSBinary.run(["decrypt", "--key", pki.tenantA.pkcs8PEM, "-", "-"], stdinFile: envelope)
            #expect(result.succeeded, "\(cipher): \(result.stderr)")
            #expect(result.stdout == FileManager.default.contents(atPath: plaintext))
        }
    }
}
