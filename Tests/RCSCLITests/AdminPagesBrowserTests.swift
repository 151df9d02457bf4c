import Foundation
import RCSTestSupport
import Testing

/// Issue 6 in a real browser: headless Chromium, driven through chromedriver,
/// against the real `rcs serve`. An admin signs in, trusts a CA, uploads a
/// certificate with an encrypted PKCS#8 key (the fields fill before saving),
/// creates a tenant and a profile, deploys the certificate, makes a recorder
/// credential; a recorder uploads with curl and openssl; the admin finds the
/// recording, plays it and seeks, reads the audit log and signs out.
/// Screenshots of every page go to docs/screenshots/ on each run.
@Suite(.serialized) struct AdminPagesBrowserTests {
    static let environment = ["RCS_KEYSTORE_PASSWORD": "browser keystore password", "RCS_ADMIN_PASSWORD": "browser-admin-pw",
                              "RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4"]
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/screenshots").path
    let pki = TestPKI.shared

    /// CI installs Chromium; elsewhere the test says why it did not run.
    static var browserReady: Bool {
        if WebDriver.isAvailable { return true }
        return ProcessInfo.processInfo.environment["CI"] != nil // fail loudly in CI rather than skip
    }

    final class Session: @unchecked Sendable {
        // @unchecked Sendable: used by one test, sequentially.
        let browser: WebDriver
        let server: RunningServer
        let dir: TemporaryDirectory
        var visited: [String: String] = [:]
        var base: String { server.baseURL }

        init(browser: WebDriver, server: RunningServer, dir: TemporaryDirectory) {
            self.browser = browser; self.server = server; self.dir = dir
        }

        func open(_ path: String) throws {
            try browser.navigate(to: base + path)
        }

        /// Keeps the page's HTML for the key-material check and writes its screenshot.
        func capture(_ name: String) throws {
            visited[name] = try browser.pageSource
            try FileManager.default.createDirectory(atPath: AdminPagesBrowserTests.screenshots, withIntermediateDirectories: true)
            try browser.screenshot(to: "\(AdminPagesBrowserTests.screenshots)/\(name).png")
        }

        func text(_ css: String) throws -> String { try browser.findElement(css: css).text }

        /// Waits for the next page's message (the current page may still show the last one).
        func expectFlash(_ text: String) throws {
            try browser.wait(for: "the message \"\(text)\"") {
                // The old page's message may go stale while it is read: that is "not yet".
                (try? browser.findElements(css: ".flash").contains { try $0.text.contains(text) }) ?? false
            }
        }

        func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
            let out = dir.file("curl-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try Shell.run(["curl", "-sS", "-o", out, "-w", "%{http_code}"] + arguments)
            return (Int(result.stdoutText) ?? 0, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
        }
    }

