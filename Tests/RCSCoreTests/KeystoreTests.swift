#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// The keystore directory (SPEC section 3), in process: entries, file modes,
/// encrypted PKCS#8 that openssl opens, the default KDF, wrong passwords, the
/// directory lock, password changes (and the recovery of interrupted ones),
/// derived secrets, and backup archives (honest and hostile).
///
/// Every keystore here uses 10 000 PBKDF2 iterations for speed, except the
/// test that pins the default (600 000).
@Suite struct KeystoreTests {
    let pki = TestPKI.shared
    static let iterations = 10_000

    // MARK: Helpers

    /// A recording certificate with its (clear) key, from the test PKI.
    struct Pair {
        let certificate: Certificate
        let key: PrivateKey
        var fingerprint: String { certificate.sha256Fingerprint }
    }

    func pair(_ certificate: String, _ key: String) throws -> Pair {
        Pair(certificate: try Certificate.load(path: certificate)[0], key: try PrivateKey.load(path: key, password: nil))
    }

    var tenantA: Pair { get throws { try pair(pki.tenantA.certificate, pki.tenantA.pkcs8PEM) } }
    var tenantB: Pair { get throws { try pair(pki.tenantB.certificate, pki.tenantB.pkcs8PEM) } }
    var foreign: Pair { get throws { try pair(pki.foreignLeaf, pki.key(of: pki.foreignLeaf)) } }

    func open(_ directory: String, _ password: String) throws -> Keystore {
        try Keystore(directory: directory, password: password, kdfIterations: Self.iterations)
    }

    /// Makes a keystore holding `pairs` and closes it (releasing its lock).
    @discardableResult
    func makeKeystore(_ directory: String, password: String, _ pairs: [Pair], trust: [String] = []) throws -> [String] {
        let keystore = try open(directory, password)
        let fingerprints = try pairs.map { try keystore.add(certificate: $0.certificate, key: $0.key) }
        if !trust.isEmpty { _ = try TrustStore(keystore: keystore).add(trust.flatMap { try Certificate.load(path: $0) }) }
        return fingerprints
    }

    /// Every file and directory under `root`, hidden ones included: mode and content.
    struct Snapshot: Equatable, CustomStringConvertible {
        var items: [String: String] = [:]
        var description: String { items.keys.sorted().map { "\($0): \(items[$0]!.prefix(12))" }.joined(separator: "\n") }
    }

    func snapshot(_ root: String) throws -> Snapshot {
        var result = Snapshot()
        let names = try FileManager.default.subpathsOfDirectory(atPath: root)
        for name in names + ["."] {
            let path = "\(root)/\(name)"
            var info = stat()
            guard stat(path, &info) == 0 else { throw TestFailure("cannot stat \(path)") }
            let mode = String(info.st_mode & 0o7777, radix: 8)
            if (info.st_mode & S_IFMT) == S_IFDIR {
                result.items[name] = "dir \(mode)"
            } else {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                result.items[name] = "file \(mode) \(data.count) \(data.base64EncodedString())"
            }
        }
        return result
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o7777
    }

