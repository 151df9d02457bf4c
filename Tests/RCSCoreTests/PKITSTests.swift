import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// NIST PKITS v1.0.1 (249 runs) through `ChainVerifier.verify(_:options:)`,
/// set up as nist-pkits/README.md says (its `openssl verify` line): the trust
/// anchor trusted, every CRL of the run given (to the context, like
/// `-CRLfile`, so indirect CRLs are found), CRL_CHECK|CRL_CHECK_ALL, extended
/// CRLs, deltas, policy checking with the run's initial policy set and
/// explicit/inhibit flags, at the validation time of the manifest. Only
/// accept/reject is compared (not the output policy set), as in the OpenSSL
/// 3.0.19 baseline: 247/249.
@Suite(.enabled(if: SharedTestSuites.exists("nist-pkits/pkits_tests.json"), "\(SharedTestSuites.absentMessage)"))
struct PKITSTests {
    struct Manifest: Decodable {
        let validation_time: String
        let policy_oids: [String: String]
        let tests: [Run]
    }

    struct Run: Decodable {
        let test_number: String
        let title: String
        let certs: [String]
        let crls: [String]
        let expected_result: String
        let initial_policy_set: [String]?
        let initial_explicit_policy: Bool?
        let initial_policy_mapping_inhibit: Bool?
        let initial_inhibit_any_policy: Bool?
    }

    /// Agreement measured with OpenSSL 3.0.19; it must not fall.
    static let agreementFloor = 247
    /// The runs OpenSSL 3.0.19 gets wrong (README baseline), and why.
    static let knownMismatches: [String: String] = [
        "4.1.5 Valid DSA Parameter Inheritance Test5":
            "OpenSSL does not inherit DSA parameters from the issuer: the CA key without parameters cannot check the EE (unable to get local issuer certificate)",
        "4.14.30 Valid cRLIssuer Test30":
            "the cRLIssuer's own status is on the indirect CRL it signed; OpenSSL's CRL-path check refuses that (CRL path validation error)",
    ]

    static let directory = SharedTestSuites.path("nist-pkits")

