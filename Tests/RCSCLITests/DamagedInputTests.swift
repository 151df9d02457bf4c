import Foundation
import RCSTestSupport
import Testing

/// Every bad input gets a clear error, a non-zero exit, and leaves nothing at OUT.
@Suite struct DamagedInputTests {
    let pki = TestPKI.shared

    /// Runs `rcs decrypt` expecting failure; checks exit code, message, and that OUT is untouched.
    func expectFailure(_ arguments: [String], envelope: String, exit expected: Int32, mentioning words: String,
                       in dir: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = dir.file("out-\(UUID().uuidString)")
        let result = try RCSBinary.run(["decrypt"] + arguments + [envelope, out])
        #expect(result.status == expected, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.lowercased().contains(words.lowercased()), "message was: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: out), "a partial OUT was left", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("PRIVATE KEY") && !result.stderr.contains(TestPKI.keyPassword),
                "a secret leaked into the message", sourceLocation: sourceLocation)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".rcs-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)", sourceLocation: sourceLocation)
    }

    func envelope(_ dir: TemporaryDirectory, cipher: String, form: String, stream: Bool, size: Int = 50_000) throws -> String {
        let plaintext = try dir.randomFile("plain-\(UUID().uuidString)", size: size)
        let path = dir.file("envelope-\(cipher)-\(form)-\(stream)")
        var arguments = ["cms", "-encrypt", "-binary", "-\(cipher)", "-in", plaintext, "-out", path, "-outform", form]
        if stream { arguments.append("-stream") }
        try Shell.opensslArgs(arguments + [pki.tenantA.certificate])
        return path
    }

    static let truncations: [(cipher: String, form: String, stream: Bool)] = [
        ("aes-256-cbc", "DER", false), ("aes-256-cbc", "DER", true),
        ("aes-256-gcm", "DER", false), ("aes-256-gcm", "DER", true),
        ("aes-128-cbc", "PEM", true), ("aes-256-gcm", "SMIME", false),
    ]

    @Test("truncated envelopes fail", arguments: 0..<truncations.count)
    func truncatedEnvelopesFail(_ index: Int) throws {
        let (cipher, form, stream) = Self.truncations[index]
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        let whole = try Data(contentsOf: URL(fileURLWithPath: envelope(dir, cipher: cipher, form: form, stream: stream)))
        // Cut in the header, in the content, and in the last bytes (end-of-contents, tag, END line).
        for cut in [1, 40, 400, whole.count / 2, whole.count - 40, whole.count - 2, whole.count - 1] where cut < whole.count {
            var truncated = whole.prefix(cut)
            if form != "DER" {
                // Keep text truncation honest: drop a whole line or more.
                if let newline = truncated.lastIndex(of: 0x0A) { truncated = truncated.prefix(upTo: newline + 1) }
                // A cut that only drops trailing blank lines loses no data.
                let isSpace: (UInt8) -> Bool = { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 }
                if Array(truncated.reversed().drop(while: isSpace)) == Array(whole.reversed().drop(while: isSpace)) { continue }
            }
            let path = dir.file("truncated-\(cut)")
            try truncated.write(to: URL(fileURLWithPath: path))
            let result = try RCSBinary.run(["decrypt", "--key", pki.tenantA.pkcs8PEM, path, dir.file("out-\(cut)")])
            #expect(result.status != 0, "\(cipher) \(form) cut at \(cut) of \(whole.count) was accepted")
            #expect(!result.stderr.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: dir.file("out-\(cut)")))
        }
    }

    @Test func tamperedGCMContentReleasesNothing() throws {
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        let path = try envelope(dir, cipher: "aes-256-gcm", form: "DER", stream: false, size: 200_000)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x40
        let tampered = dir.file("tampered.der")
        try Data(bytes).write(to: URL(fileURLWithPath: tampered))
        try expectFailure(["--key", pki.tenantA.pkcs8PEM], envelope: tampered, exit: 5, mentioning: "tampered", in: dir)
        // Standard output gets nothing either.
        let piped = try RCSBinary.run(["decrypt", "--key", pki.tenantA.pkcs8PEM, tampered, "-"])
        #expect(piped.status == 5)
        #expect(piped.stdout.isEmpty, "\(piped.stdout.count) unauthenticated bytes reached standard output")
    }

    @Test func tamperedGCMTagFails() throws {
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        let path = try envelope(dir, cipher: "aes-256-gcm", form: "DER", stream: false)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 1] ^= 0x01 // the tag is the last element
        let tampered = dir.file("tampered.der")
        try Data(bytes).write(to: URL(fileURLWithPath: tampered))
        try expectFailure(["--key", pki.tenantA.pkcs8PEM], envelope: tampered, exit: 5, mentioning: "authentication", in: dir)
    }

    /// A wrapped key that does not unwrap fails exactly like damaged content:
    /// no separate "bad padding" answer an attacker could use as an oracle.
    @Test func corruptWrappedKeyLooksLikeDamagedContent() throws {
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("plain.bin", size: 1000)
        let path = dir.file("envelope.der")
        try RCSBinary.run(["encrypt", "--cert", pki.tenantA.certificate, "--cipher", "aes-256-gcm", plaintext, path])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The wrapped key: OCTET STRING of 256 bytes (04 82 01 00).
        let marker: [UInt8] = [0x04, 0x82, 0x01, 0x00]
        let at = try #require((0..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == marker })
        bytes[at + 4 + 100] ^= 0x01
        let corrupt = dir.file("corrupt-key.der")
        try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
        try expectFailure(["--key", pki.tenantA.pkcs8PEM, "--cert", pki.tenantA.certificate], envelope: corrupt,
                          exit: 5, mentioning: "tampered", in: dir)
    }

    @Test func randomBytesAreNotAnEnvelope() throws {
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        for size in [0, 1, 100, 10_000] {
            var random = try Data(contentsOf: URL(fileURLWithPath: dir.randomFile("r\(size)", size: size)))
            if let first = random.first, first == 0x30 { random[0] = 0x31 }
            try random.write(to: URL(fileURLWithPath: dir.file("r\(size)")))
            try expectFailure(["--key", pki.tenantA.pkcs8PEM], envelope: dir.file("r\(size)"), exit: 2,
                              mentioning: size == 0 ? "empty" : "envelope", in: dir)
        }
        // Random bytes behind a valid-looking SEQUENCE tag.
        let random = try Data(contentsOf: URL(fileURLWithPath: dir.randomFile("seq", size: 5000)))
        try (Data([0x30, 0x82, 0x13, 0x84]) + random).write(to: URL(fileURLWithPath: dir.file("seq")))
        try expectFailure(["--key", pki.tenantA.pkcs8PEM], envelope: dir.file("seq"), exit: 2, mentioning: "envelope", in: dir)
    }

    @Test func noMatchingRecipientNamesWhatItLookedFor() throws {
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        let path = try envelope(dir, cipher: "aes-256-cbc", form: "DER", stream: false)
        try expectFailure(["--key", pki.tenantB.pkcs8PEM, "--cert", pki.tenantB.certificate], envelope: path, exit: 4,
                          mentioning: "the envelope is for: issuer", in: dir)
    }

    @Test func passwordProblemsAreClear() throws {
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        let path = try envelope(dir, cipher: "aes-256-cbc", form: "DER", stream: false)
        for key in [pki.tenantA.pkcs8PEMEncrypted, pki.tenantA.pkcs1PEMEncrypted, pki.tenantA.pkcs8DEREncrypted] {
            try expectFailure(["--key", key], envelope: path, exit: 3, mentioning: "give its password", in: dir)
            try expectFailure(["--key", key, "--password", "not the password"], envelope: path, exit: 3,
                              mentioning: "password does not open", in: dir)
        }
        let passwordFile = dir.file("password.txt")
        try "\(TestPKI.keyPassword)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let ok = try RCSBinary.run(["decrypt", "--key", pki.tenantA.pkcs8PEMEncrypted, "--password-file", passwordFile,
                                    path, dir.file("ok.bin")])
        #expect(ok.succeeded, "\(ok.stderr)")
    }

    @Test func keyProblemsAreClear() throws {
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        let path = try envelope(dir, cipher: "aes-256-cbc", form: "DER", stream: false)
        try expectFailure(["--key", pki.tenantA.pkcs8PEM, "--cert", pki.tenantB.certificate], envelope: path, exit: 3,
                          mentioning: "does not belong", in: dir)
        try expectFailure(["--key", pki.ecKey], envelope: path, exit: 3, mentioning: "must be RSA", in: dir)
        try expectFailure(["--key", pki.tenantA.certificate], envelope: path, exit: 2, mentioning: "no private key", in: dir)
        try expectFailure(["--key", dir.file("missing.pem")], envelope: path, exit: 7, mentioning: "cannot open", in: dir)
        let garbage = try dir.randomFile("garbage.key", size: 300)
        try expectFailure(["--key", garbage], envelope: path, exit: 2, mentioning: "not a private key", in: dir)
    }

    /// A failure never replaces or damages an existing OUT.
    @Test func failureLeavesExistingOutputAlone() throws {
        let dir = try TemporaryDirectory("rcs-damaged")
        defer { dir.remove() }
        let path = try envelope(dir, cipher: "aes-256-gcm", form: "DER", stream: false)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let out = dir.file("existing.wav")
        try Data("previous contents".utf8).write(to: URL(fileURLWithPath: out))
        let result = try RCSBinary.run(["decrypt", "--key", pki.tenantA.pkcs8PEM, path, out])
        #expect(result.status == 5)
        #expect(FileManager.default.contents(atPath: out) == Data("previous contents".utf8))
    }
}