    func names(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// True when the key file opens with `password` (in process).
    func opens(_ path: String, _ password: String) -> Bool {
        (try? PrivateKey.load(path: path, password: password)) != nil
    }

    /// The code of the RCSError `body` throws (nil if it throws none, or another error).
    func code(_ body: () throws -> Void) -> RCSError.Code? {
        do { try body() } catch let error as RCSError { return error.code } catch { return nil }
        return nil
    }

    func code<T>(_ body: () throws -> T) -> RCSError.Code? {
        code { () throws -> Void in _ = try body() }
    }

    /// Splits an archive into its `# file:` sections (the header lines dropped).
    func sections(_ archive: String) -> [(name: String, content: String)] {
        var result: [(name: String, content: String)] = []
        for line in archive.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# file: ") {
                result.append((String(line.dropFirst(8)), ""))
            } else if !result.isEmpty, !line.isEmpty {
                result[result.count - 1].content += line + "\n"
            }
        }
        return result
    }

    func assemble(_ sections: [(name: String, content: String)]) -> String {
        "# RCS keystore archive v1\n# made by hand\n" + sections.map { "# file: \($0.name)\n\($0.content)" }.joined()
    }

    // MARK: Entries

    @Test func addListEntryRemove() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        let a = try tenantA, b = try tenantB
        let intermediate = try Certificate.load(path: pki.intermediateCA)
        do {
            let keystore = try open(path, "pw")
            #expect(try keystore.entries().isEmpty)
            let fa = try keystore.add(certificate: a.certificate, key: a.key, chain: intermediate)
            let fb = try keystore.add(certificate: b.certificate, key: b.key)
            #expect(fa == a.fingerprint && fb == b.fingerprint)
            #expect(Keystore.isFingerprintString(fa))
            #expect(try keystore.fingerprints() == [fa, fb].sorted())
            #expect(try keystore.entries().map(\.fingerprint) == [fa, fb].sorted())

            let entry = try keystore.entry(fa)
            #expect(entry.certificate.subjectName == "Tenant A Recording <rec@tenant-a.example>")
            #expect(entry.hasKey)
            #expect(entry.chain.map(\.sha256Fingerprint) == intermediate.map(\.sha256Fingerprint))
            #expect(try keystore.entry(fb).chain.isEmpty)
            #expect(try keystore.privateKey(fa).matches(a.certificate))

            #expect(try names(path) == ["\(fa).cert.pem", "\(fa).chain.pem", "\(fa).key.pem",
                                        "\(fb).cert.pem", "\(fb).key.pem", "keystore.key.pem", "trust"].sorted())
            try keystore.remove(fa)
            #expect(try keystore.fingerprints() == [fb])
            #expect(try names(path) == ["\(fb).cert.pem", "\(fb).key.pem", "keystore.key.pem", "trust"].sorted())
            #expect(code { try keystore.entry(fa) } == .io)
            #expect(code { try keystore.remove(fa) } == .io)
            #expect(code { try keystore.privateKey(fa) } != nil)
            #expect(code { try keystore.entry("../keystore") } == .wrongKind)
            #expect(code { try keystore.entry(fa.uppercased()) } == .wrongKind)
        }
        // Reopened: the key is read from disk under the password.
        let reopened = try open(path, "pw")
        #expect(try reopened.fingerprints() == [b.fingerprint])
        #expect(try reopened.privateKey(b.fingerprint).matches(b.certificate))
    }

    @Test func duplicateOrMismatchedAddIsRefused() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let keystore = try open(dir.file("ks"), "pw")
        let a = try tenantA, b = try tenantB
        try keystore.add(certificate: a.certificate, key: a.key)
        let before = try snapshot(dir.file("ks"))

        do {
            try keystore.add(certificate: a.certificate, key: a.key)
            Issue.record("a second add of the same certificate was accepted")
        } catch let error as KeystoreError {
            guard case let .duplicate(fingerprint) = error else { Issue.record("\(error)"); return }
            #expect(fingerprint == a.fingerprint)
            #expect(error.description.contains("already in the keystore"))
        }
        #expect(code { try keystore.add(certificate: b.certificate, key: a.key) } == .keyMismatch)
        #expect(try snapshot(dir.file("ks")) == before, "a refused add wrote something")
    }

    // MARK: Files on disk

    @Test func directoryIs0700AndFilesAre0600() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        let keystore = try open(path, "pw")
        let a = try tenantA
        try keystore.add(certificate: a.certificate, key: a.key, chain: try Certificate.load(path: pki.intermediateCA))
        _ = try TrustStore(keystore: keystore).add(try Certificate.load(path: pki.rootCA))
        let all = try snapshot(path)
        #expect(all.items.count == 7, "\(all)") // . trust keystore.key cert key chain trust/root
        for name in try FileManager.default.subpathsOfDirectory(atPath: path) + ["."] {
            var info = stat()
            #expect(stat("\(path)/\(name)", &info) == 0)
            let expected: mode_t = (info.st_mode & S_IFMT) == S_IFDIR ? 0o700 : 0o600
            #expect(info.st_mode & 0o7777 == expected, "\(name) has mode \(String(info.st_mode & 0o7777, radix: 8))")
        }
    }

    @Test func keysAreEncryptedPKCS8ThatOpensslOpens() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        let password = "keystore pass with spaces"
        let pairs = [try tenantA, try tenantB]
        try makeKeystore(path, password: password, pairs, trust: [pki.rootCA])

        for pair in pairs {
            let keyFile = "\(path)/\(pair.fingerprint).key.pem"
            let pem = try text(keyFile)
            #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"))
            #expect(pem.hasSuffix("-----END ENCRYPTED PRIVATE KEY-----\n"))
            // openssl opens it with the keystore password, and it is the certificate's key.
            let publicKey = try Shell.openssl("pkey", "-in", keyFile, "-passin", "pass:\(password)", "-pubout").stdoutText
            let certificateKey = try Shell.openssl("x509", "-in", "\(path)/\(pair.fingerprint).cert.pem", "-pubkey", "-noout").stdoutText
            #expect(publicKey == certificateKey)
            #expect(!publicKey.isEmpty)
            let wrong = try Shell.run(["openssl", "pkey", "-in", keyFile, "-passin", "pass:wrong", "-noout"])
            #expect(!wrong.succeeded, "openssl opened a stored key with a wrong password")
            let none = try Shell.run(["openssl", "pkey", "-in", keyFile, "-passin", "pass:", "-noout"])
            #expect(!none.succeeded)
        }
        #expect(try Shell.run(["openssl", "pkey", "-in", "\(path)/keystore.key.pem", "-passin", "pass:\(password)", "-noout"]).succeeded)

        // No file anywhere holds a key in clear (PEM or DER of the clear PKCS#8).
        let clearKeys = try [pki.tenantA.pkcs8DER, pki.tenantB.pkcs8DER].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for name in try FileManager.default.subpathsOfDirectory(atPath: path) {
            let file = "\(path)/\(name)"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let content = String(decoding: data, as: UTF8.self)
            #expect(!content.contains("BEGIN PRIVATE KEY"), "\(name) holds a clear key")
            #expect(!content.contains("BEGIN RSA PRIVATE KEY"), "\(name) holds a clear key")
            for der in clearKeys {
                #expect(data.range(of: der) == nil, "\(name) holds a clear key in DER")
                let base64 = der.base64EncodedString()
                #expect(!content.replacingOccurrences(of: "\n", with: "").contains(base64.prefix(64)), "\(name) holds a clear key in base64")
            }
        }
    }

    @Test func defaultKDFIsWhatGetsWritten() throws {
        #expect(PrivateKey.defaultKDFIterations == 600_000)
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        let a = try tenantA
        do {
            let keystore = try Keystore(directory: path, password: "pw") // the default iterations
            try keystore.add(certificate: a.certificate, key: a.key)
        }
        for file in ["keystore.key.pem", "\(a.fingerprint).key.pem"] {
            let parsed = try Shell.openssl("asn1parse", "-in", "\(path)/\(file)").stdoutText
            let lines = parsed.split(separator: "\n").map(String.init)
            func index(_ needle: String) -> Int? { lines.firstIndex { $0.contains(needle) } }
            let pbes2 = index(":PBES2"), pbkdf2 = index(":PBKDF2"), hmac = index(":hmacWithSHA256"), aes = index(":aes-256-cbc")
            #expect(pbes2 != nil && pbkdf2 != nil && hmac != nil && aes != nil, "\(file):\n\(parsed)")
            guard let pbkdf2, let hmac else { continue }
            // PBKDF2-params: salt OCTET STRING, iterationCount INTEGER, prf.
            let parameters = lines[(pbkdf2 + 1)..<hmac]
            let salt = parameters.first { $0.contains("OCTET STRING") }
            #expect(salt?.contains("l=  16") == true, "a 16-byte salt: \(salt ?? "none")")
            let integers = parameters.filter { $0.contains("prim: INTEGER") }
            #expect(integers.count == 1, "iteration count only, no key length: \(integers)")
            let hex = integers.first.flatMap { $0.split(separator: ":").last }.map(String.init) ?? ""
            #expect(Int(hex, radix: 16) == 600_000, "\(file): iteration count \(hex)")
            // And `openssl pkey` says the same.
            #expect(try Shell.run(["openssl", "pkey", "-in", "\(path)/\(file)", "-passin", "pass:pw", "-noout"]).succeeded)
        }
        // The small count the other tests use really is small (so the default is not a fluke).
        let small = try a.key.encryptedPKCS8PEM(password: "pw", iterations: Self.iterations)
        let smallFile = dir.file("small.pem")
        try small.write(toFile: smallFile, atomically: true, encoding: .utf8)
        let smallParsed = try Shell.openssl("asn1parse", "-in", smallFile).stdoutText
        #expect(smallParsed.contains(":2710\n"), "10000 = 0x2710:\n\(smallParsed)")
    }

    // MARK: Opening

    @Test func wrongPasswordThrowsAndChangesNothing() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        try makeKeystore(path, password: "right", [try tenantA, try tenantB], trust: [pki.rootCA])
        let before = try snapshot(path)
        for wrong in ["wrong", "righ", "right ", "RIGHT"] {
            #expect(code { try open(path, wrong) } == .wrongPassword)
        }
        do {
            _ = try open(path, "wrong")
        } catch let error as RCSError {
            #expect(error.reason.contains("nothing was changed"))
            #expect(!error.description.contains("wrong"), "the password must not be echoed: \(error)")
        }
        #expect(code { try open(path, "") } == .passwordRequired)
        #expect(try snapshot(path) == before)
        // And the right one still opens it.
        #expect(try open(path, "right").fingerprints().count == 2)
        #expect(try snapshot(path) == before)
    }

    @Test func secondKeystoreOnTheSameDirectoryIsRefused() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        do {
            let first = try open(path, "pw")
            let error = try #require(throws: RCSError.self) { try open(path, "pw") }
            #expect(error.code == .io)
            #expect(error.reason.contains("in use"))
            // Even with a wrong password the lock answers first, and nothing is touched.
            #expect(code { try open(path, "other") } == .io)
            withExtendedLifetime(first) {}
        }
        // Released with the first keystore.
        #expect(try open(path, "pw").fingerprints().isEmpty)
    }

    // MARK: Password change

    @Test func changePasswordThenReopen() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        let pairs = [try tenantA, try tenantB, try foreign]
        try makeKeystore(path, password: "old", pairs)
        do {
            let keystore = try open(path, "old")
            #expect(code { try keystore.changePassword(to: "old") } == .wrongPassword)
            #expect(code { try keystore.changePassword(to: "") } == .passwordRequired)
            var heard: [(Int, Int)] = []
            try keystore.changePassword(to: "new") { heard.append(($0, $1)) }
            #expect(heard.map(\.0) == [1, 2, 3, 4] && heard.allSatisfy { $0.1 == 4 }, "\(heard)")
            // The open keystore goes on working, and writes under the new password.
            #expect(try keystore.privateKey(pairs[0].fingerprint).matches(pairs[0].certificate))
            try keystore.remove(pairs[2].fingerprint)
            try keystore.add(certificate: pairs[2].certificate, key: pairs[2].key)
        }
        #expect(try names(path).filter { $0.contains(".next") }.isEmpty)
        #expect(code { try open(path, "old") } == .wrongPassword)
        let reopened = try open(path, "new")
        for pair in pairs {
            #expect(try reopened.privateKey(pair.fingerprint).matches(pair.certificate))
            let file = "\(path)/\(pair.fingerprint).key.pem"
            #expect(opens(file, "new") && !opens(file, "old"))
        }
        #expect(opens("\(path)/keystore.key.pem", "new"))
    }

    // MARK: Derived secrets

    @Test func derivedSecretFollowsTheKeystoreKey() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let source = dir.file("source"), copy = dir.file("copy")
        let secret: [UInt8]
        let archive: String
        do {
            let keystore = try open(source, "one")
            let a = try tenantA
            try keystore.add(certificate: a.certificate, key: a.key)
            secret = try keystore.secret(for: "remote-storage")
            #expect(secret.count == 32)
            #expect(try keystore.secret(for: "remote-storage") == secret)
            #expect(try keystore.secret(for: "other") != secret)
            try keystore.changePassword(to: "two")
            #expect(try keystore.secret(for: "remote-storage") == secret)
            archive = try keystore.exportArchive()
        }
        #expect(try open(source, "two").secret(for: "remote-storage") == secret, "stable across a password change")

        do {
            // A fresh keystore has its own key, hence other secrets...
            let fresh = try open(copy, "three")
            #expect(try fresh.secret(for: "remote-storage") != secret)
            // ...until it takes the archive's keystore key in a restore.
            let report = try fresh.restore(archive: archive, archivePassword: "two")
            #expect(report.keystoreKeyRestored)
            #expect(try fresh.secret(for: "remote-storage") == secret)
        }
        #expect(try open(copy, "three").secret(for: "remote-storage") == secret, "the restored keystore key was written")
        #expect(opens("\(copy)/keystore.key.pem", "three"))

        // Another fresh keystore, never restored, still differs.
        #expect(try open(dir.file("third"), "three").secret(for: "remote-storage") != secret)
    }

    // MARK: Archives

    @Test func exportAndRestoreIntoEmptyAndExistingKeystores() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let a = try tenantA, b = try tenantB, f = try foreign
        let root = try Certificate.load(path: pki.rootCA)[0], intermediate = try Certificate.load(path: pki.intermediateCA)[0]
        let archive: String
        do {
            let source = try open(dir.file("source"), "pw")
            try source.add(certificate: a.certificate, key: a.key, chain: [intermediate])
            try source.add(certificate: b.certificate, key: b.key)
            _ = try TrustStore(keystore: source).add([root, intermediate])
            archive = try source.exportArchive()
        }
        #expect(archive.hasPrefix("# RCS keystore archive v1\n"))
        #expect(!archive.contains("BEGIN PRIVATE KEY") && !archive.contains("BEGIN RSA PRIVATE KEY"))
        let names = sections(archive).map(\.name)
        #expect(names.first == "keystore.key.pem")
        #expect(Set(names) == Set(["keystore.key.pem", "\(a.fingerprint).cert.pem", "\(a.fingerprint).key.pem", "\(a.fingerprint).chain.pem",
                                   "\(b.fingerprint).cert.pem", "\(b.fingerprint).key.pem",
                                   "trust/\(root.sha256Fingerprint).pem", "trust/\(intermediate.sha256Fingerprint).pem"]))

        // Into an empty keystore: everything is added, and its keystore key is taken.
        let empty = try open(dir.file("empty"), "pw")
        let first = try empty.restore(archive: archive)
        #expect(first.added == [a.fingerprint, b.fingerprint].sorted())
        #expect(first.alreadyPresent.isEmpty)
        #expect(Set(first.trustAdded) == Set([root.sha256Fingerprint, intermediate.sha256Fingerprint]))
        #expect(first.keystoreKeyRestored)
        #expect(try empty.entry(a.fingerprint).chain.map(\.sha256Fingerprint) == [intermediate.sha256Fingerprint])
        #expect(try empty.privateKey(b.fingerprint).matches(b.certificate))
        // Restoring again adds nothing.
        let again = try empty.restore(archive: archive)
        #expect(again.added.isEmpty && again.trustAdded.isEmpty && !again.keystoreKeyRestored)
        #expect(again.alreadyPresent == [a.fingerprint, b.fingerprint].sorted())

        // Into an existing keystore (holding B and F): A is added, B already there, F kept; its own key stays.
        let existingPath = dir.file("existing")
        try makeKeystore(existingPath, password: "pw", [b, f])
        let existing = try open(existingPath, "pw")
        let secret = try existing.secret(for: "x")
        let report = try existing.restore(archive: archive)
        #expect(report.added == [a.fingerprint])
        #expect(report.alreadyPresent == [b.fingerprint])
        #expect(Set(report.trustAdded) == Set([root.sha256Fingerprint, intermediate.sha256Fingerprint]))
        #expect(!report.keystoreKeyRestored)
        #expect(try existing.secret(for: "x") == secret)
        #expect(try existing.fingerprints() == [a.fingerprint, b.fingerprint, f.fingerprint].sorted())
        #expect(try TrustStore(keystore: existing).all().count == 2)
        // All of it on disk, under the keystore password, mode 0600.
        for fingerprint in [a.fingerprint, b.fingerprint, f.fingerprint] {
            #expect(opens("\(existingPath)/\(fingerprint).key.pem", "pw"))
            #expect(mode("\(existingPath)/\(fingerprint).key.pem") == 0o600)
        }
    }

    @Test func restoreFromAnotherPasswordNeedsTheArchivePassword() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let a = try tenantA, b = try tenantB
        let archive: String
        do {
            let source = try open(dir.file("source"), "source pw")
            try source.add(certificate: a.certificate, key: a.key)
            try source.add(certificate: b.certificate, key: b.key)
            archive = try source.exportArchive()
        }
        for target in ["empty", "existing"] {
            let path = dir.file(target)
            try makeKeystore(path, password: "target pw", target == "empty" ? [] : [try foreign])
            let keystore = try open(path, "target pw")
            let before = try snapshot(path)
            let missing = try #require(throws: RCSError.self) { try keystore.restore(archive: archive) }
            #expect(missing.code == .wrongPassword)
            #expect(missing.reason.contains("archive"))
            #expect(code { try keystore.restore(archive: archive, archivePassword: "wrong") } == .wrongPassword)
            #expect(code { try keystore.restore(archive: archive, archivePassword: "target pw") } == .wrongPassword)
            #expect(try snapshot(path) == before, "a refused restore wrote into the \(target) keystore")

            let report = try keystore.restore(archive: archive, archivePassword: "source pw")
            #expect(report.added == [a.fingerprint, b.fingerprint].sorted())
            #expect(report.keystoreKeyRestored == (target == "empty"))
            // Re-encrypted under this keystore's password.
            for pair in [a, b] {
                let file = "\(path)/\(pair.fingerprint).key.pem"
                #expect(opens(file, "target pw") && !opens(file, "source pw"))
            }
            #expect(opens("\(path)/keystore.key.pem", "target pw"))
        }
    }

    @Test func hostileArchivesAreRefusedWithNothingWritten() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let a = try tenantA, b = try tenantB
        let archive: String
        do {
            let source = try open(dir.file("source"), "pw")
            try source.add(certificate: a.certificate, key: a.key)
            try source.add(certificate: b.certificate, key: b.key)
            _ = try TrustStore(keystore: source).add(try Certificate.load(path: pki.rootCA))
            archive = try source.exportArchive()
        }
        let honest = sections(archive)
        func content(_ name: String) -> String { honest.first { $0.name == name }!.content }
        let certA = "\(a.fingerprint).cert.pem", keyA = "\(a.fingerprint).key.pem"
        let certB = "\(b.fingerprint).cert.pem", keyB = "\(b.fingerprint).key.pem"
        func replacing(_ name: String, with newContent: String) -> [(name: String, content: String)] {
            honest.map { $0.name == name ? ($0.name, newContent) : $0 }
        }
        // Every hostile entry comes after honest ones: a restore that wrote as it went would show.
        let hostile: [(label: String, sections: [(name: String, content: String)], code: RCSError.Code)] = [
            ("../ in a name", honest + [("../\(a.fingerprint).cert.pem", content(certA))], .malformedEnvelope),
            ("../ in a key name", honest + [("../../\(a.fingerprint).key.pem", content(keyA))], .malformedEnvelope),
            ("absolute path", honest + [("/tmp/\(a.fingerprint).cert.pem", content(certA))], .malformedEnvelope),
            ("absolute keystore key", honest + [("/etc/keystore.key.pem", content("keystore.key.pem"))], .malformedEnvelope),
            ("trust/../x.pem", honest + [("trust/../x.pem", content(certA))], .malformedEnvelope),
            ("trust/../<fp>.pem", honest + [("trust/../\(a.fingerprint).pem", content(certA))], .malformedEnvelope),
            ("nested trust dir", honest + [("trust/sub/\(a.fingerprint).pem", content(certA))], .malformedEnvelope),
            ("upper-case fingerprint", honest + [("\(a.fingerprint.uppercased()).cert.pem", content(certA))], .malformedEnvelope),
            ("other file name", honest + [("keystore.pass", "secret\n")], .malformedEnvelope),
            ("an entry twice", honest + [(certA, content(certA))], .malformedEnvelope),
            ("a key not matching its certificate", replacing(keyA, with: content(keyB)), .keyMismatch),
            ("a certificate not matching its name", replacing(certA, with: content(certB)), .malformedEnvelope),
            ("a certificate without its key", honest.filter { $0.name != keyB }, .malformedEnvelope),
            ("a non-CA in trust/", honest + [("trust/\(a.fingerprint).pem", content(certA))], .wrongKind),
            ("a key under another password", replacing(keyA, with: try a.key.encryptedPKCS8PEM(password: "other", iterations: Self.iterations)), .wrongPassword),
        ]
        for target in ["empty", "existing"] {
            let path = dir.file("target-\(target)")
            try makeKeystore(path, password: "pw", target == "empty" ? [] : [try foreign])
            let keystore = try open(path, "pw")
            let secret = try keystore.secret(for: "x")
            let before = try snapshot(path)
            for attack in hostile {
                let text = assemble(attack.sections)
                #expect(code { try keystore.restore(archive: text) } == attack.code, "\(attack.label) into the \(target) keystore")
                #expect(try snapshot(path) == before, "\(attack.label): something was written into the \(target) keystore")
                #expect(try keystore.secret(for: "x") == secret, "\(attack.label): the keystore key was replaced")
            }
            #expect(code { try keystore.restore(archive: "hello\n") } == .notPEMOrDER)
            #expect(try snapshot(path) == before)
            // The honest archive, reassembled by the same helper, is accepted (so the refusals above are the attacks').
            let report = try keystore.restore(archive: assemble(honest))
            #expect(report.added == [a.fingerprint, b.fingerprint].sorted())
            #expect(FileManager.default.fileExists(atPath: dir.path + "/\(a.fingerprint).cert.pem") == false)
            #expect(FileManager.default.fileExists(atPath: "/tmp/\(a.fingerprint).cert.pem") == false)
        }
    }

    // MARK: Interrupted password changes (Keystore+PasswordChange.swift)

    /// A keystore under "old" with three keys, and what `changePassword(to: "new")` would
    /// have written before a crash: `.next` files for the first `nextCount` keys (and for
    /// the keystore key when `keystoreKeyNext`), then, when `committed`, the commit rename
    /// and the renames of the first `renamed` `.next` files.
    func interruptedChange(_ path: String, nextCount: Int, keystoreKeyNext: Bool, committed: Bool = false,
                           renamed: Int = 0) throws -> (fingerprints: [String], secret: [UInt8]) {
        try makeKeystore(path, password: "old", [try tenantA, try tenantB, try foreign])
        let secret = try open(path, "old").secret(for: "x")
        let fingerprints = try open(path, "old").fingerprints()
        func writeNext(_ file: String) throws {
            let reencrypted = try PrivateKey.load(path: file, password: "old").encryptedPKCS8PEM(password: "new", iterations: Self.iterations)
            try reencrypted.write(toFile: file + ".next", atomically: true, encoding: .utf8)
            #expect(chmod(file + ".next", 0o600) == 0)
        }
        for fingerprint in fingerprints.prefix(nextCount) { try writeNext("\(path)/\(fingerprint).key.pem") }
        if keystoreKeyNext { try writeNext("\(path)/keystore.key.pem") }
        if committed {
            #expect(rename("\(path)/keystore.key.pem.next", "\(path)/keystore.key.pem") == 0)
            for fingerprint in fingerprints.prefix(renamed) {
                let file = "\(path)/\(fingerprint).key.pem"
                #expect(rename(file + ".next", file) == 0)
            }
        }
        return (fingerprints, secret)
    }

    /// After a successful open with `password`: no `.next` left, every key under `password` only.
    func expectConsistent(_ path: String, _ password: String, _ fingerprints: [String], _ secret: [UInt8],
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        let other = password == "old" ? "new" : "old"
        let listing = try names(path)
        #expect(listing.filter { $0.contains(".next") }.isEmpty, "\(listing)", sourceLocation: sourceLocation)
        for file in fingerprints.map({ "\(path)/\($0).key.pem" }) + ["\(path)/keystore.key.pem"] {
            #expect(opens(file, password), "\(file) does not open with \(password)", sourceLocation: sourceLocation)
            #expect(!opens(file, other), "\(file) still opens with \(other)", sourceLocation: sourceLocation)
        }
        do {
            let keystore = try open(path, password)
            #expect(try keystore.fingerprints() == fingerprints, sourceLocation: sourceLocation)
            #expect(try keystore.secret(for: "x") == secret, sourceLocation: sourceLocation)
            for fingerprint in fingerprints {
                #expect(try keystore.privateKey(fingerprint).matches(keystore.entry(fingerprint).certificate), sourceLocation: sourceLocation)
            }
        }
        #expect(code { try open(path, other) } == .wrongPassword, "the \(other) password opens it too", sourceLocation: sourceLocation)
    }

    @Test(arguments: [0, 1, 2, 3])
    func crashBeforeTheKeystoreKeyIsRewrittenKeepsTheOldPassword(nextCount: Int) throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        let (fingerprints, secret) = try interruptedChange(path, nextCount: nextCount, keystoreKeyNext: false)
        #expect(try names(path).filter { $0.hasSuffix(".next") }.count == nextCount)
        // The new password cannot open it yet, nor can a third one, and they touch nothing.
        let before = try snapshot(path)
        #expect(code { try open(path, "new") } == .wrongPassword)
        #expect(code { try open(path, "third") } == .wrongPassword)
        #expect(try snapshot(path) == before)
        // The old one opens it and drops the debris.
        #expect(try open(path, "old").fingerprints() == fingerprints)
        try expectConsistent(path, "old", fingerprints, secret)
    }

    @Test func crashBeforeTheCommitRenameOpensWithEither() throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        // Every .next written (the keystore key's last), no rename yet.
        let oldPath = dir.file("old")
        let (fingerprints, secret) = try interruptedChange(oldPath, nextCount: 3, keystoreKeyNext: true)
        #expect(try names(oldPath).filter { $0.hasSuffix(".next") }.count == 4)
        let before = try snapshot(oldPath)
        #expect(code { try open(oldPath, "third") } == .wrongPassword)
        #expect(try snapshot(oldPath) == before)
        // The old password rolls back...
        _ = try open(oldPath, "old")
        try expectConsistent(oldPath, "old", fingerprints, secret)

        // ...the new one (on the same state, made again) rolls forward.
        let newPath = dir.file("new")
        let (newFingerprints, newSecret) = try interruptedChange(newPath, nextCount: 3, keystoreKeyNext: true)
        _ = try open(newPath, "new")
        try expectConsistent(newPath, "new", newFingerprints, newSecret)
    }

    @Test(arguments: [0, 1, 2, 3])
    func crashAfterTheCommitRenameKeepsTheNewPassword(renamed: Int) throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        let (fingerprints, secret) = try interruptedChange(path, nextCount: 3, keystoreKeyNext: true, committed: true, renamed: renamed)
        #expect(try names(path).filter { $0.hasSuffix(".next") }.count == 3 - renamed)
        let before = try snapshot(path)
        #expect(code { try open(path, "old") } == .wrongPassword, "the old password opened a committed change")
        #expect(code { try open(path, "third") } == .wrongPassword)
        #expect(try snapshot(path) == before)
        _ = try open(path, "new")
        try expectConsistent(path, "new", fingerprints, secret)
    }

    /// A SIGKILL inside AtomicOutput leaves the hidden temporary file of a `.next`
    /// write (an encrypted key, maybe partial). A successful open drops it, with
    /// either password; a refused open touches nothing; other hidden files stay.
    @Test(arguments: ["before the keystore key", "before the commit", "after the commit"])
    func unfinishedTemporaryFilesOfAChangeAreDropped(stage: String) throws {
        let dir = try TemporaryDirectory("rcs-keystore")
        defer { dir.remove() }
        let path = dir.file("ks")
        let (fingerprints, secret) = try interruptedChange(path, nextCount: stage == "before the keystore key" ? 2 : 3,
                                                           keystoreKeyNext: stage != "before the keystore key",
                                                           committed: stage == "after the commit", renamed: 1)
        let keyPEM = try text("\(path)/\(fingerprints[2]).key.pem")
        // AtomicOutput's names, then and now: ".NAME.rcs-XXXXXX", ".upload-NAME.rcs-XXXXXX".
        let debris = [".keystore.key.pem.next.rcs-AbC123", ".upload-\(fingerprints[2]).key.pem.next.rcs-xYz789"]
        for name in debris {
            try String(keyPEM.prefix(700)).write(toFile: "\(path)/\(name)", atomically: false, encoding: .utf8)
        }
        try "not ours\n".write(toFile: "\(path)/.keep", atomically: false, encoding: .utf8)
        // Before the keystore key's .next only the old password opens it; once that .next is
        // written the new one does (rolling forward); after the commit only the new one.
        let password = stage == "before the keystore key" ? "old" : "new"
        let refused = stage == "after the commit" ? "old" : "third"
        let before = try snapshot(path)
        #expect(code { try open(path, refused) } == .wrongPassword)
        #expect(try snapshot(path) == before, "a refused open removed something")
        _ = try open(path, password)
        let listing = try names(path)
        for name in debris { #expect(!listing.contains(name), "\(name) survived the open with \(password)") }
        #expect(listing.contains(".keep"))
        try expectConsistent(path, password, fingerprints, secret)
    }
}
