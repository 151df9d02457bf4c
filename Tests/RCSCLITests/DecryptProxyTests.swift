import Foundation
import RCSTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The decrypt proxy against a real HTTP storage server on loopback: files
/// under the configured prefix come back decrypted; nothing else is fetched.
@Suite struct DecryptProxyTests {
    let pki = TestPKI.shared

    @Test func configuredLocationsOnly() throws {
        let dir = try TemporaryDirectory("rcs-proxy")
        defer { dir.remove() }
        // The storage: python's http.server over dir/www, on a free port.
        try FileManager.default.createDirectory(atPath: dir.file("www/screen/acme"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("www/private"), withIntermediateDirectories: true)
        let plain = try dir.randomFile("screen.mp4", size: 300_000)
        for (cipher, name) in [("aes-256-cbc", "a.p7m"), ("aes-256-gcm", "b.p7m")] {
            try Shell.openssl("cms", "-encrypt", "-binary", "-\(cipher)", "-stream", "-in", plain, "-outform", "DER",
                              "-out", dir.file("www/screen/acme/\(name)"), pki.tenantA.certificate)
        }
        try FileManager.default.copyItem(atPath: dir.file("www/screen/acme/a.p7m"), toPath: dir.file("www/private/a.p7m"))
        let storage = Process()
        storage.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let storagePort = 20000 + Int.random(in: 0..<20000)
        storage.arguments = ["python3", "-m", "http.server", String(storagePort), "--bind", "127.0.0.1", "--directory", dir.file("www")]
        storage.standardOutput = FileHandle.nullDevice
        storage.standardError = FileHandle.nullDevice
        try storage.run()
        defer { storage.terminate() }
        let prefix = "http://127.0.0.1:\(storagePort)/screen/acme/"
        let server = try RunningServer(arguments: [], environment: [
            "RCS_KEYSTORE_PASSWORD": "proxy", "RCS_ADMIN_PASSWORD": "proxy-admin", "RCS_KDF_ITERATIONS": "10000",
            "RCS_BCRYPT_COST": "4", "RCS_DECRYPT_URI_PREFIXES": "acme=\(prefix)",
        ], directory: dir.path)
        defer { server.stop() }
        let admin = "admin:proxy-admin"
        _ = try Shell.run(["curl", "-s", "-u", admin, "-F", "certificate=@\(pki.rootCA)", "\(server.baseURL)/api/v1/trust"])
        _ = try Shell.run(["curl", "-s", "-u", admin, "-F", "certificate=@\(pki.tenantA.certificate)", "-F", "key=@\(pki.tenantA.pkcs8PEM)",
                           "-F", "chain=@\(pki.intermediateCA)", "\(server.baseURL)/api/v1/certificates"])
        for tenant in ["acme", "other"] {
            _ = try Shell.run(["curl", "-s", "-u", admin, "-H", "Content-Type: application/json", "-d", #"{"name":"\#(tenant)"}"#,
                               "\(server.baseURL)/api/v1/tenants"])
        }
        func player(_ tenant: String) throws -> String {
            let out = try Shell.run(["curl", "-s", "-u", admin, "-H", "Content-Type: application/json", "-d", #"{"role":"player","tenant":"\#(tenant)"}"#,
                                     "\(server.baseURL)/api/v1/credentials"]).stdout
            let object = try #require(try JSONSerialization.jsonObject(with: out) as? [String: Any])
            return "\(object["username"]!):\(object["secret"]!)"
        }
        let acmePlayer = try player("acme"), otherPlayer = try player("other")
        // Wait for the storage server.
        for _ in 0..<50 where (try? Shell.run(["curl", "-s", "-o", "/dev/null", "\(prefix)a.p7m"]).succeeded) != true { usleep(100_000) }

        func proxy(_ uri: String, as user: String) throws -> (status: Int, body: Data) {
            let out = dir.file("out-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try Shell.run(["curl", "-s", "-G", "-o", out, "-w", "%{http_code}", "-u", user,
                                        "--data-urlencode", "uri=\(uri)", "\(server.baseURL)/rcs/api/v1/decrypt"])
            return (Int(result.stdoutText) ?? 0, FileManager.default.contents(atPath: out) ?? Data())
        }
        let expected = try Data(contentsOf: URL(fileURLWithPath: plain))
        for name in ["a.p7m", "b.p7m"] {
            let answer = try proxy("\(prefix)\(name)", as: acmePlayer)
            #expect(answer.status == 200)
            #expect(answer.body == expected, "\(name) not byte-exact")
        }
        #expect(try proxy("\(prefix)a.p7m", as: admin).status == 200)
        // Refused before any fetch: other tenants, other paths, hosts, ports, schemes, tricks.
        #expect(try proxy("\(prefix)a.p7m", as: otherPlayer).status == 403)
        let storageBase = "http://127.0.0.1:\(storagePort)"
        for uri in ["\(storageBase)/private/a.p7m", "\(prefix)../../private/a.p7m", "\(prefix)%2e%2e/%2e%2e/private/a.p7m",
                    "\(prefix)..%2f..%2fprivate/a.p7m", "http://localhost:\(storagePort)/screen/acme/a.p7m",
                    "http://127.0.0.1:\(storagePort + 1)/screen/acme/a.p7m", "https://127.0.0.1:\(storagePort)/screen/acme/a.p7m",
                    "file:///etc/passwd", "http://user@127.0.0.1:\(storagePort)/screen/acme/a.p7m", "gopher://127.0.0.1/",
                    "http://169.254.169.254/latest/meta-data/", "\(prefix)a.p7m#frag"] {
            let answer = try proxy(uri, as: admin)
            #expect(answer.status == 403, "\(uri) was not refused: \(answer.status)")
        }
        // A missing remote file is a gateway error, not a crash.
        #expect(try proxy("\(prefix)missing.p7m", as: admin).status == 502)
        // Every use is audited.
        let audit = try Shell.run(["curl", "-s", "-u", admin, "\(server.baseURL)/api/v1/audit?action=proxy.decrypt"]).stdout
        #expect(((try JSONSerialization.jsonObject(with: audit) as? [String: Any])?["total"] as? Int ?? 0) >= 4)
    }
}
