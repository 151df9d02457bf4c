import Foundation
import RCSTestSupport
import Testing

/// Issue 5's path end to end against the real server: an admin provisions,
/// a recorder encrypts with openssl to the profile's certificates and uploads
/// over WebDAV, a player lists and plays, byte-exact and by range.
@Suite(.serialized) struct PlaybackTests {
    let pki = TestPKI.shared
    static let environment = ["RCS_KEYSTORE_PASSWORD": "play", "RCS_ADMIN_PASSWORD": "play-admin",
                              "RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4"]
    static let admin = "admin:play-admin"

    final class World: @unchecked Sendable {
        let dir: TemporaryDirectory
        let server: RunningServer
        var recorder = "", player = "", otherPlayer = "", profile = ""
        let wav: String
        init(dir: TemporaryDirectory, server: RunningServer, wav: String) { self.dir = dir; self.server = server; self.wav = wav }
        var base: String { server.baseURL }

        func curl(_ arguments: [String], as user: String?) throws -> (status: Int, body: Data, headers: String, error: String) {
            let headerFile = dir.file("headers-\(UUID().uuidString)")
            let bodyFile = dir.file("body-\(UUID().uuidString)")
            var command = ["curl", "-sS", "-D", headerFile, "-o", bodyFile, "-w", "%{http_code}"]
            if let user { command += ["-u", user] }
            let result = try Shell.run(command + arguments)
            defer { try? FileManager.default.removeItem(atPath: headerFile); try? FileManager.default.removeItem(atPath: bodyFile) }
            return (Int(result.stdoutText) ?? 0, FileManager.default.contents(atPath: bodyFile) ?? Data(),
                    (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? "", result.stderr)
        }

        func json(_ arguments: [String], as user: String?) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: try curl(arguments, as: user).body) as? [String: Any] ?? [:]
        }

        func recordings(as user: String) throws -> [[String: Any]] {
            try json(["\(base)/rcs/api/v1/recordings"], as: user)["items"] as? [[String: Any]] ?? []
        }

