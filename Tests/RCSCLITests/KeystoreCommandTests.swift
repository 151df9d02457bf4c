#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// `rcs keystore import/list/export/restore/change-password`, the real binary:
/// end to end, the errors (and their exit codes), and a change of password
/// killed (SIGKILL) at random moments.
@Suite struct KeystoreCommandTests {
    let pki = TestPKI.shared

    // MARK: Helpers

    /// The environment of one keystore command: the password (from the
    /// variable, or a file when `passwordFile`), and a small KDF count.
    static func environment(password: String? = nil, passwordFile: String? = nil, iterations: Int = 10_000) -> [String: String] {
        ["RCS_KEYSTORE_PASSWORD": password ?? "", "RCS_KEYSTORE_PASSWORD_FILE": passwordFile ?? "",
         "RCS_KDF_ITERATIONS": String(iterations), "RCS_KEYSTORE_DIR": "", "RCS_DATA_DIR": ""]
    }

    /// Runs `rcs keystore SUBCOMMAND --keystore DIR --data-dir DIR/../data ARGS`.
    @discardableResult
    func keystore(_ subcommand: String, _ directory: String, _ arguments: [String] = [], password: String? = nil,
                  passwordFile: String? = nil, iterations: Int = 10_000, stdinFile: String? = nil) throws -> Shell.Output {
        let data = URL(fileURLWithPath: directory).deletingLastPathComponent().appendingPathComponent("data").path
        return try Shell.run([RCSBinary.path, "keystore", subcommand, "--keystore", directory, "--data-dir", data] + arguments,
                             stdinFile: stdinFile,
                             environment: Self.environment(password: password, passwordFile: passwordFile, iterations: iterations))
    }

    func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func fingerprint(_ certificate: String) throws -> String { try Certificate.load(path: certificate)[0].sha256Fingerprint }

    /// Every file under `root` (hidden ones included) with its mode and content.
    func snapshot(_ root: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: root) {
            let path = "\(root)/\(name)"
            var info = stat()
            guard stat(path, &info) == 0 else { throw TestFailure("cannot stat \(path)") }
            let mode = String(info.st_mode & 0o7777, radix: 8)
            result[name] = (info.st_mode & S_IFMT) == S_IFDIR ? "dir \(mode)"
                : "\(mode) \(try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString())"
        }
        return result
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    /// The public key openssl reads from an encrypted key file (nil when `password` does not open it).
    func publicKey(ofKey path: String, password: String) throws -> String? {
        let result = try Shell.run(["openssl", "pkey", "-in", path, "-passin", "pass:\(password)", "-pubout"])
        return result.succeeded ? result.stdoutText : nil
    }

    func publicKey(ofCertificate path: String) throws -> String {
        try Shell.openssl("x509", "-in", path, "-pubkey", "-noout").stdoutText
    }

    // MARK: End to end

    @Test func importListExportRestoreChangePassword() throws {
        let dir = try TemporaryDirectory("rcs-keystore-cli")
        defer { dir.remove() }
        let ks = dir.file("ks")
        let a = try fingerprint(pki.tenantA.certificate), b = try fingerprint(pki.tenantB.certificate)
        let keyPasswordFile = try write(dir.file("key.pass"), TestPKI.keyPassword + "\n")

        // Import: an encrypted PKCS#8 key (password from a file), and a PKCS#1 key with a chain in the certificate file.
        let importA = try keystore("import", ks, ["--cert", pki.tenantA.certificate, "--key", pki.tenantA.pkcs8PEMEncrypted,
                                                  "--password-file", keyPasswordFile], password: "first")
        #expect(importA.status == 0, "\(importA.stderr)")
        #expect(importA.stdoutText == "imported Tenant A Recording <rec@tenant-a.example> as \(a)\n")
        let bundle = try write(dir.file("b-bundle.pem"), try String(contentsOfFile: pki.tenantB.certificate, encoding: .utf8)
                               + String(contentsOfFile: pki.intermediateCA, encoding: .utf8))
        let importB = try keystore("import", ks, ["--cert", bundle, "--key", pki.tenantB.pkcs1PEM], password: "first")
        #expect(importB.status == 0, "\(importB.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(ks)/\(b).chain.pem"))
        #expect(mode(ks) == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: ks) where name.hasSuffix(".pem") {
            #expect(mode("\(ks)/\(name)") == 0o600, "\(name)")
        }
        #expect(try publicKey(ofKey: "\(ks)/\(a).key.pem", password: "first") == publicKey(ofCertificate: pki.tenantA.certificate))
        #expect(try publicKey(ofKey: "\(ks)/\(b).key.pem", password: "first") == publicKey(ofCertificate: pki.tenantB.certificate))

