import Foundation
import RCSTestSupport
import Testing

/// Recorders' real clients against the real server: curl and cadaver upload
/// and list, and the catalog learns every recording with its recipients.
@Suite(.serialized) struct WebDAVClientTests {
    let pki = TestPKI.shared
    static let environment = ["RCS_KEYSTORE_PASSWORD": "dav", "RCS_ADMIN_PASSWORD": "dav-admin",
                              "RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4"]

    /// A server with tenant `acme` and a recorder credential for it.
    struct Setup {
        let dir: TemporaryDirectory
        let server: RunningServer
        let recorder: String
        var base: String { server.baseURL }
        let admin = "admin:dav-admin"

        func curl(_ arguments: [String], as user: String? = nil) throws -> (status: Int, body: String) {
            let result = try Shell.run(["curl", "-sS", "-w", "\n%{http_code}", "-u", user ?? recorder] + arguments)
            var lines = result.stdoutText.components(separatedBy: "\n")
            return (Int(lines.removeLast()) ?? 0, lines.joined(separator: "\n"))
        }

        func catalog() throws -> [[String: Any]] {
            let list = try curl(["\(base)/rcs/api/v1/recordings?tenant=acme"], as: admin)
            let object = try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [String: Any]
            return object?["items"] as? [[String: Any]] ?? []
        }
    }