        func id(of path: String) throws -> String {
            try #require(try recordings(as: PlaybackTests.admin).first { $0["path"] as? String == path }?["id"] as? String)
        }
    }

    /// Tenants acme and other, trust, A's certificate deployed to acme's profile, credentials, a WAV.
    func world() throws -> World {
        let dir = try TemporaryDirectory("rcs-play")
        let server = try RunningServer(arguments: [], environment: Self.environment, directory: dir.path)
        let wav = dir.file("call.wav")
        // A real WAV: 1 s of 8 kHz 16-bit mono noise.
        try Shell.run(["python3", "-c", """
            import wave, random
            w = wave.open('\(wav)', 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
            w.writeframes(bytes(random.getrandbits(8) for _ in range(16000))); w.close()
            """])
        let w = World(dir: dir, server: server, wav: wav)
        let json = ["-H", "Content-Type: application/json"]
        _ = try w.curl(["-F", "certificate=@\(pki.rootCA)", "\(w.base)/api/v1/trust"], as: Self.admin)
        _ = try w.curl(["-F", "certificate=@\(pki.backdatedRoot)", "\(w.base)/api/v1/trust"], as: Self.admin)
        let upload = try w.json(["-F", "certificate=@\(pki.tenantA.certificate)", "-F", "key=@\(pki.tenantA.pkcs8PEMEncrypted)",
                                 "-F", "password=\(TestPKI.keyPassword)", "-F", "chain=@\(pki.intermediateCA)", "\(w.base)/api/v1/certificates"], as: Self.admin)
        let expired = try w.curl(["-F", "certificate=@\(pki.expiredLeaf)", "-F", "key=@\(pki.key(of: pki.expiredLeaf))",
                                  "-F", "chain=@\(pki.backdatedIntermediate)", "\(w.base)/api/v1/certificates"], as: Self.admin)
        #expect(expired.status == 201, "\(String(decoding: expired.body, as: UTF8.self))")
        for tenant in ["acme", "other"] { _ = try w.curl(json + ["-d", #"{"name":"\#(tenant)"}"#, "\(w.base)/api/v1/tenants"], as: Self.admin) }
        w.profile = try #require(try w.json(json + ["-d", #"{"tenant":"acme","name":"calls"}"#, "\(w.base)/api/v1/profiles"], as: Self.admin)["id"] as? String)
        _ = try w.curl(json + ["-d", #"{"certificate":"\#(upload["id"] as! String)"}"#, "\(w.base)/api/v1/profiles/\(w.profile)/certificates"], as: Self.admin)
        func credential(_ role: String, _ tenant: String) throws -> String {
            let c = try w.json(json + ["-d", #"{"role":"\#(role)","tenant":"\#(tenant)"}"#, "\(w.base)/api/v1/credentials"], as: Self.admin)
            return "\(c["username"]!):\(c["secret"]!)"
        }
        w.recorder = try credential("recorder", "acme")
        w.player = try credential("player", "acme")
        w.otherPlayer = try credential("player", "other")
        return w
    }

    @Test func recorderEncryptsAndPlayerPlaysEveryCombination() throws {
        let w = try world()
        defer { w.server.stop(); w.dir.remove() }
        // The recorder asks RCS what to encrypt to.
        let bundle = try w.curl(["\(w.base)/api/v1/profiles/\(w.profile)/recording-certificates"], as: w.recorder)
        #expect(bundle.status == 200)
        try bundle.body.write(to: URL(fileURLWithPath: w.dir.file("recipients.pem")))
        let combinations: [(String, [String])] = [
            ("aes-256-cbc", []), ("aes-128-cbc", ["-keyopt", "rsa_padding_mode:oaep"]),
            ("aes-256-gcm", []), ("aes-256-gcm", ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"]),
        ]
        let plain = try Data(contentsOf: URL(fileURLWithPath: w.wav))
        for (index, (cipher, keyOptions)) in combinations.enumerated() {
            let name = "call-\(index).p7m"
            try Shell.opensslArgs(["cms", "-encrypt", "-binary", "-stream", "-\(cipher)", "-in", w.wav, "-outform", "DER",
                                   "-out", w.dir.file(name), "-recip", w.dir.file("recipients.pem")] + keyOptions)
            #expect(try w.curl(["-T", w.dir.file(name), "\(w.base)/webdav/acme/\(name)"], as: w.recorder).status == 201)
            try #"{"id":"call-\#(index)","agentId":"agent-\#(index)","customerId":"cust-1"}"#.write(toFile: w.dir.file("\(name).json"), atomically: true, encoding: .utf8)
            #expect(try w.curl(["-T", w.dir.file("\(name).json"), "\(w.base)/webdav/acme/\(name).json"], as: w.recorder).status == 201)

            let id = try w.id(of: name)
            let meta = try w.json(["\(w.base)/rcs/api/v1/recordings/\(id)"], as: w.player)
            #expect((meta["metadata"] as? [String: Any])?["agentId"] as? String == "agent-\(index)")
            let audio = try w.curl(["\(w.base)/rcs/api/v1/recordings/\(id)/audio"], as: w.player)
            #expect(audio.status == 200, "\(cipher) \(keyOptions): \(audio.error)")
            #expect(audio.body == plain, "\(cipher) \(keyOptions): not byte-exact")
            #expect(audio.headers.lowercased().contains("content-type: audio/wav"))
            #expect(audio.headers.lowercased().contains("accept-ranges: bytes"))
            // Start, middle, end and suffix ranges are the right slices.
            let n = plain.count
            for (header, slice) in [("bytes=0-99", 0..<100), ("bytes=\(n / 2)-\(n / 2 + 999)", (n / 2)..<(n / 2 + 1000)), ("bytes=\(n - 50)-", (n - 50)..<n), ("bytes=-7", (n - 7)..<n)] {
                let part = try w.curl(["-H", "Range: \(header)", "\(w.base)/rcs/api/v1/recordings/\(id)/audio"], as: w.player)
                #expect(part.status == 206, "\(header)")
                #expect(part.body == plain.subdata(in: slice), "\(cipher) \(header)")
                #expect(part.headers.contains("content-range: bytes \(slice.lowerBound)-\(slice.upperBound - 1)/\(n)"))
            }
            let beyond = try w.curl(["-H", "Range: bytes=\(n)-", "\(w.base)/rcs/api/v1/recordings/\(id)/audio"], as: w.player)
            #expect(beyond.status == 416)
        }
        // Seed 000's Decryption Service: metadata with the duration the WAV tells (1 s of 8 kHz 16-bit mono).
        let described = try w.json(["\(w.base)/rcs/api/v1/recordings/\(try w.id(of: "call-0.p7m"))"], as: w.player)
        #expect(described["duration"] as? Double == 1.0, "\(described["duration"] ?? "none")")
        #expect(described["agentId"] as? String == "agent-0" && described["customerId"] as? String == "cust-1")
        // Search by agent, customer and time.
        func count(_ query: String) throws -> Int {
            try w.json(["\(w.base)/rcs/api/v1/recordings?\(query)"], as: w.player)["total"] as? Int ?? -1
        }
        #expect(try count("agent=agent-2") == 1)
        #expect(try count("customer=cust-1") == combinations.count)
        #expect(try count("since=2099-01-01") == 0)
        #expect(try count("until=2099-01-01") == combinations.count)
        // Seed 000's test plan: the file straight from storage does not play; the API's audio does.
        let raw = try w.curl(["\(w.base)/webdav/acme/call-0.p7m"], as: w.recorder)
        #expect(raw.status == 200)
        #expect(!raw.body.starts(with: Data("RIFF".utf8)), "an encrypted file must not be a WAV")
        #expect(plain.starts(with: Data("RIFF".utf8)))
        // Every play is audited.
        let audit = try w.json(["\(w.base)/api/v1/audit?action=recording.play&per=100"], as: Self.admin)
        #expect((audit["total"] as? Int ?? 0) >= 24)
    }

    @Test func tenantWallsKeysTamperingAndSignedURLs() throws {
        let w = try world()
        defer { w.server.stop(); w.dir.remove() }
        func upload(_ name: String, _ arguments: [String]) throws -> String {
            try Shell.opensslArgs(["cms", "-encrypt", "-binary", "-in", w.wav, "-outform", "DER", "-out", w.dir.file(name)] + arguments)
            #expect(try w.curl(["-T", w.dir.file(name), "\(w.base)/webdav/acme/\(name)"], as: w.recorder).status == 201)
            return try w.id(of: name)
        }
        let plain = try Data(contentsOf: URL(fileURLWithPath: w.wav))
        let good = try upload("good.p7m", ["-aes-256-gcm", pki.tenantA.certificate])
        // Made for a certificate that has since expired: its key still opens it.
        let old = try upload("old.p7m", [pki.expiredLeaf])
        let oldAudio = try w.curl(["\(w.base)/rcs/api/v1/recordings/\(old)/audio"], as: w.player)
        #expect(oldAudio.body == plain, "\(oldAudio.status) \(String(decoding: oldAudio.body.prefix(400), as: UTF8.self))")
        // For nobody RCS holds a key for: 409 naming the recipients.
        let foreign = try upload("foreign.p7m", [pki.tenantB.certificate])
        let noKey = try w.curl(["\(w.base)/rcs/api/v1/recordings/\(foreign)/audio"], as: w.player)
        #expect(noKey.status == 409)
        #expect(String(decoding: noKey.body, as: UTF8.self).contains("Tenant B") || String(decoding: noKey.body, as: UTF8.self).contains("serial"))
        // Tampered GCM: 422 and not one byte of audio.
        try Shell.openssl("cms", "-encrypt", "-binary", "-aes-256-gcm", "-in", w.wav, "-outform", "DER", "-out", w.dir.file("bad.p7m"), pki.tenantA.certificate)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: w.dir.file("bad.p7m"))))
        bytes[bytes.count / 2] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: w.dir.file("bad.p7m")))
        #expect(try w.curl(["-T", w.dir.file("bad.p7m"), "\(w.base)/webdav/acme/bad.p7m"], as: w.recorder).status == 201)
        let bad = try w.id(of: "bad.p7m")
        for range in ["bytes=0-99", "bytes=-10"] {
            let tampered = try w.curl(["-H", "Range: \(range)", "\(w.base)/rcs/api/v1/recordings/\(bad)/audio"], as: w.player)
            #expect(tampered.status == 422)
            #expect(!tampered.body.starts(with: Data("RIFF".utf8)) && tampered.headers.lowercased().contains("problem+json"))
        }
        // Tenant walls: a player of another tenant sees nothing of acme.
        #expect(try w.recordings(as: w.otherPlayer).isEmpty)
        for path in ["", "/audio"] {
            #expect(try w.curl(["\(w.base)/rcs/api/v1/recordings/\(good)\(path)"], as: w.otherPlayer).status == 404)
        }
        #expect(try w.curl(["-X", "POST", "\(w.base)/rcs/api/v1/recordings/\(good)/playback-url"], as: w.otherPlayer).status == 404)
        #expect(try w.curl(["\(w.base)/rcs/api/v1/recordings?tenant=acme"], as: w.otherPlayer).status == 404)
        #expect(try w.curl(["\(w.base)/rcs/api/v1/recordings/\(good)/audio"], as: w.recorder).status == 403, "recorders do not play")
        #expect(try w.curl(["\(w.base)/rcs/api/v1/recordings/\(good)/audio"], as: nil).status == 401)
        // A signed URL plays without credentials, for that recording only, until it expires.
        let signed = try #require(try w.json(["-X", "POST", "\(w.base)/rcs/api/v1/recordings/\(good)/playback-url?lifetime=2"], as: w.player)["url"] as? String)
        let anonymous = try w.curl(["-H", "Range: bytes=0-9", "\(w.base)\(signed)"], as: nil)
        #expect(anonymous.status == 206)
        #expect(anonymous.body == plain.prefix(10))
        let other = signed.replacingOccurrences(of: good.lowercased(), with: old.lowercased())
        #expect(try w.curl(["\(w.base)\(other)"], as: nil).status == 403, "a signature is for one recording")
        let forged = signed.replacingOccurrences(of: "expires=", with: "expires=9")
        #expect(try w.curl(["\(w.base)\(forged)"], as: nil).status == 403, "the expiry is signed")
        Thread.sleep(forTimeInterval: 3)
        #expect(try w.curl(["\(w.base)\(signed)"], as: nil).status == 403, "an expired URL stops")
    }

    /// Genesys MCP layout: the media is a 16-byte IV and AES-CBC ciphertext made
    /// with `openssl enc`; the envelope carrying the AES key is in the sidecar.
    @Test func genesysLayoutPlays() throws {
        let w = try world()
        defer { w.server.stop(); w.dir.remove() }
        let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let iv = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
        try Data(key).write(to: URL(fileURLWithPath: w.dir.file("key.bin")))
        try Shell.openssl("enc", "-aes-256-cbc", "-K", hex(key), "-iv", hex(iv), "-in", w.wav, "-out", w.dir.file("media.enc"))
        try (Data(iv) + Data(contentsOf: URL(fileURLWithPath: w.dir.file("media.enc")))).write(to: URL(fileURLWithPath: w.dir.file("media.aes")))
        try Shell.openssl("cms", "-encrypt", "-binary", "-in", w.dir.file("key.bin"), "-outform", "DER", "-out", w.dir.file("key.p7m"), pki.tenantA.certificate)
        let carried = try Data(contentsOf: URL(fileURLWithPath: w.dir.file("key.p7m"))).base64EncodedString()
        try #"{"id":"mcp-1","agentId":"a-1","envelope":"\#(carried)"}"#.write(toFile: w.dir.file("media.aes.json"), atomically: true, encoding: .utf8)
        #expect(try w.curl(["-T", w.dir.file("media.aes"), "\(w.base)/webdav/acme/media.aes"], as: w.recorder).status == 201)
        #expect(try w.curl(["-T", w.dir.file("media.aes.json"), "\(w.base)/webdav/acme/media.aes.json"], as: w.recorder).status == 201)
        let id = try w.id(of: "media.aes")
        let plain = try Data(contentsOf: URL(fileURLWithPath: w.wav))
        let audio = try w.curl(["\(w.base)/rcs/api/v1/recordings/\(id)/audio"], as: w.player)
        #expect(audio.status == 200, "\(String(decoding: audio.body.prefix(300), as: UTF8.self))")
        #expect(audio.body == plain)
        #expect(audio.headers.lowercased().contains("content-type: audio/wav"))
        let tail = try w.curl(["-H", "Range: bytes=-333", "\(w.base)/rcs/api/v1/recordings/\(id)/audio"], as: w.player)
        #expect(tail.status == 206 && tail.body == plain.suffix(333))
    }
}
