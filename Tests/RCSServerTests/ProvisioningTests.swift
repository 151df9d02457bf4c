import Foundation
import RCSTestSupport
import Testing
import VaporTesting

/// Tenants, profiles, deployments and credentials, and what recorders are given.
@Suite struct ProvisioningTests {
    let pki = TestPKI.shared

    /// Trust, upload A (valid) and the backdated expired leaf, a tenant with a profile.
    func provision(_ client: TestServer.Client) async throws -> (profile: String, valid: String, expired: String) {
        try await client.trust(pki.rootCA)
        try await client.trust(pki.backdatedRoot)
        _ = try await client.upload(certificate: pki.tenantA.certificate, key: pki.tenantA.pkcs8PEM, chain: pki.intermediateCA)
        _ = try await client.upload(certificate: pki.expiredLeaf, key: pki.key(of: pki.expiredLeaf), chain: pki.backdatedIntermediate)
        try await client.createTenant("acme")
        let profile = try await client.createProfile(tenant: "acme", name: "default")
        return (profile, try fingerprint(pki.tenantA.certificate), try fingerprint(pki.expiredLeaf))
    }

    @Test func recordersGetOnlyCertificatesUsableNow() async throws {
        try await TestServer().run { client in
            let (profile, valid, expired) = try await provision(client)
            let path = "api/v1/profiles/\(profile)/recording-certificates"
            // Nothing deployed: a clear error.
            let empty = try await client.send(.GET, path)
            #expect(empty.status == .conflict)
            #expect(try client.problemSlug(empty) == "no-usable-certificate")
            // Only the expired one: still refused, saying why.
            #expect(try await client.send(.POST, "api/v1/profiles/\(profile)/certificates", json: ["certificate": expired]).status == .created)
            let onlyExpired = try await client.send(.GET, path)
            #expect(onlyExpired.status == .conflict)
            #expect(try client.object(onlyExpired)["detail"] as? String ?? "" =~ "expired")
            // Both: the bundle holds exactly the valid one.
            let deployed = try await client.send(.POST, "api/v1/profiles/\(profile)/certificates", json: ["certificate": valid])
            #expect(deployed.status == .created)
            #expect(try client.object(deployed)["status"] as? String == "valid")
            let recorder = try await client.createCredential(role: "recorder", tenant: "acme")
            let bundle = try await client.send(.GET, path, auth: .basic(recorder.username, recorder.secret))
            #expect(bundle.status == .ok, "\(bundle.body.string)")
            #expect(bundle.headers.contentType?.description == "application/x-pem-file")
            let text = bundle.body.string
            #expect(text.components(separatedBy: "BEGIN CERTIFICATE").count == 2)
            let expectedPEM = try Shell.openssl("x509", "-in", pki.tenantA.certificate).stdoutText
            #expect(text == expectedPEM)
            // Deployed count, on the list and the detail.
            let detail = try client.object(try await client.send(.GET, "api/v1/certificates/\(valid)"))
            #expect(detail["deployedCount"] as? Int == 1)
            #expect((detail["profiles"] as? [[String: Any]])?.first?["tenant"] as? String == "acme")
            // Deploying twice is a conflict; undeploying works.
            #expect(try await client.send(.POST, "api/v1/profiles/\(profile)/certificates", json: ["certificate": valid]).status == .conflict)
            #expect(try await client.send(.DELETE, "api/v1/profiles/\(profile)/certificates/\(expired)").status == .noContent)
        }
    }