    static func load() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/pkits_tests.json")))
    }

    /// Files are read once per test: many runs share the anchor and CAs.
    final class Files {
        var certificates: [String: Certificate] = [:]
        var crls: [String: CertificateRevocationList] = [:]

        func certificate(_ name: String) throws -> Certificate {
            if let cached = certificates[name] { return cached }
            let loaded = try Certificate.load(path: "\(PKITSTests.directory)/certs/\(name)")[0]
            certificates[name] = loaded
            return loaded
        }

        func crl(_ name: String) throws -> CertificateRevocationList {
            if let cached = crls[name] { return cached }
            let loaded = try CertificateRevocationList.load(path: "\(PKITSTests.directory)/crls/\(name)")[0]
            crls[name] = loaded
            return loaded
        }
    }

    /// The run's outcome: nil when accepted, else OpenSSL's reason.
    static func evaluate(_ run: Run, _ manifest: Manifest, _ time: Date, _ files: Files) throws -> String? {
        let anchor = try files.certificate(run.certs[0])
        let intermediates = try run.certs.dropFirst().dropLast().map { try files.certificate($0) }
        let target = try files.certificate(run.certs[run.certs.count - 1])
        let policies = try (run.initial_policy_set ?? ["anyPolicy"]).map { name in
            guard let oid = manifest.policy_oids[name] else { throw RCSError(.wrongKind, "unknown policy \(name)") }
            return oid
        }
        let options = ChainVerifier.Options(
            time: .at(time),
            crls: try run.crls.map { try files.crl($0) },
            crlCheck: true, crlCheckAll: true, extendedCRL: true, useDeltas: true,
            policy: .init(initialPolicies: policies,
                          explicitPolicy: run.initial_explicit_policy ?? false,
                          inhibitPolicyMapping: run.initial_policy_mapping_inhibit ?? false,
                          inhibitAnyPolicy: run.initial_inhibit_any_policy ?? false),
            authLevel: nil // as `openssl verify`: the DSA runs use DSA-1024 and SHA-1 (80 bits)
        )
        do {
            try ChainVerifier(trusted: [anchor], untrusted: intermediates).verify(target, options: options)
            return nil
        } catch let failure as ChainVerifier.Failure {
            return "depth \(failure.depth): \(failure.openSSLReason)"
        }
    }

    @Test("PKITS agreement with the expected results")
    func agreement() throws {
        let manifest = try Self.load()
        let time = try #require(ISO8601DateFormatter().date(from: manifest.validation_time))
        let files = Files()
        var agree = 0
        var mismatches: [(title: String, detail: String)] = []
        for run in manifest.tests {
            let outcome = try Self.evaluate(run, manifest, time, files)
            let actual = outcome == nil ? "SUCCESS" : "FAILURE"
            if actual == run.expected_result {
                agree += 1
            } else {
                mismatches.append((run.title, "expected \(run.expected_result), got \(actual)\(outcome.map { " (\($0))" } ?? "")"))
            }
        }
        print("PKITS: \(agree)/\(manifest.tests.count) runs agree (OpenSSL 3.0.19 baseline: 247/249)")
        for mismatch in mismatches { print("PKITS mismatch: \(mismatch.title): \(mismatch.detail)") }
        #expect(manifest.tests.count == 249, "the manifest changed: \(manifest.tests.count) runs")
        #expect(agree >= Self.agreementFloor, "PKITS agreement fell to \(agree)/\(manifest.tests.count)")
        let unexpected = mismatches.filter { Self.knownMismatches[$0.title] == nil }
        #expect(unexpected.isEmpty, "new PKITS mismatches: \(unexpected.map { "\($0.title): \($0.detail)" })")
    }

    /// The switches matter: without CRL checking the revoked-certificate runs
    /// pass, without policy checking the policy runs do.
    @Test func crlAndPolicyChecksAreInEffect() throws {
        let manifest = try Self.load()
        let time = try #require(ISO8601DateFormatter().date(from: manifest.validation_time))
        let files = Files()
        let revoked = try #require(manifest.tests.first { $0.title.hasPrefix("4.4.3 ") }) // Invalid Revoked EE Test3
        #expect(try Self.evaluate(revoked, manifest, time, files)?.contains("revoked") == true)
        let verifier = ChainVerifier(trusted: [try files.certificate(revoked.certs[0])],
                                     untrusted: try revoked.certs.dropFirst().dropLast().map { try files.certificate($0) })
        let target = try files.certificate(revoked.certs.last!)
        #expect(throws: Never.self) { try verifier.verify(target, options: .init(time: .at(time), authLevel: nil)) }
        // Without any CRL, CRL checking cannot succeed.
        #expect(throws: ChainVerifier.Failure.self) {
            try verifier.verify(target, options: .init(time: .at(time), crlCheck: true, authLevel: nil))
        }
        // The default options demand 112-bit security: PKITS's DSA-1024 / SHA-1 run is refused.
        let dsa = try #require(manifest.tests.first { $0.title.hasPrefix("4.1.4 ") }) // Valid DSA Signatures Test4
        #expect(try Self.evaluate(dsa, manifest, time, files) == nil)
        let dsaVerifier = ChainVerifier(trusted: [try files.certificate(dsa.certs[0])],
                                        untrusted: try dsa.certs.dropFirst().dropLast().map { try files.certificate($0) })
        do {
            try dsaVerifier.verify(try files.certificate(dsa.certs.last!), options: .init(time: .at(time)))
            Issue.record("DSA-1024 accepted at auth level 2")
        } catch let failure as ChainVerifier.Failure {
            #expect(failure.reason == .keyTooWeak, "\(failure)")
        }
        // A policy run refused with policy checking passes without it.
        let policy = try #require(manifest.tests.first { $0.title == "4.8.1 All Certificates Same Policy Test1 (Subpart 3)" })
        #expect(try Self.evaluate(policy, manifest, time, files) != nil)
        let policyVerifier = ChainVerifier(trusted: [try files.certificate(policy.certs[0])],
                                           untrusted: try policy.certs.dropFirst().dropLast().map { try files.certificate($0) })
        #expect(throws: Never.self) {
            try policyVerifier.verify(try files.certificate(policy.certs.last!), options: .init(time: .at(time), authLevel: nil))
        }
        // An indirect CRL (signed by a separate cRLIssuer) is found among the CRLs given.
        let indirect = try #require(manifest.tests.first { $0.title.hasPrefix("4.14.24 ") }) // Valid IDP with indirectCRL Test24
        #expect(try Self.evaluate(indirect, manifest, time, files) == nil)
    }
}
