import Foundation
import RCSTestSupport
import Testing

/// `rcs verify` against a root → intermediate → leaf chain made at test time.
@Suite struct VerifyCommandTests {
    let pki = TestPKI.shared

    func verify(_ certificate: String, untrusted: String? = nil, at: String? = nil, ca: String? = nil) throws -> Shell.Output {
        var arguments = ["verify", "--ca", ca ?? pki.rootCA]
        if let untrusted { arguments += ["--untrusted", untrusted] }
        if let at { arguments += ["--at", at] }
        return try RCSBinary.run(arguments + [certificate])
    }

    @Test func validChainPasses() throws {
        let result = try verify(pki.tenantA.certificate, untrusted: pki.intermediateCA)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.contains("OK: Tenant A Recording <rec@tenant-a.example>"))
        #expect(result.stdoutText.contains("RCS Test Root CA"))
    }

    @Test func intermediateInTheCABundleAlsoWorks() throws {
        let dir = try TemporaryDirectory("rcs-verify")
        defer { dir.remove() }
        let bundle = dir.file("bundle.pem")
        let text = try String(contentsOfFile: pki.rootCA, encoding: .utf8) + String(contentsOfFile: pki.intermediateCA, encoding: .utf8)
        try text.write(toFile: bundle, atomically: true, encoding: .utf8)
        #expect(try verify(pki.tenantA.certificate, ca: bundle).status == 0)
    }

    @Test func missingIntermediateIsAnUnknownIssuer() throws {
        let result = try verify(pki.tenantA.certificate)
        #expect(result.status == 6)
        #expect(result.stderr.contains("unknown CA"))
        #expect(result.stderr.contains("RCS Test Intermediate CA"))
    }

    @Test func foreignCAIsRefused() throws {
        let result = try verify(pki.foreignLeaf, untrusted: pki.intermediateCA)
        #expect(result.status == 6)
        #expect(result.stderr.contains("unknown CA"))
    }

    @Test func expiredCertificateIsRefused() throws {
        let result = try verify(pki.expiredLeaf, untrusted: pki.backdatedIntermediate, ca: pki.backdatedRoot)
        #expect(result.status == 6)
        #expect(result.stderr.contains("the certificate has expired"))
        let then = try verify(pki.expiredLeaf, untrusted: pki.backdatedIntermediate, at: "2021-06-01", ca: pki.backdatedRoot)
        #expect(then.status == 0, "valid in 2021: \(then.stderr)")
        let future = try verify(pki.notYetValidLeaf, untrusted: pki.backdatedIntermediate, ca: pki.backdatedRoot)
        #expect(future.status == 6)
        #expect(future.stderr.contains("the certificate is not yet valid"))
    }

    @Test func validityIsCheckedAtTheGivenTime() throws {
        let later = try verify(pki.tenantA.certificate, untrusted: pki.intermediateCA, at: "2099-01-01T00:00:00Z")
        #expect(later.status == 6)
        #expect(later.stderr.contains("expired"))
        let earlier = try verify(pki.tenantA.certificate, untrusted: pki.intermediateCA, at: "2001-01-01")
        #expect(earlier.status == 6)
        #expect(earlier.stderr.contains("not yet valid"))
        let bad = try verify(pki.tenantA.certificate, at: "next tuesday")
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("ISO 8601"))
    }

    @Test func badSignatureIsRefused() throws {
        let result = try verify(pki.badSignatureLeaf, untrusted: pki.intermediateCA)
        #expect(result.status == 6)
        #expect(result.stderr.contains("signature"))
    }

    @Test func certificateIssuedByANonCAIsRefused() throws {
        let dir = try TemporaryDirectory("rcs-verify")
        defer { dir.remove() }
        let chain = dir.file("chain.pem")
        let text = try String(contentsOfFile: pki.intermediateCA, encoding: .utf8) + String(contentsOfFile: pki.tenantA.certificate, encoding: .utf8)
        try text.write(toFile: chain, atomically: true, encoding: .utf8)
        let result = try verify(pki.leafIssuedByLeaf, untrusted: chain)
        #expect(result.status == 6)
        #expect(result.stderr.contains("not a CA"))
    }

    @Test func weakKeyIsRefused() throws {
        let result = try verify(pki.weakLeaf, untrusted: pki.intermediateCA)
        #expect(result.status == 6)
        #expect(result.stderr.contains("too weak"))
    }

    @Test func notACertificateIsAClearError() throws {
        let result = try verify(pki.tenantA.pkcs8PEM, untrusted: pki.intermediateCA)
        #expect(result.status == 2)
        #expect(result.stderr.contains("no certificate"))
    }
}
