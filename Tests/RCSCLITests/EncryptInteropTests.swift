import Foundation
import RCSTestSupport
import Testing

/// What `rcs encrypt` writes opens with `openssl cms -decrypt`, and, for CBC
/// with PKCS#1 v1.5, with `openssl smime -decrypt` (seed 001's archive format).
@Suite struct EncryptInteropTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let cipher: String
        let oaep: Bool
        let fromPipe: Bool
        let twoRecipients: Bool
        var testDescription: String {
            "\(cipher)\(oaep ? " oaep" : "") \(fromPipe ? "pipe" : "file") \(twoRecipients ? "2 recipients" : "1 recipient")"
        }
    }

    static let cases: [Case] = ["aes-128-cbc", "aes-256-cbc", "aes-256-gcm"].flatMap { cipher in
        [false, true].flatMap { oaep in
            [false, true].flatMap { pipe in [false, true].map { Case(cipher: cipher, oaep: oaep, fromPipe: pipe, twoRecipients: $0) } }
        }
    }

    @Test("rcs encrypt → openssl", arguments: cases)
    func rcsEnvelopeOpensWithOpenSSL(_ c: Case) throws {
        let pki = TestPKI.shared
        let dir = try TemporaryDirectory("rcs-encrypt")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("plain.bin", size: 300_001)
        let envelope = dir.file("envelope.der")
        var arguments = ["encrypt", "--cert", pki.tenantA.certificate, "--cipher", c.cipher]
        if c.twoRecipients { arguments += ["--cert", pki.tenantB.certificate] }
        if c.oaep { arguments.append("--oaep") }
        let result = c.fromPipe
            ? try RCSBinary.runPiped(from: plaintext, arguments + ["-", envelope])
            : try RCSBinary.run(arguments + [plaintext, envelope])
        #expect(result.succeeded, "rcs encrypt failed: \(result.stderr)")

        let identities = c.twoRecipients ? [pki.tenantA, pki.tenantB] : [pki.tenantA]
        for identity in identities {
            let out = dir.file("cms.out")
            try Shell.openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", envelope,
                              "-inkey", identity.pkcs8PEM, "-recip", identity.certificate, "-out", out)
            #expect(FileManager.default.contents(atPath: out) == FileManager.default.contents(atPath: plaintext))
            if c.cipher.hasSuffix("cbc") && !c.oaep {
                let smimeOut = dir.file("smime.out")
                try Shell.openssl("smime", "-decrypt", "-binary", "-inform", "DER", "-in", envelope,
                                  "-inkey", identity.pkcs8PEM, "-recip", identity.certificate, "-out", smimeOut)
                #expect(FileManager.default.contents(atPath: smimeOut) == FileManager.default.contents(atPath: plaintext))
            }
        }
        // And rcs opens its own envelope.
        let back = dir.file("back.bin")
        let reopened = try RCSBinary.run(["decrypt", "--key", pki.tenantA.pkcs8PEM, "--cert", pki.tenantA.certificate, envelope, back])
        #expect(reopened.succeeded, "\(reopened.stderr)")
        #expect(FileManager.default.contents(atPath: back) == FileManager.default.contents(atPath: plaintext))
    }

    /// A file gives definite lengths, a pipe indefinite ones, as the issue asks.
    @Test func lengthEncodingFollowsTheInput() throws {
        let pki = TestPKI.shared
        let dir = try TemporaryDirectory("rcs-encrypt")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("plain.bin", size: 1000)
        try RCSBinary.run(["encrypt", "--cert", pki.tenantA.certificate, plaintext, dir.file("file.der")])
        try RCSBinary.runPiped(from: plaintext, ["encrypt", "--cert", pki.tenantA.certificate, "-", dir.file("pipe.der")])
        let fromFile = try RCSBinary.run(["inspect", "--json", dir.file("file.der")]).stdoutText
        let fromPipe = try RCSBinary.run(["inspect", "--json", dir.file("pipe.der")]).stdoutText
        #expect(fromFile.contains("\"lengthEncoding\" : \"definite\""))
        #expect(fromPipe.contains("\"lengthEncoding\" : \"indefinite (streamed)\""))
        // openssl's own parser agrees the DER is well-formed.
        try Shell.openssl("asn1parse", "-inform", "DER", "-in", dir.file("file.der"))
    }

    @Test func refusesNonRSARecipients() throws {
        let pki = TestPKI.shared
        let dir = try TemporaryDirectory("rcs-encrypt")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("plain.bin", size: 10)
        let result = try RCSBinary.run(["encrypt", "--cert", pki.ecCertificate, plaintext, dir.file("out.der")])
        #expect(result.status == 3)
        #expect(result.stderr.contains("must be RSA"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("out.der")))
    }
}
