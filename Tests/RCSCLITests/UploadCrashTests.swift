import Foundation
import RCSTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A crash (SIGKILL) in the middle of large uploads leaves no partial file,
/// an overwritten file intact, and a catalog that matches storage after restart.
@Suite struct UploadCrashTests {
    let pki = TestPKI.shared

    @Test func killDuringLargePutsLeavesNothingPartial() throws {
        let dir = try TemporaryDirectory("rcs-crash")
        defer { dir.remove() }
        let environment = ["RCS_KEYSTORE_PASSWORD": "crash", "RCS_ADMIN_PASSWORD": "crash-admin",
                           "RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4"]
        var server = try RunningServer(arguments: [], environment: environment, directory: dir.path)
        let admin = "admin:crash-admin"
        _ = try Shell.run(["curl", "-s", "-u", admin, "-H", "Content-Type: application/json", "-d", #"{"name":"acme"}"#,
                           "\(server.baseURL)/api/v1/tenants"])
        // A recording that is there before the crash, and will be overwritten during it.
        let plain = try dir.randomFile("p", size: 1000)
        try Shell.openssl("cms", "-encrypt", "-binary", "-in", plain, "-outform", "DER", "-out", dir.file("old.p7m"), pki.tenantA.certificate)
        _ = try Shell.run(["curl", "-s", "-u", admin, "-T", dir.file("old.p7m"), "\(server.baseURL)/webdav/acme/existing.p7m"])

        // Two slow uploads (one new name, one overwrite), killed mid-way.
        let big = try dir.randomFile("big.bin", size: 200 << 20)
        var uploads: [Process] = []
        for name in ["new.bin", "existing.p7m"] {
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            curl.arguments = ["curl", "-s", "-o", "/dev/null", "--limit-rate", "20M", "-u", admin, "-T", big, "\(server.baseURL)/webdav/acme/\(name)"]
            curl.standardOutput = FileHandle.nullDevice
            curl.standardError = FileHandle.nullDevice
            try curl.run()
            uploads.append(curl)
        }
        let storage = dir.file("data/storage/acme")
        func temporaryFiles() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: storage)) ?? []).filter { $0.hasPrefix(".rcs-") }
        }
        // Wait until both uploads have data on disk, then crash.
        let deadline = Date().addingTimeInterval(30)
        while temporaryFiles().count < 2 && Date() < deadline { usleep(100_000) }
        usleep(500_000)
        #expect(temporaryFiles().count == 2, "the uploads should be in flight")
        server.stop(SIGKILL)
        for curl in uploads { curl.terminate(); curl.waitUntilExit() }

        let visible = try FileManager.default.contentsOfDirectory(atPath: storage).filter { !$0.hasPrefix(".") }
        #expect(visible == ["existing.p7m"], "a partial upload became visible: \(visible)")
        #expect(FileManager.default.contents(atPath: "\(storage)/existing.p7m") == FileManager.default.contents(atPath: dir.file("old.p7m")),
                "the overwritten recording must be intact")

        // Restart: leftovers are cleaned, the catalog matches storage.
        server = try RunningServer(arguments: [], environment: environment, directory: dir.path)
        defer { server.stop() }
        #expect(temporaryFiles().isEmpty, "temporary files left: \(temporaryFiles())")
        #expect(server.log.contains("removed 2 unfinished upload(s)"), "\(server.log.suffix(500))")
        let listing = try Shell.run(["curl", "-s", "-u", admin, "-X", "PROPFIND", "-H", "Depth: 1", "\(server.baseURL)/webdav/acme/"]).stdoutText
        #expect(listing.contains("/webdav/acme/existing.p7m") && !listing.contains("new.bin"))
        let catalog = try Shell.run(["curl", "-s", "-u", admin, "\(server.baseURL)/rcs/api/v1/recordings?tenant=acme"]).stdout
        let items = try #require((try JSONSerialization.jsonObject(with: catalog) as? [String: Any])?["items"] as? [[String: Any]])
        #expect(items.map { $0["path"] as? String } == ["existing.p7m"])
        #expect(items.first?["size"] as? Int == (try Data(contentsOf: URL(fileURLWithPath: dir.file("old.p7m")))).count)
    }
}
