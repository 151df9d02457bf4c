import Foundation
import RCSTestSupport
import Testing
import VaporTesting

/// `POST /api/v1/certificates`: what is accepted, what is refused and why.
@Suite struct CertificateUploadTests {
    let pki = TestPKI.shared

    @Test func chainThroughAnIntermediateInTheUpload() async throws {
        try await TestServer().run { client in
            try await client.trust(pki.rootCA)
            let response = try await client.upload(certificate: pki.tenantA.certificate, key: pki.tenantA.pkcs8PEMEncrypted,
                                                   password: TestPKI.keyPassword, chain: pki.intermediateCA)
            #expect(response.status == .created, "\(response.body.string)")
            let body = try client.object(response)
            #expect(body["id"] as? String == (try fingerprint(pki.tenantA.certificate)))
            #expect(body["subjectName"] as? String == "Tenant A Recording <rec@tenant-a.example>")
            #expect(body["status"] as? String == "valid")
            #expect(body["deployedCount"] as? Int == 0)
            #expect((body["keyDetails"] as? String)?.hasPrefix("RSA 2048-bit, encrypted PKCS#8") == true)
            for field in ["serialNumber", "subjectDN", "issuerDN", "notBefore", "notAfter"] { #expect(body[field] != nil, "\(field)") }
            // The same again is a conflict.
            let again = try await client.upload(certificate: pki.tenantA.certificate, key: pki.tenantA.pkcs8PEM, chain: pki.intermediateCA)
            #expect(again.status == .conflict)
            #expect(try client.problemSlug(again) == "duplicate")
        }
    }

    @Test func chainThroughTheTrustStoreOrABundle() async throws {
        // Root and intermediate trusted separately.
        try await TestServer().run { client in
            try await client.trust(pki.rootCA)
            try await client.trust(pki.intermediateCA)
            let response = try await client.upload(certificate: pki.tenantA.certificate, key: pki.tenantA.pkcs8PEM)
            #expect(response.status == .created, "\(response.body.string)")
        }
        // Root and intermediate in one bundle.
        let dir = try TemporaryDirectory("rcs-bundle")
        defer { dir.remove() }
        let bundle = dir.file("bundle.pem")
        try (try String(contentsOfFile: pki.rootCA, encoding: .utf8) + String(contentsOfFile: pki.intermediateCA, encoding: .utf8))
            .write(toFile: bundle, atomically: true, encoding: .utf8)
        try await TestServer().run { client in
            let added = try await client.send(.POST, "api/v1/trust", multipart: [try .file("certificate", path: bundle)])
            #expect(added.status == .created)
            let cas = try #require(try client.json(added) as? [[String: Any]])
            #expect(cas.count == 2)
            #expect(Set(cas.compactMap { $0["isRoot"] as? Bool }) == [true, false])
            let response = try await client.upload(certificate: pki.tenantB.certificate, key: pki.tenantB.pkcs1PEM)
            #expect(response.status == .created, "\(response.body.string)")
        }
    }

    @Test func expiredAndNotYetValidAreImportedAndFlagged() async throws {
        try await TestServer().run { client in
            try await client.trust(pki.backdatedRoot)
            try await client.trust(pki.backdatedIntermediate)
            let expired = try await client.upload(certificate: pki.expiredLeaf, key: pki.key(of: pki.expiredLeaf))
            #expect(expired.status == .created, "\(expired.body.string)")
            #expect(try client.object(expired)["status"] as? String == "expired")
            let future = try await client.upload(certificate: pki.notYetValidLeaf, key: pki.key(of: pki.notYetValidLeaf))
            #expect(future.status == .created, "\(future.body.string)")
            #expect(try client.object(future)["status"] as? String == "notYetValid")
        }
    }

    /// Each refusal names its reason, and changes nothing.
    @Test func refusalsSayWhy() async throws {
        let dir = try TemporaryDirectory("rcs-refusals")
        defer { dir.remove() }
        let garbage = try dir.randomFile("garbage.pem", size: 700)
        try await TestServer().run { client in
            try await client.trust(pki.rootCA)
            try await client.trust(pki.intermediateCA)
            let cases: [(String, String, String?, String, Int)] = [
                (pki.foreignLeaf, pki.key(of: pki.foreignLeaf), nil, "unknown-ca", 422),
                (pki.badSignatureLeaf, pki.tenantA.pkcs8PEM, nil, "bad-signature", 422),
                (pki.tenantA.certificate, pki.tenantB.pkcs8PEM, nil, "key-mismatch", 422),
                (pki.weakLeaf, pki.key(of: pki.weakLeaf), nil, "weak-key", 422),
                (pki.tenantA.certificate, pki.tenantA.pkcs8PEMEncrypted, "wrong password", "wrong-password", 422),
                (pki.tenantA.certificate, pki.tenantA.pkcs8PEMEncrypted, nil, "password-required", 400),
                (garbage, pki.tenantA.pkcs8PEM, nil, "not-pem-or-der", 400),
                (pki.tenantA.certificate, garbage, nil, "not-pem-or-der", 400),
                (pki.ecCertificate, pki.ecKey, nil, "unsupported-key-type", 422),
                (pki.leafIssuedByLeaf, pki.key(of: pki.leafIssuedByLeaf), nil, "not-a-ca", 422),
            ]
            for (certificate, key, password, slug, status) in cases {
                var chain: String?
                if certificate == pki.leafIssuedByLeaf { chain = pki.tenantA.certificate }
                let response = try await client.upload(certificate: certificate, key: key, password: password, chain: chain)
                #expect(Int(response.status.code) == status, "\(slug): \(response.body.string)")
                #expect(try client.problemSlug(response) == slug, "\(response.body.string)")
                let detail = try #require(try client.object(response)["detail"] as? String)
                #expect(!detail.isEmpty && !detail.contains("wrong password"), "the password must not be echoed")
            }
            let list = try await client.send(.GET, "api/v1/certificates")
            #expect(try client.json(list) as? [Any] != nil && (try client.json(list) as! [Any]).isEmpty, "a refused upload stored something")
            let failures = try await client.send(.GET, "api/v1/audit?action=certificate.upload&outcome=failure&per=100")
            #expect(try client.object(failures)["total"] as? Int == cases.count)
        }
    }

    @Test func everyKeyFormUploads() async throws {
        try await TestServer().run { client in
            try await client.trust(pki.rootCA)
            try await client.trust(pki.intermediateCA)
            let id = try fingerprint(pki.tenantA.certificate)
            for form in pki.tenantA.allKeyForms {
                let response = try await client.upload(certificate: pki.tenantA.certificate, key: form.path,
                                                       password: form.encrypted ? TestPKI.keyPassword : nil)
                #expect(response.status == .created, "\(form.path): \(response.body.string)")
                #expect(try await client.send(.DELETE, "api/v1/certificates/\(id)").status == .noContent)
            }
        }
    }

    /// SPEC section 3: keystore files open with openssl and the keystore
    /// password; none holds a clear key; modes are 0700/0600.
    @Test func keystoreFilesAreEncryptedAndOpenSSLReadable() async throws {
        let server = try TestServer()
        try await server.run { client in
            try await client.trust(pki.rootCA)
            _ = try await client.upload(certificate: pki.tenantA.certificate, key: pki.tenantA.pkcs1PEM, chain: pki.intermediateCA)
        }
        let keystore = server.configuration.keystoreDirectory
        let files = try FileManager.default.contentsOfDirectory(atPath: keystore).filter { $0.hasSuffix(".pem") }
        #expect(files.count == 4) // keystore key, certificate, key, chain
        for name in files {
            let text = try String(contentsOfFile: "\(keystore)/\(name)", encoding: .utf8)
            #expect(!text.contains("BEGIN PRIVATE KEY") && !text.contains("BEGIN RSA PRIVATE KEY"), "\(name) holds a clear key")
            let mode = try FileManager.default.attributesOfItem(atPath: "\(keystore)/\(name)")[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name) mode \(String(mode ?? 0, radix: 8))")
            if name.hasSuffix(".key.pem") {
                #expect(text.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
                try Shell.openssl("pkey", "-in", "\(keystore)/\(name)", "-passin", "pass:\(TestServer.keystorePassword)", "-noout")
                let wrong = try Shell.run(["openssl", "pkey", "-in", "\(keystore)/\(name)", "-passin", "pass:nope", "-noout"])
                #expect(!wrong.succeeded)
            }
        }
        let mode = try FileManager.default.attributesOfItem(atPath: keystore)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        // The stored key is the uploaded one.
        let id = try fingerprint(pki.tenantA.certificate)
        let stored = try Shell.openssl("pkey", "-in", "\(keystore)/\(id).key.pem", "-passin", "pass:\(TestServer.keystorePassword)", "-pubout")
        let original = try Shell.openssl("pkey", "-in", pki.tenantA.pkcs8PEM, "-pubout")
        #expect(stored.stdout == original.stdout)
    }

    @Test func previewFillsTheFieldsWithoutStoring() async throws {
        try await TestServer().run { client in
            try await client.trust(pki.rootCA)
            let response = try await client.send(.POST, "api/v1/certificates/preview", multipart: [
                try .file("certificate", path: pki.tenantA.certificate), try .file("key", path: pki.tenantA.pkcs1PEMEncrypted),
                .text("password", TestPKI.keyPassword), try .file("chain", path: pki.intermediateCA),
            ])
            #expect(response.status == .ok, "\(response.body.string)")
            let body = try client.object(response)
            let certificate = try #require(body["certificate"] as? [String: Any])
            #expect(certificate["subjectName"] as? String == "Tenant A Recording <rec@tenant-a.example>")
            #expect(body["keyDetails"] as? String == "RSA 2048-bit, PKCS#1 RSA PEM, legacy encryption (Proc-Type: 4,ENCRYPTED)")
            #expect(body["keyMatches"] as? Bool == true)
            #expect((body["problems"] as? [Any])?.isEmpty == true)
            // A wrong password is a field problem, not a failure.
            let wrong = try await client.send(.POST, "api/v1/certificates/preview", multipart: [
                try .file("certificate", path: pki.tenantA.certificate), try .file("key", path: pki.tenantA.pkcs8PEMEncrypted),
                .text("password", "nope"),
            ])
            let problems = try #require(try client.object(wrong)["problems"] as? [[String: Any]])
            #expect(problems.contains { $0["field"] as? String == "password" })
            #expect(problems.contains { ($0["type"] as? String)?.hasSuffix("unknown-ca") == true })
            let list = try await client.send(.GET, "api/v1/certificates")
            #expect((try client.json(list) as? [Any])?.isEmpty == true)
        }
    }
}
