import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// Private keys in every stored form, and a distinct error for each failure.
@Suite struct PrivateKeyTests {
    let pki = TestPKI.shared

    @Test func everyStoredFormOpensAndMatchesItsCertificate() throws {
        let certificate = try #require(try Certificate.load(path: pki.tenantA.certificate).first)
        let expected: [PrivateKey.Format] = [.pkcs8PEM, .pkcs8PEMEncrypted, .pkcs1PEM, .pkcs1PEMEncrypted, .pkcs8DER, .pkcs8DEREncrypted]
        for (form, format) in zip(pki.tenantA.allKeyForms, expected) {
            let key = try PrivateKey.load(path: form.path, password: form.encrypted ? TestPKI.keyPassword : nil)
            #expect(key.format == format)
            #expect(key.bits == 2048)
            #expect(key.details.hasPrefix("RSA 2048-bit"))
            #expect(key.matches(certificate))
        }
    }

    @Test func missingPasswordIsItsOwnError() throws {
        for path in [pki.tenantA.pkcs8PEMEncrypted, pki.tenantA.pkcs1PEMEncrypted, pki.tenantA.pkcs8DEREncrypted] {
            #expect(throws: RCSError.self) { try PrivateKey.load(path: path, password: nil) }
            do { _ = try PrivateKey.load(path: path, password: "") } catch let error as RCSError {
                #expect(error.code == .passwordRequired)
            }
        }
    }

    @Test func wrongPasswordIsItsOwnError() throws {
        for path in [pki.tenantA.pkcs8PEMEncrypted, pki.tenantA.pkcs1PEMEncrypted, pki.tenantA.pkcs8DEREncrypted] {
            let error = try #require(throws: RCSError.self) { try PrivateKey.load(path: path, password: "wrong") }
            #expect(error.code == .wrongPassword)
            #expect(!error.description.contains("wrong\""), "the password must not be echoed")
        }
    }

    @Test func nonRSAKeysAreRefused() throws {
        let error = try #require(throws: RCSError.self) { try PrivateKey.load(path: pki.ecKey, password: nil) }
        #expect(error.code == .unsupportedKeyType)
        #expect(error.reason.contains("EC"))
    }

    @Test func notAKeyIsItsOwnError() throws {
        let certificate = try #require(throws: RCSError.self) { try PrivateKey.load(path: pki.tenantA.certificate, password: nil) }
        #expect(certificate.code == .wrongKind)
        let garbage = try #require(throws: RCSError.self) { try PrivateKey.load(Array("hello world".utf8), password: nil) }
        #expect(garbage.code == .notPEMOrDER)
        // Damage the base64 body, not the BEGIN/END lines.
        let lines = try String(contentsOfFile: pki.tenantA.pkcs8PEM, encoding: .utf8).split(separator: "\n")
        let damaged = ([lines[0]] + lines.dropFirst().dropLast().map { $0.replacingOccurrences(of: "A", with: "B")[...] } + [lines.last!])
            .joined(separator: "\n")
        let broken = try #require(throws: RCSError.self) { try PrivateKey.load(Array(damaged.utf8), password: nil) }
        #expect(broken.code == .notPEMOrDER)
    }

    @Test func mismatchIsDetected() throws {
        let key = try PrivateKey.load(path: pki.tenantA.pkcs8PEM, password: nil)
        let other = try #require(try Certificate.load(path: pki.tenantB.certificate).first)
        #expect(!key.matches(other))
        let error = try #require(throws: RCSError.self) { try key.checkMatches(other) }
        #expect(error.code == .keyMismatch)
    }

    /// The keystore form (SPEC section 3): openssl opens it with the password.
    @Test func encryptedPKCS8ExportOpensWithOpenSSL() throws {
        let dir = try TemporaryDirectory("rcs-key")
        defer { dir.remove() }
        let key = try PrivateKey.load(path: pki.tenantA.pkcs8PEM, password: nil)
        let pem = try key.encryptedPKCS8PEM(password: "keystore secret")
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        try pem.write(toFile: dir.file("k.pem"), atomically: true, encoding: .utf8)
        let info = try Shell.openssl("asn1parse", "-in", dir.file("k.pem"))
        #expect(info.stdoutText.contains("PBES2") && info.stdoutText.contains("aes-256-cbc"))
        let opened = try Shell.openssl("pkey", "-in", dir.file("k.pem"), "-passin", "pass:keystore secret", "-pubout")
        let expected = try Shell.openssl("pkey", "-in", pki.tenantA.pkcs8PEM, "-pubout")
        #expect(opened.stdout == expected.stdout)
    }
}
