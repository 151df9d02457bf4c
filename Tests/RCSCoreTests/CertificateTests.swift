import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// Certificate fields agree with what the openssl CLI says about the same file.
@Suite struct CertificateTests {
    let pki = TestPKI.shared

    @Test func fieldsMatchOpenSSL() throws {
        let certificate = try #require(try Certificate.load(path: pki.tenantA.certificate).first)
        let serial = try Shell.openssl("x509", "-in", pki.tenantA.certificate, "-noout", "-serial").stdoutText
        #expect(serial.trimmingCharacters(in: .whitespacesAndNewlines) == "serial=\(certificate.serialNumberHex)")
        let fingerprint = try Shell.openssl("x509", "-in", pki.tenantA.certificate, "-noout", "-fingerprint", "-sha256").stdoutText
        let expected = fingerprint.split(separator: "=").last!.replacingOccurrences(of: ":", with: "").lowercased()
        #expect(certificate.sha256Fingerprint == expected.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(certificate.subjectName == "Tenant A Recording <rec@tenant-a.example>")
        #expect(certificate.subjectDN == "emailAddress=rec@tenant-a.example,CN=Tenant A Recording,O=Tenant A,C=US")
        #expect(certificate.issuerDN == "CN=RCS Test Intermediate CA,O=RCS Test,C=US")
        #expect(certificate.publicKeyType == "RSA" && certificate.publicKeyBits == 2048)
        #expect(certificate.notBefore < Date() && certificate.notAfter > Date())
        #expect(!certificate.isCA)
        #expect(try #require(try Certificate.load(path: pki.rootCA).first).isCA)
    }

    @Test func pemBundleAndDERBothLoad() throws {
        let dir = try TemporaryDirectory("rcs-cert")
        defer { dir.remove() }
        let bundle = try String(contentsOfFile: pki.rootCA, encoding: .utf8) + String(contentsOfFile: pki.intermediateCA, encoding: .utf8)
        let certificates = try Certificate.load(Array(bundle.utf8))
        #expect(certificates.map(\.subjectName) == ["RCS Test Root CA", "RCS Test Intermediate CA"])
        try Shell.openssl("x509", "-in", pki.tenantA.certificate, "-outform", "DER", "-out", dir.file("a.der"))
        let der = try Certificate.load(path: dir.file("a.der"))
        #expect(der.count == 1 && der[0].subjectName.hasPrefix("Tenant A"))
    }

    @Test func notACertificateIsAClearError() throws {
        let key = try #require(throws: RCSError.self) { try Certificate.load(path: pki.tenantA.pkcs8PEM) }
        #expect(key.code == .wrongKind)
        let garbage = try #require(throws: RCSError.self) { try Certificate.load(Array(repeating: 0x41, count: 100)) }
        #expect(garbage.code == .notPEMOrDER)
        var text = try String(contentsOfFile: pki.tenantA.certificate, encoding: .utf8)
        text = text.replacingOccurrences(of: "M", with: "N")
        let damaged = try #require(throws: RCSError.self) { try Certificate.load(Array(text.utf8)) }
        #expect(damaged.code == .notPEMOrDER)
    }
}
