import Foundation
import RCSTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `rcs serve`, driven with curl exactly as the README shows.
@Suite(.serialized) struct RealServerTests {
    let pki = TestPKI.shared
    static let fastKeys = ["RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4"]

    /// curl, returning (status, body).
    func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        let result = try Shell.run(["curl", "-sS", "-w", "\n%{http_code}"] + arguments)
        #expect(result.succeeded, "curl failed: \(result.stderr)")
        var lines = result.stdoutText.components(separatedBy: "\n")
        let status = Int(lines.removeLast()) ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    /// First start with nothing configured, the README walkthrough, and a search
    /// of every log line and response for secrets.
    @Test func readmeWalkthroughWithCurl() throws {
        let dir = try TemporaryDirectory("rcs-real")
        defer { dir.remove() }
        let server = try RunningServer(arguments: [], environment: Self.fastKeys.merging(["LOG_LEVEL": "trace"]) { $1 },
                                       directory: dir.path)
        let keystorePassword = try String(contentsOfFile: dir.file("data/keystore.pass"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let adminPassword = try String(contentsOfFile: dir.file("data/initial-admin-password"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(server.log.contains(adminPassword), "the first admin password is printed once")
        #expect(server.log.contains("WARNING"), "a generated keystore password is announced loudly")
        for file in ["data/keystore.pass", "data/initial-admin-password"] {
            let mode = try FileManager.default.attributesOfItem(atPath: dir.file(file))[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        let base = server.baseURL + "/api/v1"
        let admin = ["-u", "admin:\(adminPassword)"]
        var bodies: [String] = []
        func call(_ arguments: [String]) throws -> (status: Int, body: String) {
            let result = try curl(arguments)
            bodies.append(result.body)
            return result
        }

        #expect(try call(admin + ["-F", "certificate=@\(pki.rootCA)", "\(base)/trust"]).status == 201)
        let upload = try call(admin + ["-F", "certificate=@\(pki.tenantA.certificate)", "-F", "key=@\(pki.tenantA.pkcs8PEMEncrypted)",
                                       "-F", "password=\(TestPKI.keyPassword)", "-F", "chain=@\(pki.intermediateCA)", "\(base)/certificates"])
        #expect(upload.status == 201, "\(upload.body)")
        let certificateID = try #require(try json(upload.body)["id"] as? String)
        #expect(try call(admin + ["-H", "Content-Type: application/json", "-d", #"{"name":"acme"}"#, "\(base)/tenants"]).status == 201)
        let profile = try call(admin + ["-H", "Content-Type: application/json", "-d", #"{"tenant":"acme","name":"default"}"#, "\(base)/profiles"])
        let profileID = try #require(try json(profile.body)["id"] as? String)
        #expect(try call(admin + ["-H", "Content-Type: application/json", "-d", #"{"certificate":"\#(certificateID)"}"#,
                                  "\(base)/profiles/\(profileID)/certificates"]).status == 201)
        let credential = try json(try call(admin + ["-H", "Content-Type: application/json", "-d", #"{"role":"recorder","tenant":"acme"}"#,
                                                    "\(base)/credentials"]).body)
        let recorder = "\(credential["username"] as! String):\(credential["secret"] as! String)"
        let bundle = try call(["-u", recorder, "\(base)/profiles/\(profileID)/recording-certificates"])
        #expect(bundle.status == 200)
        #expect(bundle.body.hasPrefix("-----BEGIN CERTIFICATE-----"))
        let audit = try json(try call(admin + ["\(base)/audit?per=100"]).body)
        let actions = Set((audit["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String })
        #expect(actions.isSuperset(of: ["admin.create", "trust.add", "certificate.upload", "tenant.create", "profile.create",
                                        "certificate.deploy", "credential.create"]))

        // Bodies over the limit: 413 problem+json, before anything is read into memory.
        let large = try dir.randomFile("large.bin", size: 3 << 20)
        let tooLarge = try Shell.run(["curl", "-s", "-i", "-u", "admin:\(adminPassword)", "-F", "certificate=@\(large)", "\(base)/certificates"])
        // curl shows the interim 100 Continue first; the final answer follows it.
        let statusLines = tooLarge.stdoutText.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("HTTP/1.1 ") }
        #expect(statusLines.last?.hasPrefix("HTTP/1.1 413") == true, "\(tooLarge.stdoutText.prefix(300))")
        #expect(tooLarge.stdoutText.lowercased().contains("content-type: application/problem+json"))

        // Request ids come back to the client.
        let headers = try Shell.run(["curl", "-s", "-D", "-", "-o", "/dev/null", "\(server.baseURL)/healthz"]).stdoutText
        #expect(headers.lowercased().contains("x-request-id:"))

        #expect(server.stop(SIGTERM) == 0, "SIGTERM must stop the server cleanly")

        // No secret in any log line, nor in any response but the one that creates it.
        let keyBody = try String(contentsOfFile: pki.tenantA.pkcs8PEM, encoding: .utf8).split(separator: "\n")[1...3].map(String.init)
        let log = server.log.replacingOccurrences(of: adminPassword, with: "<printed once>", options: [], range: nil)
        let secrets = [keystorePassword, TestPKI.keyPassword, credential["secret"] as! String] + keyBody
        for secret in secrets {
            #expect(!log.contains(secret), "a secret is in the log")
            #expect(bodies.filter { $0.contains(secret) }.count <= (secret == credential["secret"] as? String ? 1 : 0),
                    "a secret is in a response body")
        }
        #expect(server.log.components(separatedBy: adminPassword).count == 2, "the admin password is printed exactly once")
        #expect(server.log.contains("request-id"), "log lines carry request ids")
    }

    /// A wrong keystore password stops the start, with a clear message, and touches nothing.
    @Test func wrongKeystorePasswordRefusesToStart() throws {
        let dir = try TemporaryDirectory("rcs-real")
        defer { dir.remove() }
        let env = Self.fastKeys.merging(["RCS_KEYSTORE_PASSWORD": "the right one", "RCS_ADMIN_PASSWORD": "admin secret"]) { $1 }
        let first = try RunningServer(arguments: [], environment: env, directory: dir.path)
        _ = try curl(["-u", "admin:admin secret", "-F", "certificate=@\(pki.rootCA)", "\(first.baseURL)/api/v1/trust"])
        _ = try curl(["-u", "admin:admin secret", "-F", "certificate=@\(pki.tenantA.certificate)", "-F", "key=@\(pki.tenantA.pkcs8PEM)",
                      "-F", "chain=@\(pki.intermediateCA)", "\(first.baseURL)/api/v1/certificates"])
        #expect(first.stop() == 0)
        let before = try Self.snapshot(dir.path)

        let wrong = try Shell.run([RCSBinary.path, "serve", "--port", "0", "--data-dir", dir.file("data"), "--keystore", dir.file("keystore")],
                                  environment: env.merging(["RCS_KEYSTORE_PASSWORD": "not it"]) { $1 })
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("keystore password does not open"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not it") && !wrong.stderr.contains("the right one"))
        #expect(try Self.snapshot(dir.path) == before, "a refused start changed files")

        // The right password still works, and the certificate is there.
        let again = try RunningServer(arguments: [], environment: env, directory: dir.path)
        defer { again.stop() }
        let list = try curl(["-u", "admin:admin secret", "\(again.baseURL)/api/v1/certificates"])
        #expect(list.body.contains("Tenant A Recording"))
    }

    @Test func servesHTTPSWithTheGivenCertificate() throws {
        let dir = try TemporaryDirectory("rcs-real")
        defer { dir.remove() }
        try Shell.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.file("tls.key"), "-out", dir.file("tls.pem"),
                          "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "2")
        let server = try RunningServer(arguments: ["--tls-cert", dir.file("tls.pem"), "--tls-key", dir.file("tls.key")],
                                       environment: Self.fastKeys.merging(["RCS_KEYSTORE_PASSWORD": "p", "RCS_ADMIN_PASSWORD": "a"]) { $1 },
                                       directory: dir.path, https: true, curlOptions: ["--cacert", dir.file("tls.pem")])
        defer { server.stop() }
        let health = try curl(["--cacert", dir.file("tls.pem"), "\(server.baseURL)/healthz"])
        #expect(health.status == 200)
        #expect(server.baseURL.hasPrefix("https://"))
    }

    /// Names, sizes and contents of every file below `path` (not the server log).
    static func snapshot(_ path: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            if name.hasSuffix(".log") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(path)/\(name)", isDirectory: &isDirectory), !isDirectory.boolValue {
                result[name] = FileManager.default.contents(atPath: "\(path)/\(name)")
            }
        }
        return result
    }
}
