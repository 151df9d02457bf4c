import Foundation
import RCSTestSupport
import Testing
import Vapor
import VaporTesting

/// The admin pages' guards, in-process: sign-in, session cookie, CSRF,
/// throttling, redirects and headers. (The whole flow in a real browser is
/// `AdminPagesBrowserTests`.)
@Suite struct AdminPagesTests {
    static let pages = ["/admin", "/admin/certificates", "/admin/certificates/upload", "/admin/trust", "/admin/tenants",
                        "/admin/profiles", "/admin/credentials", "/admin/recordings", "/admin/audit",
                        "/admin/keystore", "/admin/accounts"]

    /// A browser's cookie jar, reduced to what the pages set.
    struct Browser {
        let client: TestServer.Client
        var cookies: [String: String] = [:]

        mutating func send(_ method: HTTPMethod, _ path: String, form: [String: String]? = nil,
                           headers extra: [(String, String)] = []) async throws -> TestingHTTPResponse {
            var headers = HTTPHeaders(extra)
            if !cookies.isEmpty {
                headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            }
            var body: ByteBuffer?
            if let form {
                headers.contentType = .urlEncodedForm
                var components = URLComponents()
                components.queryItems = form.map { URLQueryItem(name: $0.key, value: $0.value) }
                body = ByteBuffer(string: components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? "")
            }
            let response = try await client.tester.sendRequest(method, path, headers: headers, body: body)
            for (name, value) in response.headers.setCookie?.all ?? [:] {
                cookies[name] = value.string.isEmpty ? nil : value.string
            }
            return response
        }

        /// Signs in through the login form; returns the session's CSRF token.
        mutating func signIn(password: String = TestServer.adminPassword) async throws -> TestingHTTPResponse {
            let form = try await send(.GET, "/admin/login")
            let token = try #require(AdminPagesTests.csrf(in: form.body.string))
            return try await send(.POST, "/admin/login", form: ["_csrf": token, "username": "admin", "password": password, "next": "/admin/tenants"])
        }

        mutating func csrf(_ path: String = "/admin") async throws -> String {
            try #require(AdminPagesTests.csrf(in: try await send(.GET, path).body.string), "no CSRF token on \(path)")
        }
    }

    static func csrf(in html: String) -> String? {
        for pattern in [#"name="_csrf" value="([^"]+)""#, #"name="csrf-token" content="([^"]+)""#] {
            if let range = html.range(of: pattern, options: .regularExpression) {
                let match = String(html[range])
                return match.components(separatedBy: "\"").dropLast().last
            }
        }
        return nil
    }

    @Test func anonymousRequestsToAnyPageAreSentToLogin() async throws {
        try await TestServer().run { client in
            var browser = Browser(client: client)
            for page in Self.pages + ["/admin/certificates/0000/delete", "/admin/recordings/x"] {
                let response = try await browser.send(.GET, page)
                #expect(response.status == .seeOther, "\(page): \(response.status)")
                #expect(response.headers.first(name: .location)?.hasPrefix("/admin/login") == true, "\(page)")
            }
            let post = try await browser.send(.POST, "/admin/tenants", form: ["name": "sneaky"])
            #expect(post.status == .seeOther)
            let tenants = try await client.send(.GET, "api/v1/tenants")
            #expect(tenants.body.string == "[]")
        }
    }

    @Test func signInSetsAHardenedSessionCookieAndHonoursOnlyLocalNext() async throws {
        try await TestServer().run { client in
            var browser = Browser(client: client)
            let response = try await browser.signIn()
            #expect(response.status == .seeOther)
            #expect(response.headers.first(name: .location) == "/admin/tenants")
            let cookie = try #require(response.headers[.setCookie].first { $0.hasPrefix("rcs_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/admin"))
            #expect(!cookie.contains("Secure"), "plain HTTP here; Secure is set under TLS")
            #expect(try await browser.send(.GET, "/admin").status == .ok)

            var other = Browser(client: client)
            let login = try await other.send(.GET, "/admin/login?next=//evil.example/x")
            let token = try #require(Self.csrf(in: login.body.string))
            let redirected = try await other.send(.POST, "/admin/login", form: ["_csrf": token, "username": "admin",
                                                                               "password": TestServer.adminPassword, "next": "//evil.example/x"])
            #expect(redirected.headers.first(name: .location) == "/admin")
        }
    }