    @Test(.enabled(if: browserReady, "chromium and chromedriver are not installed (apt install chromium chromium-driver)"))
    func anAdminRunsRCSFromTheBrowser() throws {
        let dir = try TemporaryDirectory("rcs-browser")
        let server = try RunningServer(arguments: [], environment: Self.environment, directory: dir.path)
        defer { server.stop() }
        let browser = try WebDriver(windowWidth: 1280, windowHeight: 1000)
        defer { browser.quit() }
        let s = Session(browser: browser, server: server, dir: dir)
        let identity = pki.tenantA

        // Anonymous: sent to the login page.
        try s.open("/admin/certificates")
        #expect(try browser.currentURL.contains("/admin/login"))
        try s.capture("login")

        // Sign in.
        try browser.findElement(css: "#username").sendKeys("admin")
        try browser.findElement(css: "#password").sendKeys(Self.environment["RCS_ADMIN_PASSWORD"]!)
        try browser.findElement(css: "#sign-in").click()
        try browser.wait(for: "the certificates page after sign-in") {
            let url = try browser.currentURL
            return url.hasSuffix("/admin/certificates") && !url.contains("/admin/login")
        }

        // Trust the root CA.
        try s.open("/admin/trust")
        try browser.findElement(css: "#ca-file").sendKeys(pki.rootCA)
        try browser.findElement(css: "#add-ca-button").click()
        try s.expectFlash("added to the trust store")
        try s.capture("trust")

        // Upload: the seed's fields fill in as soon as the files are chosen, before Save.
        try s.open("/admin/certificates/upload")
        try browser.findElement(css: "#certificate").sendKeys(identity.certificate)
        try browser.findElement(css: "#chain").sendKeys(pki.intermediateCA)
        try browser.wait(for: "Subject Name to fill") { try !browser.findElement(css: "#subjectName").value.isEmpty }
        let expectedSubject = try Shell.run(["openssl", "x509", "-in", identity.certificate, "-noout", "-subject", "-nameopt", "RFC2253"])
            .stdoutText.replacingOccurrences(of: "subject=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        let expectedIssuer = try Shell.run(["openssl", "x509", "-in", identity.certificate, "-noout", "-issuer", "-nameopt", "RFC2253"])
            .stdoutText.replacingOccurrences(of: "issuer=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        let expectedSerial = try Shell.run(["openssl", "x509", "-in", identity.certificate, "-noout", "-serial"])
            .stdoutText.replacingOccurrences(of: "serial=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try ["#subjectDN", "#issuerDN", "#serialNumber"].map { try browser.findElement(css: $0).value }
        #expect(shown == [expectedSubject, expectedIssuer, expectedSerial])
        let subjectName = try browser.findElement(css: "#subjectName").value
        #expect(expectedSubject.contains(subjectName.components(separatedBy: " <").first ?? "?"))
        try browser.findElement(css: "#key").sendKeys(identity.pkcs8PEMEncrypted)
        try browser.wait(for: "the missing password to be named next to its field") {
            try browser.findElement(css: "#password-error").text.contains("password")
        }
        try browser.findElement(css: "#password").sendKeys(TestPKI.keyPassword)
        try browser.wait(for: "Key Details to fill") { try browser.findElement(css: "#keyDetails").value.contains("PKCS#8") }
        try browser.wait(for: "the password error to clear") { try browser.findElement(css: "#password-error").text.isEmpty }
        try s.capture("certificate-upload")
        try browser.findElement(css: "#save").click()
        try browser.wait(for: "the certificate page") { try browser.currentURL.contains("/admin/certificates/") && !browser.currentURL.hasSuffix("/upload") }
        #expect(try s.text("#certificate-fields").contains(expectedSerial))
        try s.capture("certificate")

        // In the table, not yet deployed.
        try s.open("/admin/certificates")
        let row = try browser.findElement(css: "#certificates tbody tr")
        #expect(try row.text.contains(subjectName))
        #expect(try s.text("#certificates tbody tr .deployed-count") == "0")

        // A tenant and a profile; deploy the certificate on its Recording tab.
        try s.open("/admin/tenants")
        try browser.findElement(css: "#tenant-name").sendKeys("acme")
        try browser.findElement(css: "#create-tenant").click()
        try s.expectFlash("Tenant acme created")
        try s.capture("tenants")
        try s.open("/admin/profiles")
        try browser.findElement(css: "#profile-name").sendKeys("Voice recording")
        try browser.findElement(css: "#create-profile").click()
        try browser.wait(for: "the profile's Recording tab") { try browser.currentURL.contains("tab=recording") }
        let profileID = try #require(try browser.currentURL.components(separatedBy: "/admin/profiles/").last?.components(separatedBy: "?").first)
        try browser.findElement(css: "#add-certificate-button").click()
        try s.expectFlash("Certificate added")
        #expect(try browser.findElements(css: "#deployed tbody tr").count == 1)
        try s.capture("profile-recording")
        try s.open("/admin/profiles/\(profileID)?tab=general")
        try s.capture("profile-general")
        try s.open("/admin/profiles")
        try s.capture("profiles")
        try s.open("/admin/certificates")
        #expect(try s.text("#certificates tbody tr .deployed-count") == "1")
        try s.capture("certificates")

        // A recorder credential; the secret is shown once.
        try s.open("/admin/credentials")
        try browser.findElement(css: "#create-credential").click()
        let username = try browser.waitFor(css: "#new-username").text
        let secret = try s.text("#new-secret")
        #expect(username.hasPrefix("recorder-acme-") && secret.count >= 20)
        try s.capture("credentials")

        // The recorder: fetch the profile's certificates, encrypt with openssl, upload over WebDAV.
        let bundle = dir.file("bundle.pem"), wav = dir.file("call.wav"), envelope = dir.file("call.wav.p7m")
        let fetched = try s.curl(["-u", "\(username):\(secret)", "\(s.base)/api/v1/profiles/\(profileID)/recording-certificates"])
        #expect(fetched.status == 200 && fetched.body.contains("BEGIN CERTIFICATE"), "\(fetched)")
        try fetched.body.write(toFile: bundle, atomically: true, encoding: .utf8)
        try Shell.run(["python3", "-c", """
            import wave, math
            w = wave.open('\(wav)', 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
            w.writeframes(b''.join(int(8000 * math.sin(2 * math.pi * 440 * i / 8000)).to_bytes(2, 'little', signed=True) for i in range(8000 * 30)))
            w.close()
            """])
        let encrypted = try Shell.run(["openssl", "cms", "-encrypt", "-binary", "-aes-256-cbc", "-in", wav, "-outform", "DER", "-out", envelope, bundle])
        #expect(encrypted.succeeded, "\(encrypted.stderr)")
        let sidecar = dir.file("call.wav.p7m.json")
        try #"{"agentId": "agent-7", "customerId": "cust-42", "startTime": "2026-11-20T10:00:00Z"}"#.write(toFile: sidecar, atomically: true, encoding: .utf8)
        #expect(try s.curl(["-u", "\(username):\(secret)", "-X", "MKCOL", "\(s.base)/webdav/acme/calls/"]).status == 201)
        #expect(try s.curl(["-u", "\(username):\(secret)", "-T", sidecar, "\(s.base)/webdav/acme/calls/call.wav.p7m.json"]).status == 201)
        #expect(try s.curl(["-u", "\(username):\(secret)", "-T", envelope, "\(s.base)/webdav/acme/calls/call.wav.p7m"]).status == 201)

        // Find it by agent, open it, play it and seek.
        try s.open("/admin/recordings")
        try browser.findElement(css: "#search-agent").sendKeys("agent-7")
        try browser.findElement(css: "#search").click()
        try browser.wait(for: "one search result") {
            try browser.currentURL.contains("agent=agent-7") && browser.findElements(css: "#recordings tbody tr").count == 1
        }
        try s.capture("recordings")
        try browser.findElement(css: "#recordings tbody tr a").click()
        let player = try browser.waitFor(css: "audio#player")
        #expect(try player.attribute("src")?.hasSuffix("/audio") == true, "played through the session, not a bearer URL")
        let played = try browser.executeAsyncScript("""
            const audio = document.getElementById('player'), done = arguments[arguments.length - 1];
            audio.play().then(() => setTimeout(() => done({time: audio.currentTime, duration: audio.duration}), 1500))
                        .catch(error => done({error: String(error)}));
            """) as? [String: Any]
        #expect(played?["error"] == nil, "\(String(describing: played))")
        #expect((played?["time"] as? Double ?? 0) > 0.3, "currentTime advances while playing: \(String(describing: played))")
        #expect(abs((played?["duration"] as? Double ?? 0) - 30) < 0.5, "\(String(describing: played))")
        let seeked = try browser.executeAsyncScript("""
            const audio = document.getElementById('player'), done = arguments[arguments.length - 1];
            audio.addEventListener('seeked', () => setTimeout(() => done({time: audio.currentTime, paused: audio.paused}), 1000), {once: true});
            audio.currentTime = 25;
            """) as? [String: Any]
        let afterSeek = seeked?["time"] as? Double ?? 0
        #expect(afterSeek > 25.2 && afterSeek < 29, "plays on from the seek: \(String(describing: seeked))")
        try browser.executeScript("document.getElementById('player').pause()")
        try s.capture("recording")

        // The audit log shows the plays, ranges included.
        try s.open("/admin/audit?action=recording.play")
        let audit = try s.text("#audit")
        #expect(audit.contains("recording.play") && audit.contains("bytes "), "range requests are audited")
        try s.capture("audit")
        try s.open("/admin/keystore")
        try s.capture("keystore")
        try s.open("/admin/accounts")
        try s.capture("accounts")
        try s.open("/admin")
        try s.capture("dashboard")
        try s.open("/admin/certificates/\(try #require(try browser.findElement(css: "svg.timeline a").attribute("href")).components(separatedBy: "/").last!)/delete")
        try s.capture("certificate-delete")

        // A form posted without its CSRF token is refused, even with the session cookie.
        let cookie = try #require(try browser.cookie("rcs_session"))
        let forged = try s.curl(["-b", "rcs_session=\(cookie)", "-d", "name=forged", "\(s.base)/admin/tenants"])
        #expect(forged.status == 403)
        try s.open("/admin/tenants")
        #expect(try !browser.pageSource.contains("forged"))

        // Anonymous requests to any page go to the login page.
        for page in ["/admin", "/admin/certificates", "/admin/certificates/upload", "/admin/trust", "/admin/tenants",
                     "/admin/profiles", "/admin/profiles/\(profileID)", "/admin/credentials", "/admin/recordings", "/admin/audit", "/admin/keystore", "/admin/accounts"] {
            let result = try Shell.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", s.base + page])
            #expect(result.stdoutText.hasPrefix("303 ") && result.stdoutText.contains("/admin/login"), "\(page): \(result.stdoutText)")
        }

        // No page ever shows key material or a password.
        let keyLines = try [identity.pkcs8PEMEncrypted, identity.pkcs8PEM].flatMap { path in
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        }
        for (name, html) in s.visited {
            #expect(!html.contains("PRIVATE KEY-----"), "\(name) shows a PEM private key")
            #expect(!html.contains(TestPKI.keyPassword) && !html.contains(Self.environment["RCS_KEYSTORE_PASSWORD"]!), "\(name) shows a password")
            #expect(!keyLines.contains { html.contains($0) }, "\(name) shows key material")
        }

        // A phone-sized look, then sign out.
        try browser.setWindowSize(width: 390, height: 844)
        try s.open("/admin")
        try s.capture("dashboard-phone")
        try s.open("/admin/recordings")
        try browser.findElement(css: "#logout").click()
        try browser.wait(for: "the login page after sign-out") { try browser.currentURL.contains("/admin/login") }
        try s.open("/admin")
        #expect(try browser.currentURL.contains("/admin/login"), "the session ended")
    }
}
