import Foundation
import RCSTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A profile whose destination is a real nginx dav server (with Basic auth)
/// on loopback: its recordings are catalogued by a sync and play the same way.
@Suite struct RemotePlaybackTests {
    let pki = TestPKI.shared
    static let installed = FileManager.default.fileExists(atPath: "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so")
        && ((try? Shell.run(["sh", "-c", "command -v nginx"]).succeeded) ?? false)
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil

    @Test(.enabled(if: installed || inCI, "nginx with the dav-ext module is not installed; CI installs it"))
    func nginxDestinationPlays() throws {
        try #require(Self.installed, "nginx and libnginx-mod-http-dav-ext must be installed in CI (.ci/run installs them)")
        let dir = try TemporaryDirectory("rcs-remote")
        defer { dir.remove() }
        // nginx: /rec/ is WebDAV with Basic auth.
        let port = 20000 + Int.random(in: 0..<20000)
        try FileManager.default.createDirectory(atPath: dir.file("www/rec"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("tmp"), withIntermediateDirectories: true)
        let hash = try Shell.openssl("passwd", "-apr1", "dav-secret").stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        try "storage:\(hash)\n".write(toFile: dir.file("htpasswd"), atomically: true, encoding: .utf8)
        try """
        \(getuid() == 0 ? "user root;" : "")
        worker_processes 1;
        daemon off;
        error_log \(dir.file("nginx-error.log"));
        pid \(dir.file("nginx.pid"));
        load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
        events { worker_connections 64; }
        http {
          access_log off;
          client_body_temp_path \(dir.file("tmp"));
          client_max_body_size 0;
          server {
            listen 127.0.0.1:\(port);
            root \(dir.file("www"));
            location /rec/ {
              auth_basic "storage"; auth_basic_user_file \(dir.file("htpasswd"));
              dav_methods PUT DELETE MKCOL; dav_ext_methods PROPFIND OPTIONS; create_full_put_path on;
            }
          }
        }
        """.write(toFile: dir.file("nginx.conf"), atomically: true, encoding: .utf8)
        let nginx = Process()
        nginx.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        nginx.arguments = ["-c", dir.file("nginx.conf"), "-e", dir.file("nginx-error.log")]
        nginx.standardOutput = FileHandle.nullDevice
        nginx.standardError = FileHandle.nullDevice
        try nginx.run()
        defer { if nginx.isRunning { nginx.terminate(); nginx.waitUntilExit() } }
        let remote = "http://127.0.0.1:\(port)/rec/"
        for _ in 0..<50 where (try? Shell.run(["curl", "-s", "-o", "/dev/null", "-u", "storage:dav-secret", remote]).succeeded) != true { usleep(100_000) }

        // A recorder writes straight to that storage: an envelope and its sidecar.
        let plain = try dir.randomFile("call.wav", size: 100_000)
        try Shell.openssl("cms", "-encrypt", "-binary", "-stream", "-aes-256-gcm", "-in", plain, "-outform", "DER", "-out", dir.file("call.p7m"), pki.tenantA.certificate)
        try #"{"agentId":"agent-42"}"#.write(toFile: dir.file("call.p7m.json"), atomically: true, encoding: .utf8)
        for name in ["call.p7m", "call.p7m.json"] {
            let put = try Shell.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "storage:dav-secret", "-T", dir.file(name), "\(remote)2026/\(name)"])
            #expect(put.stdoutText == "201", "nginx PUT \(name): \(put.stdoutText)")
        }