        // List.
        let list = try keystore("list", ks, password: "first")
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.first == "Recording certificates: 2")
        #expect(lines.contains { $0.hasPrefix("  \(a)  Tenant A Recording <rec@tenant-a.example>  expires ") })
        #expect(lines.contains { $0.hasPrefix("  \(b)  Tenant B Recording  expires ") })
        #expect(lines.last == "Trusted CAs: 0")
        #expect(!list.stdoutText.contains("NO KEY"))

        // Export, to a file (0600) and to standard output.
        let archive = dir.file("backup.rcsks")
        let export = try keystore("export", ks, [archive], password: "first")
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("wrote \(archive)"))
        #expect(mode(archive) == 0o600)
        let archiveText = try String(contentsOfFile: archive, encoding: .utf8)
        #expect(archiveText.hasPrefix("# RCS keystore archive v1\n"))
        #expect(archiveText.contains("# file: \(a).key.pem\n-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        #expect(!archiveText.contains("BEGIN PRIVATE KEY") && !archiveText.contains("BEGIN RSA PRIVATE KEY"))
        let exportToStdout = try keystore("export", ks, ["-"], password: "first")
        #expect(exportToStdout.status == 0, "\(exportToStdout.stderr)")
        func withoutDate(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.hasPrefix("# created") } }
        #expect(withoutDate(exportToStdout.stdoutText) == withoutDate(archiveText))

        // Restore into a new keystore under another password (given by file): the archive's password is asked for.
        let copy = dir.file("copy")
        let copyPassword = try write(dir.file("copy.pass"), "second\n")
        let archivePassword = try write(dir.file("archive.pass"), "first\n")
        let refused = try keystore("restore", copy, [archive], passwordFile: copyPassword)
        #expect(refused.status == 3)
        #expect(refused.stderr.hasPrefix("rcs: error: "))
        #expect(refused.stderr.contains("--archive-password"))
        let restore = try keystore("restore", copy, ["--archive-password-file", archivePassword, archive], passwordFile: copyPassword)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdoutText == """
            restored 2 certificate(s); 0 already present; 0 trusted CA(s) added
            the archive's keystore key was taken (sealed secrets such as remote storage passwords open again)\n
            """)
        #expect(try publicKey(ofKey: "\(copy)/\(a).key.pem", password: "second") == publicKey(ofCertificate: pki.tenantA.certificate))
        #expect(try publicKey(ofKey: "\(copy)/\(a).key.pem", password: "first") == nil)
        // Again, from standard input: nothing new.
        let again = try keystore("restore", copy, ["--archive-password-file", archivePassword, "-"], passwordFile: copyPassword, stdinFile: archive)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdoutText == "restored 0 certificate(s); 2 already present; 0 trusted CA(s) added\n")
        #expect(try keystore("list", copy, passwordFile: copyPassword).stdoutText.hasPrefix("Recording certificates: 2\n"))

        // Change the password.
        let newPassword = try write(dir.file("new.pass"), "third\n")
        let change = try keystore("change-password", ks, ["--new-password-file", newPassword], password: "first")
        #expect(change.status == 0, "\(change.stderr)")
        #expect(change.stdoutText == "keystore password changed\n")
        #expect(change.stderr.split(separator: "\n") == ["re-encrypted 1/3", "re-encrypted 2/3", "re-encrypted 3/3"])
        let old = try keystore("list", ks, password: "first")
        #expect(old.status == 3)
        #expect(old.stderr.contains("does not open"))
        #expect(try keystore("list", ks, password: "third").stdoutText.hasPrefix("Recording certificates: 2\n"))
        for file in ["\(a).key.pem", "\(b).key.pem", "keystore.key.pem"] {
            #expect(try publicKey(ofKey: "\(ks)/\(file)", password: "third") != nil, "\(file)")
            #expect(try publicKey(ofKey: "\(ks)/\(file)", password: "first") == nil, "\(file)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: ks).filter { $0.contains(".next") }.isEmpty)
    }

    @Test func passwordComesFromTheDataDirectoryWhenNotInTheEnvironment() throws {
        let dir = try TemporaryDirectory("rcs-keystore-cli")
        defer { dir.remove() }
        let ks = dir.file("ks")
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        _ = try write(dir.file("data/keystore.pass"), "stored\n")
        // A read-only command never creates a keystore at a (possibly mistyped) path.
        let missing = try keystore("list", ks)
        #expect(missing.status == 7)
        #expect(missing.stderr.contains("there is no keystore"))
        #expect(!FileManager.default.fileExists(atPath: ks))
        _ = try Keystore(directory: ks, password: "stored", kdfIterations: 10_000)
        let list = try keystore("list", ks)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(try keystore("list", ks, password: "stored").status == 0)
        #expect(try keystore("list", ks, password: "other").status == 3)
    }

    // MARK: Errors

    @Test func wrongOrMissingPasswordsAreClearErrors() throws {
        let dir = try TemporaryDirectory("rcs-keystore-cli")
        defer { dir.remove() }
        let ks = dir.file("ks")
        #expect(try keystore("import", ks, ["--cert", pki.tenantA.certificate, "--key", pki.tenantA.pkcs8PEM], password: "right").status == 0)
        let before = try snapshot(ks)
        let newPassword = try write(dir.file("new.pass"), "newer\n")
        let archive = dir.file("out.rcsks")
        for arguments in [["list"], ["export", archive], ["change-password", "--new-password-file", newPassword],
                          ["import", "--cert", pki.tenantB.certificate, "--key", pki.tenantB.pkcs8PEM]] {
            let result = try keystore(arguments[0], ks, Array(arguments.dropFirst()), password: "wrong")
            #expect(result.status == 3, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.hasPrefix("rcs: error: the keystore password does not open"), "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("RCS_KEYSTORE_PASSWORD"))
            #expect(result.stderr.contains("nothing was changed"))
            #expect(!result.stderr.contains("wrong"), "the password is echoed")
            #expect(result.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: archive))

        // No password anywhere.
        let missing = try keystore("list", ks)
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("no keystore password"))
        #expect(missing.stderr.contains("RCS_KEYSTORE_PASSWORD_FILE"))
        // A password file that is empty, or missing.
        let empty = try keystore("list", ks, passwordFile: try write(dir.file("empty.pass"), "\n"))
        #expect(empty.status == 3)
        #expect(empty.stderr.contains("holds no password"))
        let absent = try keystore("list", ks, passwordFile: dir.file("absent.pass"))
        #expect(absent.status == 7, "\(absent.stderr)")
        #expect(absent.stderr.contains("absent.pass"))
        // The wrong password in the file: the same error as in the variable.
        #expect(try keystore("list", ks, passwordFile: try write(dir.file("wrong.pass"), "wrong\n")).status == 3)
        #expect(try keystore("list", ks, passwordFile: try write(dir.file("right.pass"), "right\n")).status == 0)
        // The same new password as the old one.
        let same = try keystore("change-password", ks, ["--new-password-file", try write(dir.file("same.pass"), "right\n")], password: "right")
        #expect(same.status == 3)
        #expect(same.stderr.contains("the same"))
        #expect(try snapshot(ks) == before, "a refused command wrote into the keystore")
    }

    @Test func importErrors() throws {
        let dir = try TemporaryDirectory("rcs-keystore-cli")
        defer { dir.remove() }
        let ks = dir.file("ks")
        #expect(try keystore("import", ks, ["--cert", pki.tenantA.certificate, "--key", pki.tenantA.pkcs8PEM], password: "pw").status == 0)
        let before = try snapshot(ks)
        let duplicate = try keystore("import", ks, ["--cert", pki.tenantA.certificate, "--key", pki.tenantA.pkcs8PEM], password: "pw")
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("already in the keystore"), "\(duplicate.stderr)")
        let mismatch = try keystore("import", ks, ["--cert", pki.tenantB.certificate, "--key", pki.tenantA.pkcs8PEM], password: "pw")
        #expect(mismatch.status == 3)
        #expect(mismatch.stderr.contains("does not belong to the certificate"))
        let weak = try keystore("import", ks, ["--cert", pki.weakLeaf, "--key", pki.key(of: pki.weakLeaf)], password: "pw")
        #expect(weak.status == 3)
        #expect(weak.stderr.contains("1024 bits"))
        let noKeyPassword = try keystore("import", ks, ["--cert", pki.tenantB.certificate, "--key", pki.tenantB.pkcs8PEMEncrypted], password: "pw")
        #expect(noKeyPassword.status == 3)
        #expect(try snapshot(ks) == before)
    }

    @Test func restoreOfGarbageIsRefused() throws {
        let dir = try TemporaryDirectory("rcs-keystore-cli")
        defer { dir.remove() }
        let ks = dir.file("ks")
        #expect(try keystore("import", ks, ["--cert", pki.tenantA.certificate, "--key", pki.tenantA.pkcs8PEM], password: "pw").status == 0)
        let before = try snapshot(ks)
        let text = try keystore("restore", ks, [try write(dir.file("garbage.txt"), "hello, this is not an archive\n")], password: "pw")
        #expect(text.status == 2)
        #expect(text.stderr.contains("not an RCS keystore archive"))
        let binary = try keystore("restore", ks, [try dir.randomFile("garbage.bin", size: 4096)], password: "pw")
        #expect(binary.status == 2)
        #expect(binary.stderr.hasPrefix("rcs: error: "))
        let pem = try keystore("restore", ks, [pki.tenantB.certificate], password: "pw")
        #expect(pem.status == 2)
        let traversal = try write(dir.file("traversal.rcsks"), "# RCS keystore archive v1\n# file: ../keystore.key.pem\n"
                                  + (try String(contentsOfFile: pki.tenantB.pkcs8PEM, encoding: .utf8)))
        let hostile = try keystore("restore", ks, [traversal], password: "pw")
        #expect(hostile.status == 2)
        #expect(hostile.stderr.contains("is not a keystore file name"))
        let absent = try keystore("restore", ks, [dir.file("absent.rcsks")], password: "pw")
        #expect(absent.status == 7)
        #expect(try snapshot(ks) == before)
        #expect(!FileManager.default.fileExists(atPath: dir.file("keystore.key.pem")))
    }

    @Test func aKeystoreInUseIsRefused() throws {
        let dir = try TemporaryDirectory("rcs-keystore-cli")
        defer { dir.remove() }
        let ks = dir.file("ks")
        do {
            let holder = try Keystore(directory: ks, password: "pw", kdfIterations: 10_000)
            let list = try keystore("list", ks, password: "pw")
            #expect(list.status == 7)
            #expect(list.stderr.contains("in use by another rcs process"))
            withExtendedLifetime(holder) {}
        }
        #expect(try keystore("list", ks, password: "pw").status == 0)
    }

    // MARK: Crash safety

    /// "change-password is crash-safe (new files beside, fsync, swap, then clean
    /// up; a test kills the process in the middle and the keystore still opens
    /// with the old or the new password)".
    ///
    /// Eight keys under 300 000 PBKDF2 iterations, so a change takes a second or
    /// two; one uninterrupted change measures it, then six changes are killed
    /// (SIGKILL) at a random moment in six windows: four spread over the whole
    /// change from its very start, two over its end (timed from the progress
    /// line of the last recording key, so they straddle the keystore key's
    /// re-encryption and the commit rename). After each, the keystore must open with
    /// the old password or else the new one (old exactly when the commit rename
    /// had not happened), leave no `.next` file, and every key must open with
    /// `openssl pkey` under the password that worked and be its certificate's.
    @Test func changePasswordSurvivesSIGKILL() throws {
        let dir = try TemporaryDirectory("rcs-keystore-crash")
        defer { dir.remove() }
        let iterations = 300_000
        let oldPassword = "old password", newPassword = "new password"
        let base = dir.file("base")
        let identities = [
            (pki.tenantA.certificate, pki.tenantA.pkcs8PEM), (pki.tenantB.certificate, pki.tenantB.pkcs8PEM),
            (pki.foreignLeaf, pki.key(of: pki.foreignLeaf)), (pki.leafIssuedByLeaf, pki.key(of: pki.leafIssuedByLeaf)),
            (pki.expiredLeaf, pki.key(of: pki.expiredLeaf)), (pki.notYetValidLeaf, pki.key(of: pki.notYetValidLeaf)),
            (pki.rootCA, pki.rootKey), (pki.foreignRoot, pki.key(of: pki.foreignRoot)),
        ]
        var certificateKeys: [String: String] = [:] // fingerprint → public key PEM
        for (certificate, key) in identities {
            let result = try keystore("import", base, ["--cert", certificate, "--key", key], password: oldPassword, iterations: iterations)
            try #require(result.status == 0, "\(certificate): \(result.stderr)")
            certificateKeys[try fingerprint(certificate)] = try publicKey(ofCertificate: certificate)
        }
        try #require(certificateKeys.count == 8)
        let newPasswordFile = try write(dir.file("new.pass"), newPassword + "\n")

        func copyOfBase(_ name: String) throws -> String {
            let path = dir.file(name)
            try Shell.run(["cp", "-a", base, path])
            return path
        }
        /// Starts `rcs keystore change-password` on `path`; its progress lines come on the returned pipe.
        func changePassword(_ path: String) throws -> (process: Process, progress: FileHandle) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: RCSBinary.path)
            let data = dir.file("data")
            process.arguments = ["keystore", "change-password", "--keystore", path, "--data-dir", data, "--new-password-file", newPasswordFile]
            process.environment = ProcessInfo.processInfo.environment
                .merging(Self.environment(password: oldPassword, iterations: iterations)) { $1 }
            let pipe = Pipe()
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = pipe
            try process.run()
            return (process, pipe.fileHandleForReading)
        }
        /// Reads the child's standard error until `line` has come (false at its end first).
        func waitFor(_ line: String, on handle: FileHandle, _ buffer: inout String) -> Bool {
            while !buffer.contains(line + "\n") {
                let data = handle.availableData
                if data.isEmpty { return false }
                buffer += String(decoding: data, as: UTF8.self)
            }
            return true
        }
        func keyFileOpens(_ path: String, _ password: String) throws -> Bool {
            try Shell.run(["openssl", "pkey", "-in", path, "-passin", "pass:\(password)", "-noout"]).succeeded
        }
        /// What the killed change left, in words.
        func state(_ path: String) throws -> (description: String, committed: Bool, debris: [String]) {
            let names = try FileManager.default.contentsOfDirectory(atPath: path)
            let pending = names.filter { $0.hasSuffix(".key.pem.next") && $0 != "keystore.key.pem.next" }.count
            let keystoreKeyNext = names.contains("keystore.key.pem.next")
            let debris = names.filter { $0.hasPrefix(".") && $0.contains(".rcs-") }
            let committed = !(try keyFileOpens("\(path)/keystore.key.pem", oldPassword))
            let description: String
            if committed {
                description = "committed, \(pending) rename(s) left"
            } else if keystoreKeyNext {
                description = "all .next written, keystore key's too, not committed"
            } else {
                description = "\(pending)/8 keys re-encrypted, not committed"
            }
            return (description, committed, debris)
        }
        /// Opens with the old password, else the new one; checks everything; returns which worked.
        func check(_ path: String, _ label: String) throws -> String? {
            var password = oldPassword
            var list = try keystore("list", path, password: oldPassword, iterations: iterations)
            if list.status != 0 {
                #expect(list.status == 3, "\(label): \(list.stderr)")
                password = newPassword
                list = try keystore("list", path, password: newPassword, iterations: iterations)
            }
            #expect(list.status == 0, "\(label): opens with neither password: \(list.stderr)")
            guard list.status == 0 else { return nil }
            #expect(list.stdoutText.hasPrefix("Recording certificates: 8\n"), "\(label): \(list.stdoutText)")
            let names = try FileManager.default.contentsOfDirectory(atPath: path)
            // Neither `.next` files nor the temporary files of unfinished `.next` writes.
            #expect(names.filter { $0.contains(".next") }.isEmpty, "\(label): .next files remain: \(names.sorted())")
            for (fingerprint, certificateKey) in certificateKeys {
                let key = try publicKey(ofKey: "\(path)/\(fingerprint).key.pem", password: password)
                #expect(key == certificateKey, "\(label): the key of \(fingerprint) does not open with the \(password), or is not its certificate's")
            }
            #expect(try keyFileOpens("\(path)/keystore.key.pem", password), "\(label): keystore.key.pem")
            let other = password == oldPassword ? newPassword : oldPassword
            #expect(try !keyFileOpens("\(path)/keystore.key.pem", other), "\(label): keystore.key.pem opens with both")
            return password == oldPassword ? "old" : "new"
        }

        // An uninterrupted change, to learn how long one takes: all of it, and from the
        // progress line of the last recording key ("8/9") to the last one ("9/9", printed
        // after the commit and the renames), the keystore key's re-encryption and the swap.
        let reference = try copyOfBase("reference")
        let start = Date()
        let whole = try changePassword(reference)
        var progress = ""
        try #require(waitFor("re-encrypted 8/9", on: whole.progress, &progress), "\(progress)")
        let lastKey = Date()
        try #require(waitFor("re-encrypted 9/9", on: whole.progress, &progress), "\(progress)")
        let swapped = Date()
        whole.process.waitUntilExit()
        try? whole.progress.close()
        let duration = Date().timeIntervalSince(start), tail = swapped.timeIntervalSince(lastKey)
        try #require(whole.process.terminationStatus == 0)
        #expect(try check(reference, "reference") == "new")
        print("change-password crash test: an uninterrupted change of 8 keys + the keystore key at \(iterations) iterations took "
              + "\(String(format: "%.3f", duration)) s, of which \(String(format: "%.3f", tail)) s from \"8/9\" to \"9/9\"")

        // Six runs, each killed at a random moment of its window: four over the whole change
        // (fractions of `duration` from the start), two over its end (fractions of `tail` from
        // the "8/9" line: the keystore key's re-encryption, the commit rename, the other renames).
        enum Anchor { case start, lastKey }
        let windows: [(anchor: Anchor, from: Double, to: Double)] = [
            (.start, 0, 0.03), (.start, 0.1, 0.35), (.start, 0.35, 0.6), (.start, 0.6, 0.9),
            (.lastKey, 0, 0.9), (.lastKey, 0.9, 1.02),
        ]
        var outcomes: [String] = []
        for (index, window) in windows.enumerated() {
            let label = "run \(index + 1)"
            let path = try copyOfBase("run\(index + 1)")
            let fraction = Double.random(in: window.from..<window.to)
            let delay = fraction * (window.anchor == .start ? duration : tail)
            let child = try changePassword(path)
            let started = Date()
            var text = ""
            if window.anchor == .lastKey {
                #expect(waitFor("re-encrypted 8/9", on: child.progress, &text), "\(label): \(text)")
            }
            usleep(useconds_t(delay * 1_000_000))
            let elapsed = Date().timeIntervalSince(started)
            let killed = child.process.isRunning && kill(child.process.processIdentifier, SIGKILL) == 0
            child.process.waitUntilExit()
            try? child.progress.close()
            let wasKilled = killed && child.process.terminationReason == .uncaughtSignal
            if !wasKilled { #expect(child.process.terminationStatus == 0, "\(label) failed by itself") }
            let (description, committed, debris) = try state(path)
            let outcome = try check(path, label)
            #expect(outcome == (committed ? "new" : "old"), "\(label): \(description) but opened with \(outcome ?? "neither")")
            let leftover = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasPrefix(".") && $0.contains(".rcs-") }
            let when = window.anchor == .start
                ? "\(String(format: "%.3f", delay)) s after the start (\(Int(fraction * 100))% of the change)"
                : "\(String(format: "%.3f", delay)) s after \"8/9\" (\(Int(fraction * 100))% of the tail), \(String(format: "%.3f", elapsed)) s after the start"
            let line = "\(label): SIGKILL \(when): " + (wasKilled ? "killed" : "had finished before the kill")
                + "; state: \(description)"
                + (debris.isEmpty ? "" : "; temporary files \(debris) (after the open: \(leftover.count))")
                + " → opened with the \(outcome ?? "NEITHER") password"
            print("change-password crash test: \(line)")
            outcomes.append(line)
        }
        #expect(outcomes.count == windows.count)
    }
}