    func setUp() throws -> Setup {
        let dir = try TemporaryDirectory("rcs-davclient")
        let server = try RunningServer(arguments: [], environment: Self.environment, directory: dir.path)
        _ = try Shell.run(["curl", "-s", "-u", "admin:dav-admin", "-H", "Content-Type: application/json", "-d", #"{"name":"acme"}"#,
                           "\(server.baseURL)/api/v1/tenants"])
        let credential = try Shell.run(["curl", "-s", "-u", "admin:dav-admin", "-H", "Content-Type: application/json",
                                        "-d", #"{"role":"recorder","tenant":"acme"}"#, "\(server.baseURL)/api/v1/credentials"])
        let object = try #require(try JSONSerialization.jsonObject(with: credential.stdout) as? [String: Any])
        return Setup(dir: dir, server: server, recorder: "\(object["username"]!):\(object["secret"]!)")
    }

    /// The README example: `curl -T` an openssl-encrypted file, list it with
    /// PROPFIND, find it in the catalog with its recipients.
    @Test func curlUploadIsListedAndCatalogued() throws {
        let s = try setUp()
        defer { s.server.stop(); s.dir.remove() }
        let plain = try s.dir.randomFile("call.wav", size: 300_000)
        let envelope = s.dir.file("call.wav.p7m")
        try Shell.openssl("cms", "-encrypt", "-binary", "-aes-256-cbc", "-in", plain, "-outform", "DER", "-out", envelope,
                          "-recip", pki.tenantA.certificate, "-recip", pki.tenantB.certificate)
        #expect(try s.curl(["-X", "MKCOL", "\(s.base)/webdav/acme/2026-11/"]).status == 201)
        #expect(try s.curl(["-T", envelope, "\(s.base)/webdav/acme/2026-11/call.wav.p7m"]).status == 201)
        let listing = try s.curl(["-X", "PROPFIND", "-H", "Depth: 1", "\(s.base)/webdav/acme/2026-11/"])
        #expect(listing.status == 207)
        #expect(listing.body.contains("<D:href>/webdav/acme/2026-11/call.wav.p7m</D:href>"))
        #expect(listing.body.contains("<D:getcontentlength>\(try Data(contentsOf: URL(fileURLWithPath: envelope)).count)</D:getcontentlength>"))
        // The stored bytes are the uploaded ones, whole and by range.
        #expect(try s.curl(["-o", s.dir.file("back.p7m"), "\(s.base)/webdav/acme/2026-11/call.wav.p7m"]).status == 200)
        #expect(FileManager.default.contents(atPath: s.dir.file("back.p7m")) == FileManager.default.contents(atPath: envelope))
        let range = try s.curl(["-o", s.dir.file("range.bin"), "-H", "Range: bytes=1000-1999", "\(s.base)/webdav/acme/2026-11/call.wav.p7m"])
        #expect(range.status == 206)
        #expect(FileManager.default.contents(atPath: s.dir.file("range.bin")) == FileManager.default.contents(atPath: envelope)?.subdata(in: 1000..<2000))

        let recording = try #require(try s.catalog().first)
        #expect(recording["path"] as? String == "2026-11/call.wav.p7m")
        #expect(recording["encrypted"] as? Bool == true)
        let summary = try #require(recording["envelope"] as? [String: Any])
        #expect(summary["cipher"] as? String == "AES-256-CBC")
        let recipients = try #require(summary["recipients"] as? [[String: Any]])
        let serials = Set(recipients.compactMap { $0["serialNumber"] as? String })
        for certificate in [pki.tenantA.certificate, pki.tenantB.certificate] {
            let serial = try Shell.openssl("x509", "-in", certificate, "-noout", "-serial").stdoutText
                .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
            #expect(serials.contains(serial))
        }
    }

    @Test func cadaverListsAndUploads() throws {
        let s = try setUp()
        defer { s.server.stop(); s.dir.remove() }
        let (user, secret) = (String(s.recorder.split(separator: ":")[0]), String(s.recorder.split(separator: ":")[1]))
        try "machine 127.0.0.1 login \(user) password \(secret)\n".write(toFile: s.dir.file(".netrc"), atomically: true, encoding: .utf8)
        chmod(s.dir.file(".netrc"), 0o600)
        let file = try s.dir.randomFile("via-cadaver.bin", size: 4096)
        try "mkcol calls\ncd calls\nput \(file) via-cadaver.bin\nls\nquit\n".write(toFile: s.dir.file("script"), atomically: true, encoding: .utf8)
        let run = try Shell.run(["cadaver", "\(s.base)/webdav/acme/"], stdinFile: s.dir.file("script"), environment: ["HOME": s.dir.path])
        #expect(run.stdoutText.contains("via-cadaver.bin"), "\(run.stdoutText)\(run.stderr)")
        let stored = try s.curl(["-o", s.dir.file("stored.bin"), "\(s.base)/webdav/acme/calls/via-cadaver.bin"])
        #expect(stored.status == 200)
        #expect(FileManager.default.contents(atPath: s.dir.file("stored.bin")) == FileManager.default.contents(atPath: file))
    }

    /// Sidecar JSON and WebDAV properties both end up in the recording's metadata;
    /// the Genesys layout (envelope in the metadata) and plain files are recognised.
    @Test func metadataLayoutsAndCatalogUpkeep() throws {
        let s = try setUp()
        defer { s.server.stop(); s.dir.remove() }
        let media = try s.dir.randomFile("media.bin", size: 10_000)
        let envelope = s.dir.file("media.p7m")
        try Shell.openssl("cms", "-encrypt", "-binary", "-in", media, "-outform", "DER", "-out", envelope, pki.tenantA.certificate)
        #expect(try s.curl(["-T", envelope, "\(s.base)/webdav/acme/a.p7m"]).status == 201)
        let sidecar = s.dir.file("a.json")
        try #"{"id":"call-1","callerPhoneNumber":"+15550100","dialedPhoneNumber":"+15550199","agentId":"agent-7","customerId":"cust-9","startTime":"2026-11-23T10:00:00Z","extra":{"queue":"billing"}}"#
            .write(toFile: sidecar, atomically: true, encoding: .utf8)
        #expect(try s.curl(["-T", sidecar, "\(s.base)/webdav/acme/a.p7m.json"]).status == 201)
        let patch = #"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:G="urn:genesys:recording"><D:set><D:prop><G:agentGroup>night shift</G:agentGroup></D:prop></D:set></D:propertyupdate>"#
        #expect(try s.curl(["-X", "PROPPATCH", "-H", "Content-Type: application/xml", "--data-binary", patch, "\(s.base)/webdav/acme/a.p7m"]).status == 207)

        // Genesys MCP layout: the media is raw AES data, its key's envelope is in the sidecar.
        let keyEnvelope = s.dir.file("key.p7m")
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: s.dir.file("key.bin")))
        try Shell.openssl("cms", "-encrypt", "-binary", "-in", s.dir.file("key.bin"), "-outform", "DER", "-out", keyEnvelope, pki.tenantB.certificate)
        let raw = try s.dir.randomFile("raw.aes", size: 5000)
        #expect(try s.curl(["-T", raw, "\(s.base)/webdav/acme/mcp.aes"]).status == 201)
        let carried = try Data(contentsOf: URL(fileURLWithPath: keyEnvelope)).base64EncodedString()
        try #"{"id":"mcp-1","envelope":"\#(carried)"}"#.write(toFile: s.dir.file("mcp.json"), atomically: true, encoding: .utf8)
        #expect(try s.curl(["-T", s.dir.file("mcp.json"), "\(s.base)/webdav/acme/mcp.aes.json"]).status == 201)
        // A plain file.
        #expect(try s.curl(["-T", media, "\(s.base)/webdav/acme/plain.wav"]).status == 201)

        let byPath = Dictionary(try s.catalog().map { ($0["path"] as! String, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byPath.keys) == ["a.p7m", "mcp.aes", "plain.wav"], "sidecars are metadata, not recordings")
        let metadata = try #require(byPath["a.p7m"]?["metadata"] as? [String: Any])
        #expect(metadata["agentId"] as? String == "agent-7")
        #expect(metadata["customerId"] as? String == "cust-9")
        #expect((metadata["extra"] as? [String: Any])?["queue"] as? String == "billing")
        #expect((metadata["properties"] as? [String: Any])?["{urn:genesys:recording}agentGroup"] as? String == "night shift")
        #expect(byPath["mcp.aes"]?["layout"] as? String == "externalEnvelope")
        #expect(byPath["mcp.aes"]?["encrypted"] as? Bool == true)
        #expect(((byPath["mcp.aes"]?["envelope"] as? [String: Any])?["recipients"] as? [Any])?.count == 1)
        #expect((byPath["mcp.aes"]?["metadata"] as? [String: Any])?["envelope"] == nil, "the carried envelope is not repeated as metadata")
        #expect(byPath["plain.wav"]?["layout"] as? String == "plain")
        #expect(byPath["plain.wav"]?["encrypted"] as? Bool == false)
        #expect((byPath["plain.wav"]?["note"] as? String ?? "").isEmpty == false)

        // MOVE and DELETE keep the catalog in step.
        #expect(try s.curl(["-X", "MOVE", "-H", "Destination: \(s.base)/webdav/acme/b.p7m", "\(s.base)/webdav/acme/a.p7m"]).status == 201)
        #expect(try s.curl(["-X", "DELETE", "\(s.base)/webdav/acme/plain.wav"]).status == 204)
        let after = Set(try s.catalog().compactMap { $0["path"] as? String })
        #expect(after == ["b.p7m", "mcp.aes"])
    }

    /// curl waits a second for `100 Continue` before sending a large body: the
    /// server sends it at once, before any authentication or body.
    @Test func expectContinueIsAnsweredAtOnce() throws {
        let s = try setUp()
        defer { s.server.stop(); s.dir.remove() }
        let script = """
        import socket, sys
        s = socket.create_connection(("127.0.0.1", \(s.server.port))); s.settimeout(5)
        s.sendall(b"PUT /webdav/acme/x HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 10\\r\\nExpect: 100-continue\\r\\n\\r\\n")
        first = s.recv(100).split(b"\\r\\n")[0]
        s.sendall(b"0123456789")
        final = s.recv(1000).split(b"\\r\\n")[0]
        print(first.decode()); print(final.decode())
        """
        let run = try Shell.run(["python3", "-c", script])
        let lines = run.stdoutText.split(separator: "\n")
        #expect(lines.first == "HTTP/1.1 100 Continue", "\(run.stdoutText) \(run.stderr)")
        #expect(lines.last == "HTTP/1.1 401 Unauthorized", "no credentials were given")
    }

    /// A certificate whose key opens stored recordings is not deleted without force.
    @Test func certificateOpeningRecordingsNeedsForceToDelete() throws {
        let s = try setUp()
        defer { s.server.stop(); s.dir.remove() }
        _ = try s.curl(["-F", "certificate=@\(pki.rootCA)", "\(s.base)/api/v1/trust"], as: s.admin)
        let upload = try s.curl(["-F", "certificate=@\(pki.tenantA.certificate)", "-F", "key=@\(pki.tenantA.pkcs8PEM)",
                                 "-F", "chain=@\(pki.intermediateCA)", "\(s.base)/api/v1/certificates"], as: s.admin)
        #expect(upload.status == 201)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(upload.body.utf8)) as? [String: Any])?["id"] as? String)
        let plain = try s.dir.randomFile("p", size: 100)
        try Shell.openssl("cms", "-encrypt", "-binary", "-in", plain, "-outform", "DER", "-out", s.dir.file("e.p7m"), pki.tenantA.certificate)
        #expect(try s.curl(["-T", s.dir.file("e.p7m"), "\(s.base)/webdav/acme/e.p7m"]).status == 201)
        let refused = try s.curl(["-X", "DELETE", "\(s.base)/api/v1/certificates/\(id)"], as: s.admin)
        #expect(refused.status == 409)
        #expect(refused.body.contains("opens 1 stored recording"))
        #expect(try s.curl(["-X", "DELETE", "\(s.base)/api/v1/certificates/\(id)?force=true"], as: s.admin).status == 204)
    }

    /// `rcs catalog rebuild` re-indexes storage from scratch, with the server stopped.
    @Test func catalogRebuild() throws {
        let s = try setUp()
        defer { s.dir.remove() }
        let plain = try s.dir.randomFile("p", size: 100)
        try Shell.openssl("cms", "-encrypt", "-binary", "-in", plain, "-outform", "DER", "-out", s.dir.file("e.p7m"), pki.tenantA.certificate)
        #expect(try s.curl(["-T", s.dir.file("e.p7m"), "\(s.base)/webdav/acme/one.p7m"]).status == 201)
        s.server.stop()
        // A file that arrived behind the server's back.
        try FileManager.default.copyItem(atPath: s.dir.file("e.p7m"), toPath: s.dir.file("data/storage/acme/two.p7m"))
        let rebuild = try Shell.run([RCSBinary.path, "catalog", "rebuild", "--data-dir", s.dir.file("data"), "--keystore", s.dir.file("keystore")],
                                    environment: Self.environment)
        #expect(rebuild.succeeded, "\(rebuild.stderr)")
        #expect(rebuild.stdoutText.contains("acme: 2 recording(s)"), "\(rebuild.stdoutText)")
    }
}
