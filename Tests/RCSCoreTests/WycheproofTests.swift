import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// Wycheproof vectors against the primitives the envelope code uses: every
/// `valid` case decrypts to `msg`, every `invalid` one is rejected and
/// releases no plaintext.
@Suite(.enabled(if: SharedTestSuites.exists("wycheproof/testvectors_v1"), "\(SharedTestSuites.absentMessage)"))
struct WycheproofTests {
    struct File<Group: Decodable>: Decodable {
        let algorithm: String
        let testGroups: [Group]
    }

    struct Vector: Decodable {
        let tcId: Int
        let comment: String
        let msg: String
        let ct: String
        let result: String
        let label: String?
        let key: String?
        let iv: String?
        let aad: String?
        let tag: String?
    }

    struct RSAGroup: Decodable {
        let privateKeyPem: String
        let sha: String?
        let mgfSha: String?
        let tests: [Vector]
    }

    struct SymmetricGroup: Decodable {
        let tests: [Vector]
    }

    static func load<Group: Decodable>(_ name: String, as: Group.Type) throws -> File<Group> {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedTestSuites.path("wycheproof/testvectors_v1/\(name)")))
        return try JSONDecoder().decode(File<Group>.self, from: data)
    }

    /// Wycheproof's digest names to OpenSSL's ("SHA-512/224" → "SHA512-224").
    static func digest(_ name: String) -> String {
        name.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "/", with: "-")
    }

    static let oaepFiles: [String] = {
        let directory = SharedTestSuites.path("wycheproof/testvectors_v1")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("rsa_oaep_") && $0.hasSuffix("_test.json") }.sorted()
    }()

    static let pkcs1Files: [String] = {
        let directory = SharedTestSuites.path("wycheproof/testvectors_v1")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("rsa_pkcs1_") && $0.hasSuffix("_test.json") }.sorted()
    }()

    /// Counts cases so a file that silently runs nothing fails.
    struct Tally { var valid = 0, invalid = 0, acceptable = 0 }

    /// Wycheproof's three outcomes: `valid` must give `msg`; `invalid` must give
    /// nothing; `acceptable` may go either way, but if it decrypts it gives `msg`.
    static func check(_ plaintext: [UInt8]?, _ vector: Vector, _ tally: inout Tally, _ context: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = [UInt8](hex: vector.msg)
        switch vector.result {
        case "valid":
            tally.valid += 1
            #expect(plaintext == expected, "\(context) tcId \(vector.tcId): \(vector.comment)", sourceLocation: sourceLocation)
        case "invalid":
            tally.invalid += 1
            #expect(plaintext == nil, "\(context) tcId \(vector.tcId) accepted: \(vector.comment)", sourceLocation: sourceLocation)
        default:
            tally.acceptable += 1
            if let plaintext { #expect(plaintext == expected, "\(context) tcId \(vector.tcId)", sourceLocation: sourceLocation) }
        }
    }

    @Test("RSA-OAEP decryption", arguments: oaepFiles)
    func rsaOAEP(_ file: String) throws {
        var tally = Tally()
        for group in try Self.load(file, as: RSAGroup.self).testGroups {
            let key = try PrivateKey.load(Array(group.privateKeyPem.utf8), password: nil)
            let padding = RSAPadding.oaep(hash: Self.digest(group.sha!), mgf1Hash: Self.digest(group.mgfSha!),
                                          label: [UInt8](hex: group.tests.first?.label ?? "") ?? [])
            for vector in group.tests {
                let padding: RSAPadding = {
                    guard case let .oaep(hash, mgf1, _) = padding else { return padding }
                    return .oaep(hash: hash, mgf1Hash: mgf1, label: [UInt8](hex: vector.label ?? "") ?? [])
                }()
                Self.check(try? key.decrypt([UInt8](hex: vector.ct)!, padding: padding), vector, &tally, file)
            }
        }
        #expect(tally.valid > 0, "\(file) ran no valid case: \(tally)")
    }

    @Test("RSA PKCS#1 v1.5 decryption", arguments: pkcs1Files)
    func rsaPKCS1(_ file: String) throws {
        var tally = Tally()
        for group in try Self.load(file, as: RSAGroup.self).testGroups {
            let key = try PrivateKey.load(Array(group.privateKeyPem.utf8), password: nil)
            for vector in group.tests {
                Self.check(try? key.decrypt([UInt8](hex: vector.ct)!, padding: .pkcs1), vector, &tally, file)
            }
        }
        #expect(tally.valid > 0 && tally.invalid > 0, "\(file): \(tally)")
    }

    @Test func aesGCM() throws {
        var tally = Tally()
        var longNonces = 0
        for group in try Self.load("aes_gcm_test.json", as: SymmetricGroup.self).testGroups {
            for vector in group.tests {
                let nonce = [UInt8](hex: vector.iv!)!
                let open = { try StreamCipher.openAESGCM(key: [UInt8](hex: vector.key!)!, nonce: nonce, aad: [UInt8](hex: vector.aad!)!,
                                                         ciphertext: [UInt8](hex: vector.ct)!, tag: [UInt8](hex: vector.tag!)!) }
                if nonce.count > StreamCipher.maxGCMNonce {
                    // OpenSSL 3.0 cannot take such nonces: pinned as a named refusal, never a wrong answer.
                    longNonces += 1
                    #expect(throws: RCSError.self, "tcId \(vector.tcId)") { try open() }
                    continue
                }
                Self.check(try? open(), vector, &tally, "aes_gcm")
            }
        }
        #expect(tally.valid > 0 && tally.invalid > 0, "\(tally)")
        #expect(longNonces <= 6, "more nonces beyond OpenSSL's limit than the vectors had: \(longNonces)")
    }

    @Test func aesCBCWithPKCS5Padding() throws {
        var tally = Tally()
        for group in try Self.load("aes_cbc_pkcs5_test.json", as: SymmetricGroup.self).testGroups {
            for vector in group.tests {
                let plaintext = try? StreamCipher.decryptAESCBC(key: [UInt8](hex: vector.key!)!, iv: [UInt8](hex: vector.iv!)!,
                                                                ciphertext: [UInt8](hex: vector.ct)!)
                Self.check(plaintext, vector, &tally, "aes_cbc_pkcs5")
            }
        }
        #expect(tally.valid > 0 && tally.invalid > 0, "\(tally)")
    }
}