    /// A credential of tenant A cannot reach tenant B's profile, or even learn it exists.
    @Test func tenantWalls() async throws {
        try await TestServer().run { client in
            let (profile, valid, _) = try await provision(client)
            _ = try await client.send(.POST, "api/v1/profiles/\(profile)/certificates", json: ["certificate": valid])
            try await client.createTenant("other")
            let outsider = try await client.createCredential(role: "recorder", tenant: "other")
            let path = "api/v1/profiles/\(profile)/recording-certificates"
            let foreign = try await client.send(.GET, path, auth: .basic(outsider.username, outsider.secret))
            let unknown = UUID().uuidString
            let missing = try await client.send(.GET, "api/v1/profiles/\(unknown)/recording-certificates",
                                                auth: .basic(outsider.username, outsider.secret))
            // Another tenant's profile answers exactly like one that does not exist.
            #expect(foreign.status == .notFound && missing.status == .notFound)
            #expect(try client.object(foreign)["detail"] as? String == "profile \(profile) does not exist (or is not yours)")
            #expect(try client.object(missing)["detail"] as? String == "profile \(unknown) does not exist (or is not yours)")
            // A player of the same tenant is not a recorder.
            let player = try await client.createCredential(role: "player", tenant: "acme")
            #expect(try await client.send(.GET, path, auth: .basic(player.username, player.secret)).status == .forbidden)
            // Tenant credentials never reach the admin API.
            let recorder = try await client.createCredential(role: "recorder", tenant: "acme")
            for route in ["api/v1/certificates", "api/v1/tenants", "api/v1/audit", "api/v1/credentials", "api/v1/keystore/export"] {
                #expect(try await client.send(.GET, route, auth: .basic(recorder.username, recorder.secret)).status == .forbidden, "\(route)")
            }
            // Anonymous: 401 with a Basic challenge.
            let anonymous = try await client.send(.GET, path, auth: .none)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers.first(name: "WWW-Authenticate")?.hasPrefix("Basic") == true)
            #expect(try await client.send(.GET, "api/v1/tenants", auth: .none).status == .unauthorized)
            // A wrong secret is 401 too, and audited.
            #expect(try await client.send(.GET, path, auth: .basic(recorder.username, "wrong")).status == .unauthorized)
            let audit = try client.object(try await client.send(.GET, "api/v1/audit?action=login.failure"))
            #expect(audit["total"] as? Int == 1)
        }
    }

    @Test func revokedCredentialsStopAtOnce() async throws {
        try await TestServer().run { client in
            let (profile, valid, _) = try await provision(client)
            _ = try await client.send(.POST, "api/v1/profiles/\(profile)/certificates", json: ["certificate": valid])
            let recorder = try await client.createCredential(role: "recorder", tenant: "acme")
            let path = "api/v1/profiles/\(profile)/recording-certificates"
            #expect(try await client.send(.GET, path, auth: .basic(recorder.username, recorder.secret)).status == .ok)
            #expect(try await client.send(.DELETE, "api/v1/credentials/\(recorder.id)").status == .noContent)
            #expect(try await client.send(.GET, path, auth: .basic(recorder.username, recorder.secret)).status == .unauthorized)
            // Listing never shows secrets or hashes.
            let list = try await client.send(.GET, "api/v1/credentials")
            #expect(!list.body.string.contains(recorder.secret))
            #expect(!list.body.string.lowercased().contains("hash"))
            #expect(list.body.string.contains("revokedAt"))
        }
    }

    @Test func deletingADeployedCertificateNeedsForce() async throws {
        try await TestServer().run { client in
            let (profile, valid, _) = try await provision(client)
            _ = try await client.send(.POST, "api/v1/profiles/\(profile)/certificates", json: ["certificate": valid])
            let refused = try await client.send(.DELETE, "api/v1/certificates/\(valid)")
            #expect(refused.status == .conflict)
            #expect(try client.problemSlug(refused) == "certificate-in-use")
            #expect(try await client.send(.DELETE, "api/v1/certificates/\(valid)?force=true").status == .noContent)
            #expect(try await client.send(.GET, "api/v1/certificates/\(valid)").status == .notFound)
            let audit = try client.object(try await client.send(.GET, "api/v1/audit?action=certificate.delete"))
            let items = try #require(audit["items"] as? [[String: Any]])
            #expect(items.contains { $0["outcome"] as? String == "success" && ($0["detail"] as? String ?? "").contains("force=true") })
            #expect(items.contains { $0["outcome"] as? String == "failure" })
        }
    }

    @Test func remoteStoragePasswordIsSealedAndNeverReturned() async throws {
        let server = try TestServer()
        let secret = "remote-dav-secret-\(UUID().uuidString)"
        try await server.run { client in
            try await client.createTenant("acme")
            let response = try await client.send(.POST, "api/v1/profiles", json: [
                "tenant": "acme", "name": "remote",
                "storage": ["kind": "webdav", "url": "https://dav.example.net/recordings/", "username": "rcs", "password": secret],
            ])
            #expect(response.status == .created, "\(response.body.string)")
            #expect(!response.body.string.contains(secret))
            let storage = try #require(try client.object(response)["storage"] as? [String: Any])
            #expect(storage["hasPassword"] as? Bool == true)
            #expect(storage["kind"] as? String == "webdav")
            for url in ["ftp://x/", "https://user:pw@dav.example.net/", "not a url", "https:///nohost"] {
                let bad = try await client.send(.POST, "api/v1/profiles", json: [
                    "tenant": "acme", "name": "bad", "storage": ["kind": "webdav", "url": url]])
                #expect(bad.status == .badRequest, "\(url)")
            }
        }
        let database = try Data(contentsOf: URL(fileURLWithPath: server.configuration.databasePath))
        #expect(database.range(of: Data(secret.utf8)) == nil, "the remote password is in the database in clear")
    }

    @Test func tenantNamesAreSlugs() async throws {
        try await TestServer().run { client in
            for name in ["", "Acme", "a b", "-x", "x-", "../etc", String(repeating: "a", count: 64), "café"] {
                let response = try await client.send(.POST, "api/v1/tenants", json: ["name": name])
                #expect(response.status == .badRequest, "\(name)")
                #expect(try client.problemSlug(response) == "invalid-tenant-name")
            }
            try await client.createTenant("acme-2")
            #expect(try await client.send(.POST, "api/v1/tenants", json: ["name": "acme-2"]).status == .conflict)
            // A tenant with a profile is not deleted.
            _ = try await client.createProfile(tenant: "acme-2", name: "p")
            #expect(try await client.send(.DELETE, "api/v1/tenants/acme-2").status == .conflict)
            let missingField = try await client.send(.POST, "api/v1/tenants", json: ["nom": "x"])
            #expect(missingField.status == .badRequest)
            #expect((try client.object(missingField)["detail"] as? String ?? "").contains("'name'"))
        }
    }

    @Test func auditLogFiltersAndPages() async throws {
        try await TestServer().run { client in
            _ = try await provision(client)
            let all = try client.object(try await client.send(.GET, "api/v1/audit?per=2&page=1"))
            #expect((all["items"] as? [Any])?.count == 2)
            let total = try #require(all["total"] as? Int)
            #expect(total >= 6) // admin.create, 2 trust.add, 2 uploads, tenant, profile
            let page2 = try client.object(try await client.send(.GET, "api/v1/audit?per=2&page=2"))
            #expect((page2["items"] as? [[String: Any]])?.first?["id"] as? String != (all["items"] as? [[String: Any]])?.first?["id"] as? String)
            let uploads = try client.object(try await client.send(.GET, "api/v1/audit?action=certificate."))
            #expect(uploads["total"] as? Int == 2)
            let byActor = try client.object(try await client.send(.GET, "api/v1/audit?actor=admin:admin&tenant=acme"))
            #expect(byActor["total"] as? Int == 2) // tenant.create, profile.create
            let future = try client.object(try await client.send(.GET, "api/v1/audit?since=2099-01-01"))
            #expect(future["total"] as? Int == 0)
            #expect(try await client.send(.GET, "api/v1/audit?since=yesterday").status == .badRequest)
        }
    }
}

/// Substring match, for readable expectations.
func =~ (text: String, part: String) -> Bool { text.contains(part) }
infix operator =~ : ComparisonPrecedence