        let server = try RunningServer(arguments: [], environment: [
            "RCS_KEYSTORE_PASSWORD": "remote", "RCS_ADMIN_PASSWORD": "remote-admin", "RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4",
        ], directory: dir.path)
        defer { server.stop() }
        let admin = "admin:remote-admin"
        func call(_ arguments: [String], as user: String = admin) throws -> (status: Int, body: Data) {
            let out = dir.file("out-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try Shell.run(["curl", "-s", "-o", out, "-w", "%{http_code}", "-u", user] + arguments)
            return (Int(result.stdoutText) ?? 0, FileManager.default.contents(atPath: out) ?? Data())
        }
        func json(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }
        let h = ["-H", "Content-Type: application/json"]
        _ = try call(["-F", "certificate=@\(pki.rootCA)", "\(server.baseURL)/api/v1/trust"])
        _ = try call(["-F", "certificate=@\(pki.tenantA.certificate)", "-F", "key=@\(pki.tenantA.pkcs8PEM)", "-F", "chain=@\(pki.intermediateCA)", "\(server.baseURL)/api/v1/certificates"])
        _ = try call(h + ["-d", #"{"name":"acme"}"#, "\(server.baseURL)/api/v1/tenants"])
        let profile = json(try call(h + ["-d", #"{"tenant":"acme","name":"remote","storage":{"kind":"webdav","url":"\#(remote)","username":"storage","password":"dav-secret"}}"#,
                                         "\(server.baseURL)/api/v1/profiles"]).body)
        let profileID = try #require(profile["id"] as? String)
        let player = json(try call(h + ["-d", #"{"role":"player","tenant":"acme"}"#, "\(server.baseURL)/api/v1/credentials"]).body)
        let playerAuth = "\(player["username"]!):\(player["secret"]!)"

        let sync = try call(["-X", "POST", "\(server.baseURL)/api/v1/profiles/\(profileID)/sync"])
        #expect(sync.status == 200, "\(String(decoding: sync.body, as: UTF8.self))")
        #expect(json(sync.body)["recordings"] as? Int == 1)
        let items = json(try call(["\(server.baseURL)/rcs/api/v1/recordings"], as: playerAuth).body)["items"] as? [[String: Any]] ?? []
        let recording = try #require(items.first)
        #expect((recording["metadata"] as? [String: Any])?["agentId"] as? String == "agent-42")
        let id = try #require(recording["id"] as? String)
        let expected = try Data(contentsOf: URL(fileURLWithPath: plain))
        let audio = try call(["\(server.baseURL)/rcs/api/v1/recordings/\(id)/audio"], as: playerAuth)
        #expect(audio.status == 200)
        #expect(audio.body == expected, "not byte-exact from the remote destination")
        let tail = try call(["-H", "Range: bytes=-1000", "\(server.baseURL)/rcs/api/v1/recordings/\(id)/audio"], as: playerAuth)
        #expect(tail.status == 206 && tail.body == expected.suffix(1000))
        // Wrong remote credentials, and a remote that is down: clear 502s.
        _ = try call(h + ["-X", "PATCH", "-d", #"{"storage":{"kind":"webdav","url":"\#(remote)","username":"storage","password":"wrong"}}"#,
                          "\(server.baseURL)/api/v1/profiles/\(profileID)"])
        #expect(try call(["-X", "POST", "\(server.baseURL)/api/v1/profiles/\(profileID)/sync"]).status == 502)
        nginx.terminate()
        nginx.waitUntilExit()
        let down = try call(["-H", "Range: bytes=0-99", "\(server.baseURL)/rcs/api/v1/recordings/\(id)/audio"], as: playerAuth)
        #expect(down.status == 502, "a storage that is down is a clear 502: \(down.status) \(String(decoding: down.body, as: UTF8.self))")
    }

    /// A hostile remote: collections listing each other in a cycle, and a dot-segment
    /// href. The sync ends, walks each collection once, and catalogues only the real file.
    @Test func hostileRemoteListingsAreBounded() throws {
        let dir = try TemporaryDirectory("rcs-remote")
        defer { dir.remove() }
        let port = 20000 + Int.random(in: 0..<20000)
        let script = dir.file("hostile.py")
        try #"""
        import http.server, sys
        def entry(href, collection):
            kind = "<D:resourcetype><D:collection/></D:resourcetype>" if collection else "<D:resourcetype/><D:getcontentlength>4</D:getcontentlength>"
            return f"<D:response><D:href>{href}</D:href><D:propstat><D:prop>{kind}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
        class H(http.server.BaseHTTPRequestHandler):
            def do_PROPFIND(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = '<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">' + entry(self.path, True)
                body += entry("/rec/a/", True) + entry("/rec/b/", True) + entry("/rec/a/../../etc/passwd", False) + entry("/rec/real.bin", False)
                body += "</D:multistatus>"
                data = body.encode()
                self.send_response(207); self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
            def do_GET(self):
                data = b"data"
                self.send_response(200); self.send_header("Content-Length", "4"); self.end_headers(); self.wfile.write(data)
            def log_message(self, *args): pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
        """#.write(toFile: script, atomically: true, encoding: .utf8)
        let remote = Process()
        remote.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        remote.arguments = ["python3", script, String(port)]
        remote.standardOutput = FileHandle.nullDevice
        remote.standardError = FileHandle.nullDevice
        try remote.run()
        defer { remote.terminate() }
        for _ in 0..<50 where (try? Shell.run(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/rec/real.bin"]).succeeded) != true { usleep(100_000) }

        let server = try RunningServer(arguments: [], environment: [
            "RCS_KEYSTORE_PASSWORD": "remote", "RCS_ADMIN_PASSWORD": "remote-admin", "RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4",
        ], directory: dir.path)
        defer { server.stop() }
        let admin = "admin:remote-admin"
        let h = ["-H", "Content-Type: application/json"]
        _ = try Shell.run(["curl", "-s", "-u", admin] + h + ["-d", #"{"name":"acme"}"#, "\(server.baseURL)/api/v1/tenants"])
        let profile = try Shell.run(["curl", "-s", "-u", admin] + h + ["-d", #"{"tenant":"acme","name":"hostile","storage":{"kind":"webdav","url":"http://127.0.0.1:\#(port)/rec/"}}"#,
                                                                "\(server.baseURL)/api/v1/profiles"]).stdout
        let profileID = try #require((try JSONSerialization.jsonObject(with: profile) as? [String: Any])?["id"] as? String)
        let sync = try Shell.run(["curl", "-s", "-m", "60", "-w", "\n%{http_code}", "-u", admin, "-X", "POST", "\(server.baseURL)/api/v1/profiles/\(profileID)/sync"])
        let lines = sync.stdoutText.split(separator: "\n")
        #expect(lines.last == "200", "the sync of a cyclic listing must end: \(sync.stdoutText) \(sync.stderr)")
        let result = (try? JSONSerialization.jsonObject(with: Data(lines.first.map(String.init)?.utf8 ?? "".utf8)) as? [String: Any]) ?? [:]
        #expect(result["recordings"] as? Int == 1, "only real.bin: the dot-segment entry is skipped, each collection's files once")
    }
}
