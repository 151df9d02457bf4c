import Foundation
import RCSTestSupport
import Testing

/// `rcs inspect` says what a file is, in text and JSON, without decrypting.
@Suite struct InspectCommandTests {
    let pki = TestPKI.shared

    func json(_ arguments: [String], stdinFile: String? = nil) throws -> [String: Any] {
        let result = try RCSBinary.run(["inspect", "--json"] + arguments, stdinFile: stdinFile)
        #expect(result.succeeded, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }

    @Test func certificateFields() throws {
        let text = try RCSBinary.run(["inspect", pki.tenantA.certificate]).stdoutText
        for field in ["Subject Name:", "Serial Number:", "Subject DN:", "Issuer DN:", "Not Before:", "Not After:", "SHA-256:"] {
            #expect(text.contains(field), "missing \(field)")
        }
        let object = try json([pki.tenantA.certificate])
        #expect(object["kind"] as? String == "certificates")
        let first = try #require((object["certificates"] as? [[String: Any]])?.first)
        #expect(first["subjectName"] as? String == "Tenant A Recording <rec@tenant-a.example>")
        #expect(first["keyBits"] as? Int == 2048)
    }

    @Test func encryptedKeyWithoutPasswordShowsItsFormatOnly() throws {
        let object = try json([pki.tenantA.pkcs8PEMEncrypted])
        let key = try #require(object["privateKey"] as? [String: Any])
        #expect(key["encrypted"] as? Bool == true)
        #expect(key["keyBits"] == nil)
        let opened = try json(["--password", TestPKI.keyPassword, pki.tenantA.pkcs1PEMEncrypted])
        #expect((opened["privateKey"] as? [String: Any])?["details"] as? String == "RSA 2048-bit, PKCS#1 RSA PEM, legacy encryption (Proc-Type: 4,ENCRYPTED)")
    }

    @Test func envelopeRecipientsAndCipher() throws {
        let dir = try TemporaryDirectory("rcs-inspect")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("p", size: 5000)
        try Shell.openssl("cms", "-encrypt", "-binary", "-stream", "-aes-256-gcm", "-in", plaintext, "-out", dir.file("e.pem"),
                          "-outform", "PEM", "-recip", pki.tenantA.certificate, "-keyopt", "rsa_padding_mode:oaep",
                          "-recip", pki.tenantB.certificate)
        // From standard input, too.
        let object = try json(["-"], stdinFile: dir.file("e.pem"))
        let envelope = try #require(object["envelope"] as? [String: Any])
        #expect(envelope["contentType"] as? String == "AuthEnvelopedData")
        #expect(envelope["cipher"] as? String == "AES-256-GCM")
        #expect(envelope["encoding"] as? String == "PEM")
        let recipients = try #require(envelope["recipients"] as? [[String: Any]])
        #expect(recipients.count == 2)
        #expect(recipients.compactMap { $0["keyTransport"] as? String }.sorted() == ["RSA PKCS#1 v1.5", "RSA-OAEP (SHA1, MGF1-SHA1)"])
        #expect(recipients.allSatisfy { ($0["issuerDN"] as? String)?.contains("RCS Test Intermediate CA") == true })
    }

    @Test func unknownFileIsAClearError() throws {
        let dir = try TemporaryDirectory("rcs-inspect")
        defer { dir.remove() }
        try "just some text\n".write(toFile: dir.file("t.txt"), atomically: true, encoding: .utf8)
        let result = try RCSBinary.run(["inspect", dir.file("t.txt")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("not an envelope"))
    }
}