    @Test func wrongPasswordsAreRefusedThenThrottled() async throws {
        try await TestServer().run { client in
            var browser = Browser(client: client)
            let wrong = try await browser.signIn(password: "not it")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.string.contains("The username or password is wrong."))
            #expect(browser.cookies["rcs_session"] == nil)
            for _ in 0..<10 { _ = try await browser.signIn(password: "still not it") }
            let throttled = try await browser.signIn()
            #expect(throttled.status == .tooManyRequests, "the right password is refused while throttled")
            #expect(browser.cookies["rcs_session"] == nil)
            #expect(throttled.body.string.contains("Too many failed sign-ins"))
        }
    }

    @Test func theLoginFormNeedsItsOwnToken() async throws {
        try await TestServer().run { client in
            var browser = Browser(client: client)
            let response = try await browser.send(.POST, "/admin/login",
                                                  form: ["username": "admin", "password": TestServer.adminPassword])
            #expect(response.status == .forbidden)
            #expect(browser.cookies["rcs_session"] == nil)
        }
    }

    @Test func aFormPostedWithoutItsCSRFTokenIsRefusedAndChangesNothing() async throws {
        try await TestServer().run { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let token = try await browser.csrf("/admin/tenants")

            let missing = try await browser.send(.POST, "/admin/tenants", form: ["name": "no-token"])
            #expect(missing.status == .forbidden)
            #expect(missing.body.string.contains("this form has expired or did not come from an RCS page"))
            let wrong = try await browser.send(.POST, "/admin/tenants", form: ["name": "wrong-token", "_csrf": token + "x"])
            #expect(wrong.status == .forbidden)
            let crossSite = try await browser.send(.POST, "/admin/tenants", form: ["name": "cross-site", "_csrf": token],
                                                   headers: [("Origin", "https://evil.example"), ("Host", "127.0.0.1:8080")])
            #expect(crossSite.status == .forbidden)
            #expect(try await client.send(.GET, "api/v1/tenants").body.string == "[]")

            let good = try await browser.send(.POST, "/admin/tenants", form: ["name": "acme", "_csrf": token])
            #expect(good.status == .seeOther)
            #expect(try await client.send(.GET, "api/v1/tenants").body.string.contains("\"acme\""))
            let refusals = try await client.send(.GET, "api/v1/audit?action=csrf.refused")
            #expect(try client.object(refusals)["total"] as? Int == 3)
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        try await TestServer().run { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let session = try #require(browser.cookies["rcs_session"])
            let token = try await browser.csrf()
            let out = try await browser.send(.POST, "/admin/logout", form: ["_csrf": token])
            #expect(out.headers.first(name: .location) == "/admin/login")
            browser.cookies["rcs_session"] = session // a copy of the old cookie is worthless now
            #expect(try await browser.send(.GET, "/admin").status == .seeOther)
        }
    }

    @Test func pagesCarrySecurityHeadersAndAssetsStayInPublic() async throws {
        try await TestServer().run { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let page = try await browser.send(.GET, "/admin")
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
            #expect(page.headers.first(name: "X-Frame-Options") == "DENY")
            #expect(page.headers.first(name: .cacheControl) == "no-store")
            #expect(try await browser.send(.GET, "/admin/assets/rcs.css").status == .ok)
            for hostile in ["/admin/assets/..%2F..%2FPackage.swift", "/admin/assets/%2e%2e", "/admin/assets/missing.js"] {
                #expect(try await browser.send(.GET, hostile).status == .notFound, "\(hostile)")
            }
        }
    }

    @Test func theUploadPageShowsErrorsNextToTheirField() async throws {
        let pki = TestPKI.shared
        try await TestServer().run { client in
            try await client.trust(pki.rootCA)
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let token = try await browser.csrf("/admin/certificates/upload")
            let boundary = "page-test"
            var body = ""
            for (name, value) in [("_csrf", token), ("password", "wrong password")] {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            for (name, path) in [("certificate", pki.tenantA.certificate), ("key", pki.tenantA.pkcs8PEMEncrypted),
                                 ("chain", pki.intermediateCA)] {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"f.pem\"\r\n\r\n"
                body += try String(contentsOfFile: path, encoding: .utf8) + "\r\n"
            }
            body += "--\(boundary)--\r\n"
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            headers.replaceOrAdd(name: .cookie, value: browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            let response = try await client.tester.sendRequest(.POST, "/admin/certificates/upload", headers: headers, body: ByteBuffer(string: body))
            #expect(response.status == .unprocessableEntity)
            let html = response.body.string
            let passwordError = try #require(html.range(of: #"id="password-error" role="alert">[^<]+<"#, options: .regularExpression))
            #expect(html[passwordError].contains("password does not open the private key"))
            #expect(!html.contains("wrong password"), "the password typed is never echoed")
            #expect(try await client.send(.GET, "api/v1/certificates").body.string == "[]")
        }
    }

    @Test func aPasswordChangeSignsOutTheOtherSessionsAndTheOldPasswordStopsWorking() async throws {
        try await TestServer().run { client in
            var first = Browser(client: client), second = Browser(client: client)
            _ = try await first.signIn()
            _ = try await second.signIn()
            let token = try await first.csrf("/admin/accounts")
            let weak = try await first.send(.POST, "/admin/accounts/password",
                                            form: ["_csrf": token, "current": TestServer.adminPassword, "password": "short", "confirmation": "short"])
            #expect(weak.status == .badRequest)
            let changed = try await first.send(.POST, "/admin/accounts/password",
                                               form: ["_csrf": token, "current": TestServer.adminPassword,
                                                      "password": "a new admin password", "confirmation": "a new admin password"])
            #expect(changed.status == .seeOther)
            #expect(try await first.send(.GET, "/admin/accounts").status == .ok, "this session stays")
            #expect(try await second.send(.GET, "/admin/accounts").status == .seeOther, "the other session ended")
            #expect(try await client.send(.GET, "api/v1/tenants").status == .unauthorized, "the old password no longer opens the API")
            #expect(try await client.send(.GET, "api/v1/tenants", auth: .basic("admin", "a new admin password")).status == .ok)
        }
    }

    @Test func adminsAreAddedAndRemovedButNeverThemselves() async throws {
        try await TestServer().run { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let token = try await browser.csrf("/admin/accounts")
            let added = try await browser.send(.POST, "/admin/accounts", form: ["_csrf": token, "username": "bob",
                                                                                "password": "bob's long password", "confirmation": "bob's long password"])
            #expect(added.status == .seeOther)
            #expect(try await client.send(.GET, "api/v1/tenants", auth: .basic("bob", "bob's long password")).status == .ok)
            let page = try await browser.send(.GET, "/admin/accounts").body.string
            let ids = page.components(separatedBy: "/admin/accounts/").dropFirst().compactMap { UUID(uuidString: String($0.prefix(36))) }
            #expect(ids.count == 1, "only the other admin has a Remove button")
            let removed = try await browser.send(.POST, "/admin/accounts/\(ids[0])/delete", form: ["_csrf": token])
            #expect(removed.status == .seeOther)
            #expect(try await client.send(.GET, "api/v1/tenants", auth: .basic("bob", "bob's long password")).status == .unauthorized)
        }
    }

    /// A recorder's file must never run as this origin's page: it would reach the admin session.
    @Test func storedFilesAreServedSandboxedAndUnsniffed() async throws {
        try await TestServer().run { client in
            try await client.createTenant("acme")
            let recorder = try await client.createCredential(role: "recorder", tenant: "acme")
            let page = Data("<html><script>fetch('/admin/accounts')</script></html>".utf8)
            let put = try await client.send(.PUT, "webdav/acme/evil.html", auth: .basic(recorder.username, recorder.secret), body: page)
            #expect(put.status == .created)
            let get = try await client.send(.GET, "webdav/acme/evil.html")
            #expect(get.headers.first(name: "Content-Security-Policy")?.hasPrefix("sandbox") == true)
            #expect(get.headers.first(name: "X-Content-Type-Options") == "nosniff")
        }
    }

    /// `(page - 1) * per` with a huge page used to overflow and stop the server.
    @Test func hugePageNumbersAreBounded() async throws {
        try await TestServer().run { client in
            let huge = "9223372036854775807"
            let audit = try await client.send(.GET, "api/v1/audit?page=\(huge)&per=\(huge)")
            #expect(audit.status == .ok)
            #expect(try client.object(audit)["page"] as? Int == 1_000_000)
            #expect(try await client.send(.GET, "rcs/api/v1/recordings?page=\(huge)").status == .ok)
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            #expect(try await browser.send(.GET, "/admin/audit?page=\(huge)").status == .ok)
        }
    }
}
