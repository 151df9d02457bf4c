import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// x509-limbo's 208 non-BetterTLS cases (limbo.json) through
/// `ChainVerifier.verify(_:options:)`, mapped as upstream's OpenSSL harness
/// (harness/openssl/main.cpp) maps them onto X509_verify_cert: X509_STRICT |
/// PARTIAL_CHAIN, trusted_certs in the store, CRLs with CRL_CHECK |
/// CRL_CHECK_ALL, the validation time or NO_CHECK_TIME, auth level 2, the
/// expected peer name as host (no partial wildcards) / e-mail / IP, a single
/// EKU as the purpose, max_chain_depth as the depth.
///
/// Each case is compared with its expected result and with the result the
/// upstream harness got from the same OpenSSL (baseline-openssl-3.0.19-results).
@Suite(.enabled(if: SharedTestSuites.exists("x509-limbo/limbo.json"), "\(SharedTestSuites.absentMessage)"))
struct X509LimboTests {
    struct Corpus: Decodable {
        let testcases: [Testcase]
    }

    struct PeerName: Decodable {
        let kind: String
        let value: String
    }

    struct Testcase: Decodable {
        let id: String
        let validation_kind: String
        let trusted_certs: [String]
        let untrusted_intermediates: [String]
        let peer_certificate: String
        let validation_time: String?
        let signature_algorithms: [String]?
        let key_usage: [String]?
        let extended_key_usage: [String]?
        let expected_result: String
        let expected_peer_name: PeerName?
        let expected_peer_names: [PeerName]?
        let max_chain_depth: Int?
        let crls: [String]?
    }

    struct Baseline: Decodable {
        struct Result: Decodable {
            let id: String
            let actual_result: String
            let context: String?
        }
        let harness: String
        let results: [Result]
    }

    /// Cases that agree with the expected result (of 208), measured with OpenSSL 3.0.19.
    static let expectedAgreementFloor = 145
    /// Cases whose outcome is the one the upstream OpenSSL harness got (of 208).
    static let baselineAgreementFloor = 208

    static let directory = SharedTestSuites.path("x509-limbo")

    static func load() throws -> [Testcase] {
        try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/limbo.json"))).testcases
    }

    /// The baseline, gunzipped by /usr/bin/gzip (Foundation has no gzip on Linux).
    static func loadBaseline() throws -> Baseline {
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        gzip.arguments = ["-dc", "\(directory)/baseline-openssl-3.0.19-results.json.gz"]
        let output = Pipe()
        gzip.standardOutput = output
        try gzip.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        guard gzip.terminationStatus == 0 else { throw RCSError(.io, "gzip -dc failed (\(gzip.terminationStatus))") }
        return try JSONDecoder().decode(Baseline.self, from: data)
    }

    static let purposes: [String: ChainVerifier.Options.Purpose] = [
        "anyExtendedKeyUsage": .any, "serverAuth": .serverAuth, "clientAuth": .clientAuth,
    ]

    /// Why the upstream harness skips a case, or nil. Upstream's checks for
    /// signature_algorithms, key_usage and expected_peer_names test
    /// `json::array().empty()` (a new empty array), so they never skip: the
    /// baseline ran those cases. `literalContract` skips them as its README says.
    static func skipReason(_ testcase: Testcase, literalContract: Bool = false) -> String? {
        if testcase.validation_kind != "SERVER" { return "non-SERVER testcases not supported yet" }
        if literalContract {
            if !(testcase.signature_algorithms ?? []).isEmpty { return "signature_algorithms not supported yet" }
            if !(testcase.key_usage ?? []).isEmpty { return "key_usage not supported yet" }
            if !(testcase.expected_peer_names ?? []).isEmpty { return "expected_peer_names not supported yet" }
        }
        let ekus = testcase.extended_key_usage ?? []
        if ekus.count > 1 { return "multiple extended key usage values not yet supported" }
        if let eku = ekus.first, purposes[eku] == nil { return "extended key usage value not yet supported: \(eku)" }
        return nil
    }

    static func parseTime(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    static func certificate(_ pem: String) throws -> Certificate {
        try Certificate.load(Array(pem.utf8))[0]
    }

    struct Outcome {
        let result: String // SUCCESS, FAILURE or SKIPPED
        let context: String?
    }

    static func evaluate(_ testcase: Testcase) -> Outcome {
        if let reason = skipReason(testcase) { return Outcome(result: "SKIPPED", context: reason) }
        let trusted: [Certificate], untrusted: [Certificate], peer: Certificate, crls: [CertificateRevocationList]
        do {
            trusted = try testcase.trusted_certs.map(certificate)
            untrusted = try testcase.untrusted_intermediates.map(certificate)
            peer = try certificate(testcase.peer_certificate)
            crls = try (testcase.crls ?? []).flatMap { try CertificateRevocationList.load(Array($0.utf8)) }
        } catch {
            return Outcome(result: "FAILURE", context: "cannot load the case: \(error)")
        }
        var options = ChainVerifier.Options(strict: true, partialChain: true, authLevel: 2)
        if let text = testcase.validation_time {
            guard let time = parseTime(text) else { return Outcome(result: "FAILURE", context: "bad validation_time \(text)") }
            options.time = .at(time)
        } else {
            options.time = .unchecked
        }
        if !crls.isEmpty {
            options.crls = crls
            options.crlCheck = true
            options.crlCheckAll = true
        }
        if let name = testcase.expected_peer_name {
            switch name.kind {
            case "DNS": options.expectedName = .host(name.value)
            case "RFC822": options.expectedName = .email(name.value)
            case "IP": options.expectedName = .ipAddress(name.value)
            default: return Outcome(result: "FAILURE", context: "unexpected peer kind \(name.kind)")
            }
        }
        if let eku = testcase.extended_key_usage?.first { options.purpose = purposes[eku] }
        options.maxDepth = testcase.max_chain_depth
        do {
            try ChainVerifier(trusted: trusted, untrusted: untrusted).verify(peer, options: options)
            return Outcome(result: "SUCCESS", context: nil)
        } catch let failure as ChainVerifier.Failure {
            return Outcome(result: "FAILURE", context: failure.openSSLReason)
        } catch {
            return Outcome(result: "FAILURE", context: "\(error)")
        }
    }

    @Test("x509-limbo agreement with the expected results and with OpenSSL's harness")
    func agreement() throws {
        let testcases = try Self.load()
        let baseline = Dictionary(try Self.loadBaseline().results.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var match = 0, differ = 0, skipped = 0, literalSkipped = 0, literalMatch = 0
        var agreeWithOpenSSL = 0
        var mismatches: [String] = [], baselineDifferences: [String] = []
        for testcase in testcases {
            let outcome = Self.evaluate(testcase)
            switch outcome.result {
            case "SKIPPED": skipped += 1
            case testcase.expected_result: match += 1
            default:
                differ += 1
                mismatches.append("\(testcase.id): expected \(testcase.expected_result), got \(outcome.result) (\(outcome.context ?? "-"))")
            }
            if Self.skipReason(testcase, literalContract: true) != nil {
                literalSkipped += 1
            } else if outcome.result == testcase.expected_result {
                literalMatch += 1
            }
            if let theirs = baseline[testcase.id], theirs.actual_result == outcome.result {
                agreeWithOpenSSL += 1
            } else {
                let theirs = baseline[testcase.id]
                baselineDifferences.append("\(testcase.id): ours \(outcome.result) (\(outcome.context ?? "-")), OpenSSL harness \(theirs?.actual_result ?? "absent") (\(theirs?.context ?? "-"))")
            }
        }
        print("x509-limbo: \(testcases.count) cases: \(match) match, \(differ) differ, \(skipped) skipped (OpenSSL 3.0.19 baseline: 145 match, 53 differ, 10 skipped)")
        print("x509-limbo: with the README's literal skip list (also key_usage/signature_algorithms/expected_peer_names): \(literalMatch) match, \(testcases.count - literalMatch - literalSkipped) differ, \(literalSkipped) skipped")
        print("x509-limbo: same outcome as the OpenSSL harness on \(agreeWithOpenSSL)/\(testcases.count) cases")
        for line in mismatches { print("x509-limbo mismatch: \(line)") }
        for line in baselineDifferences { print("x509-limbo differs from OpenSSL baseline: \(line)") }
        #expect(testcases.count == 208, "limbo.json changed: \(testcases.count) cases")
        #expect(match >= Self.expectedAgreementFloor, "limbo agreement fell to \(match)/\(testcases.count)")
        #expect(agreeWithOpenSSL >= Self.baselineAgreementFloor, "differs from OpenSSL's harness on: \(baselineDifferences)")
    }

    /// Each mapped option changes the outcome where limbo says it should.
    @Test func optionsAreInEffect() throws {
        let all = try Self.load()
        let testcases = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for id in ["crl::revoked-certificate-with-crl", "pathlen::intermediate-violates-pathlen-0"] {
            let testcase = try #require(testcases[id], "\(id) is not in limbo.json")
            #expect(Self.evaluate(testcase).result == "FAILURE", "\(id)")
        }
        // A host name that is not in the certificate fails a chain that passes with the right one.
        // (In file order, not a Dictionary's: that order changes per process, and a known
        // mismatch such as nc-forbids-alternate-chain-ica must not be picked.)
        let valid = try #require(all.first {
            $0.expected_result == "SUCCESS" && $0.expected_peer_name?.kind == "DNS" && Self.skipReason($0) == nil
                && Self.evaluate($0).result == "SUCCESS"
        })
        let wrongName = Testcase(id: valid.id, validation_kind: "SERVER", trusted_certs: valid.trusted_certs,
                                 untrusted_intermediates: valid.untrusted_intermediates, peer_certificate: valid.peer_certificate,
                                 validation_time: valid.validation_time, signature_algorithms: nil, key_usage: nil,
                                 extended_key_usage: valid.extended_key_usage, expected_result: "FAILURE",
                                 expected_peer_name: PeerName(kind: "DNS", value: "not-the-name.invalid"),
                                 expected_peer_names: nil, max_chain_depth: valid.max_chain_depth, crls: valid.crls)
        let outcome = Self.evaluate(wrongName)
        #expect(outcome.result == "FAILURE" && outcome.context == "hostname mismatch", "\(outcome)")
    }
}
