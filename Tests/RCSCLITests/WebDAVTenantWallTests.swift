#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RCSTestSupport
import Testing

/// Tenant walls: a recorder of tenant A cannot read, write, list, copy into,
/// move into or lock anything of tenant B, and cannot tell whether a path of
/// B exists. The real `rcs serve`, set up through the admin API and driven
/// with curl.
@Suite(.serialized) struct WebDAVTenantWallTests {
    // MARK: The wall

    /// Every WebDAV method of alpha's recorder against beta: refused, beta
    /// unchanged (seen by beta's own recorder and on disk), alpha unchanged,
    /// and the answers for a path of beta that exists, the same path once beta
    /// has deleted it, a path that never existed and a tenant that does not
    /// exist are the same (status, headers, body once the path is swapped).
    @Test func alphaRecorderCannotReachIntoBeta() throws {
        let world = try TenantWorld()
        defer { world.stop() }
        let server = world.server

        let existing = WallLayout(tenant: "beta", collection: "calls")
        let neverExisted = WallLayout(tenant: "beta", collection: "nocalls")
        let noTenant = WallLayout(tenant: "gamma", collection: "calls")
        let encodedTenant = WallLayout(tenant: "%62eta", collection: "calls")
        let operations = Self.operations(base: server.base, betaLockToken: world.betaLockToken, betaETag: world.betaETag)

        let betaBefore = try world.betaState()
        let alphaBefore = try world.alphaState()
        #expect(betaBefore.listing.contains(world.betaSecret) == false, "sanity: the listing has no file contents")
        #expect(betaBefore.listing.contains("secret.txt") && betaBefore.listing.contains("locked.txt"),
                "sanity: beta's recorder sees its files\n\(betaBefore.listing)")

        func run(_ layout: WallLayout) throws -> [Reply] {
            try operations.map { operation in try server.send(operation.make(layout), user: world.alphaRecorder) }
        }

        // Phase A: beta's paths exist.
        let whileExisting = try run(existing)
        for (operation, reply) in zip(operations, whileExisting) {
            #expect(reply.status == operation.expected, "\(operation.name) on an existing beta path: \(reply)")
            #expect(!reply.text.contains(world.betaSecret), "\(operation.name) leaked beta's content: \(reply)")
        }
        // Beta's real lock token is of no use in alpha either.
        let crossUnlock = try server.send(HTTPCall("UNLOCK", "/webdav/alpha/own.txt", headers: ["Lock-Token: <\(world.betaLockToken)>"]),
                                          user: world.alphaRecorder)
        #expect(crossUnlock.status == 409, "UNLOCK of alpha's file with beta's token: \(crossUnlock)")
        let betaAfterA = try world.betaState()
        #expect(betaAfterA == betaBefore, "beta changed after alpha's attempts on existing paths:\n\(betaBefore.difference(betaAfterA))")
        #expect(try world.alphaState() == alphaBefore, "alpha changed (something of beta was copied or moved in)")

        // Paths that never existed, a tenant that does not exist, an encoded tenant name.
        let ghost = try run(neverExisted)
        let gamma = try run(noTenant)
        let encoded = try run(encodedTenant)
        #expect(try world.betaState() == betaBefore, "beta changed after alpha's attempts on missing paths")

        // Phase B: beta deletes its collection; the very same requests again.
        try world.betaRemovesItsCollection()
        let betaAfterDelete = try world.betaState()
        #expect(!betaAfterDelete.listing.contains("secret.txt"), "sanity: beta's collection is gone\n\(betaAfterDelete.listing)")
        let afterDeletion = try run(existing)
        let betaFinal = try world.betaState()
        #expect(betaFinal == betaAfterDelete, "beta changed after alpha's attempts on deleted paths:\n\(betaAfterDelete.difference(betaFinal))")
        #expect(try world.alphaState() == alphaBefore, "alpha changed")

        for (index, operation) in operations.enumerated() {
            let reference = whileExisting[index].fingerprint([])
            #expect(afterDeletion[index].fingerprint([]) == reference,
                    "\(operation.name): exists vs deleted differ\n--- exists:\n\(reference)\n--- deleted:\n\(afterDeletion[index].fingerprint([]))")
            let fromGhost = ghost[index].fingerprint([("/webdav/beta/nocalls", "/webdav/beta/calls")])
            #expect(fromGhost == reference, "\(operation.name): exists vs never existed differ\n--- exists:\n\(reference)\n--- never:\n\(fromGhost)")
            let fromGamma = gamma[index].fingerprint([("/webdav/gamma", "/webdav/beta")])
            #expect(fromGamma == reference, "\(operation.name): beta vs no such tenant differ\n--- beta:\n\(reference)\n--- gamma:\n\(fromGamma)")
            let fromEncoded = encoded[index].fingerprint([("/webdav/%62eta", "/webdav/beta")])
            #expect(fromEncoded == reference, "\(operation.name): beta vs %62eta differ\n--- beta:\n\(reference)\n--- %62eta:\n\(fromEncoded)")
        }
        #expect(try server.health() == 200)
    }

    /// The requests of the wall test: `expected` is the answer for every layout
    /// that is not alpha's (404 for a beta request URI, 403 for a Destination in
    /// beta, and the If-header probes answer as if the tagged resource did not exist).
    private static func operations(base: String, betaLockToken: String, betaETag: String) -> [WallOperation] {
        let xml = "Content-Type: application/xml; charset=utf-8"
        let allprop = #"<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#
        let proppatch = #"<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:x-attacker"><D:set><D:prop><X:owned>alpha was here</X:owned></D:prop></D:set></D:propertyupdate>"#
        let lockinfo = #"<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>alpha</D:owner></D:lockinfo>"#
        return [
            WallOperation("GET file", 404) { HTTPCall("GET", $0.file) },
            WallOperation("HEAD file", 404) { HTTPCall("HEAD", $0.file) },
            WallOperation("GET collection index", 404) { HTTPCall("GET", $0.collectionSlash) },
            WallOperation("OPTIONS file", 404) { HTTPCall("OPTIONS", $0.file) },
            WallOperation("PUT over a file", 404) { HTTPCall("PUT", $0.file, body: Data("overwritten by alpha".utf8)) },
            WallOperation("PUT a new file", 404) { HTTPCall("PUT", $0.child("planted.txt"), body: Data("planted by alpha".utf8)) },
            WallOperation("PUT chunked", 404) {
                HTTPCall("PUT", $0.child("chunked.txt"), headers: ["Transfer-Encoding: chunked"], body: Data("chunked by alpha".utf8))
            },
            WallOperation("DELETE file", 404) { HTTPCall("DELETE", $0.file) },
            WallOperation("DELETE collection", 404) { HTTPCall("DELETE", $0.collectionSlash) },
            WallOperation("MKCOL new", 404) { HTTPCall("MKCOL", $0.child("newdir")) },
            WallOperation("MKCOL existing", 404) { HTTPCall("MKCOL", $0.collectionSlash) },
            WallOperation("PROPFIND depth 0", 404) { HTTPCall("PROPFIND", $0.file, headers: ["Depth: 0", xml], body: Data(allprop.utf8)) },
            WallOperation("PROPFIND depth 1", 404) { HTTPCall("PROPFIND", $0.collectionSlash, headers: ["Depth: 1"]) },
            WallOperation("PROPFIND depth infinity", 404) { HTTPCall("PROPFIND", $0.tenantRoot, headers: ["Depth: infinity"]) },
            WallOperation("PROPPATCH", 404) { HTTPCall("PROPPATCH", $0.file, headers: [xml], body: Data(proppatch.utf8)) },
            WallOperation("LOCK file", 404) { HTTPCall("LOCK", $0.file, headers: [xml, "Timeout: Second-60"], body: Data(lockinfo.utf8)) },
            WallOperation("LOCK unmapped URL", 404) {
                HTTPCall("LOCK", $0.child("lock-null.txt"), headers: [xml, "Depth: 0"], body: Data(lockinfo.utf8))
            },
            WallOperation("LOCK collection", 404) { HTTPCall("LOCK", $0.collectionSlash, headers: [xml], body: Data(lockinfo.utf8)) },
            WallOperation("LOCK tenant root, shared, infinity", 404) {
                HTTPCall("LOCK", $0.tenantRoot, headers: [xml, "Depth: infinity"],
                         body: Data(lockinfo.replacingOccurrences(of: "<D:exclusive/>", with: "<D:shared/>").utf8))
            },
            WallOperation("UNLOCK with beta's real token", 404) {
                HTTPCall("UNLOCK", $0.child("locked.txt"), headers: ["Lock-Token: <\(betaLockToken)>"])
            },
            WallOperation("COPY out of beta", 404) { HTTPCall("COPY", $0.file, headers: ["Destination: /webdav/alpha/stolen.txt"]) },
            WallOperation("MOVE out of beta", 404) { HTTPCall("MOVE", $0.file, headers: ["Destination: \(base)/webdav/alpha/stolen.txt"]) },
            WallOperation("COPY collection out of beta", 404) {
                HTTPCall("COPY", $0.collectionSlash, headers: ["Destination: \(base)/webdav/alpha/stolen-dir/"])
            },
            WallOperation("MOVE collection out of beta", 404) {
                HTTPCall("MOVE", $0.collectionSlash, headers: ["Destination: /webdav/alpha/stolen-dir/"])
            },
            WallOperation("COPY alpha file onto beta (absolute URL)", 403) {
                HTTPCall("COPY", "/webdav/alpha/own.txt", headers: ["Destination: \(base)\($0.file)", "Overwrite: T"])
            },
            WallOperation("COPY alpha file onto beta (absolute path)", 403) {
                HTTPCall("COPY", "/webdav/alpha/own.txt", headers: ["Destination: \($0.file)"])
            },
            WallOperation("COPY alpha file into beta, new name", 403) {
                HTTPCall("COPY", "/webdav/alpha/own.txt", headers: ["Destination: \(base)\($0.child("copied.txt"))", "Overwrite: F"])
            },
            WallOperation("MOVE alpha file onto beta (absolute URL)", 403) {
                HTTPCall("MOVE", "/webdav/alpha/own.txt", headers: ["Destination: \(base)\($0.file)"])
            },
            WallOperation("MOVE alpha file into beta (absolute path)", 403) {
                HTTPCall("MOVE", "/webdav/alpha/own.txt", headers: ["Destination: \($0.child("moved.txt"))"])
            },
            WallOperation("COPY alpha collection onto beta's", 403) {
                HTTPCall("COPY", "/webdav/alpha/owndir/", headers: ["Destination: \($0.collectionSlash)", "Overwrite: T"])
            },
            WallOperation("MOVE alpha collection onto beta's", 403) {
                HTTPCall("MOVE", "/webdav/alpha/owndir/", headers: ["Destination: \(base)\($0.collectionSlash)"])
            },
            WallOperation("MOVE alpha collection onto beta's root", 403) {
                HTTPCall("MOVE", "/webdav/alpha/owndir/", headers: ["Destination: \($0.tenantRoot)"])
            },
            // If-header probes on alpha's own file, tagged with a resource of beta and its true
            // ETag or lock token: a tagged resource of another tenant must be evaluated as if it
            // did not exist (no ETag, no locks), or the If header answers "does beta have X?".
            WallOperation("If: tagged beta ETag (GET alpha)", 412) {
                HTTPCall("GET", "/webdav/alpha/own.txt", headers: ["If: <\(base)\($0.file)> ([\(betaETag)])"])
            },
            WallOperation("If: tagged Not beta ETag (GET alpha)", 200) {
                HTTPCall("GET", "/webdav/alpha/own.txt", headers: ["If: <\($0.file)> (Not [\(betaETag)])"])
            },
            WallOperation("If: tagged beta lock token (GET alpha)", 412) {
                HTTPCall("GET", "/webdav/alpha/own.txt", headers: ["If: <\($0.child("locked.txt"))> (<\(betaLockToken)>)"])
            },
        ]
    }

    // MARK: Who may speak WebDAV at all

    /// Anonymous: 401 with a Basic challenge; a wrong secret and a revoked
    /// recorder: 401; alpha's player: 403. None of them can tell beta's paths apart.
    @Test func anonymousWrongSecretRevokedAndPlayerAreRefused() throws {
        let world = try TenantWorld()
        defer { world.stop() }
        let server = world.server
        let betaBefore = try world.betaState()
        let targets = ["/webdav/beta/calls/secret.txt", "/webdav/beta/calls/ghost.txt", "/webdav/gamma/calls/secret.txt"]
        func comparable(_ reply: Reply, _ path: String) -> String {
            reply.fingerprint([(path, "<path>"), ("/webdav/gamma/", "/webdav/beta/")])
        }

        // Anonymous.
        for method in ["GET", "PUT", "PROPFIND", "DELETE", "MKCOL", "LOCK"] {
            var answers: [String] = []
            for path in targets + ["/webdav/alpha/own.txt", "/webdav/"] {
                let reply = try server.send(HTTPCall(method, path, body: method == "PUT" ? Data("x".utf8) : nil), user: nil)
                #expect(reply.status == 401, "anonymous \(method) \(path): \(reply)")
                #expect(reply.header("WWW-Authenticate")?.hasPrefix("Basic") == true, "anonymous \(method) \(path): no Basic challenge: \(reply)")
                answers.append(comparable(reply, path))
            }
            #expect(Set(answers).count == 1, "anonymous \(method): the answers differ by path\n\(answers.joined(separator: "\n---\n"))")
        }

        // A wrong secret (2 failures: far below the throttle).
        let username = String(world.alphaRecorder.split(separator: ":")[0])
        let wrong = try ["/webdav/alpha/own.txt", "/webdav/beta/calls/secret.txt"].map { path in
            (path, try server.send(HTTPCall("GET", path), user: username + ":not-the-secret"))
        }
        for (path, reply) in wrong {
            #expect(reply.status == 401, "wrong secret on \(path): \(reply)")
            #expect(!reply.text.contains("alpha was here") && !reply.text.contains(world.betaSecret))
        }

        // A revoked recorder: works, is revoked, then 401 at once.
        let second = try world.credential(role: "recorder", tenant: "alpha")
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/own.txt"), user: second.login).status == 200)
        let revoke = try server.send(HTTPCall("DELETE", "/api/v1/credentials/\(second.id)"), user: world.admin)
        #expect(revoke.status == 204, "\(revoke)")
        for path in ["/webdav/alpha/own.txt", "/webdav/beta/calls/secret.txt"] {
            let reply = try server.send(HTTPCall("GET", path), user: second.login)
            #expect(reply.status == 401, "revoked recorder on \(path): \(reply)")
        }

        // Alpha's player: no WebDAV at all, in its own tenant or elsewhere.
        for method in ["GET", "HEAD", "PUT", "PROPFIND", "DELETE", "MKCOL", "COPY", "MOVE", "LOCK", "PROPPATCH", "OPTIONS"] {
            var answers: [String] = []
            for path in ["/webdav/alpha/own.txt"] + targets {
                let call = HTTPCall(method, path, headers: method == "COPY" || method == "MOVE" ? ["Destination: /webdav/alpha/taken.txt"] : [],
                                    body: method == "PUT" ? Data("player".utf8) : nil)
                let reply = try server.send(call, user: world.alphaPlayer)
                #expect(reply.status == 403, "alpha's player \(method) \(path): \(reply)")
                if path != "/webdav/alpha/own.txt" { answers.append(comparable(reply, path)) }
            }
            #expect(Set(answers).count == 1, "player \(method): the answers differ by path\n\(answers.joined(separator: "\n---\n"))")
        }
        // Nor may the player list the tenants (only admins see /webdav/ itself).
        let rootList = try server.send(HTTPCall("PROPFIND", "/webdav/", headers: ["Depth: 1"]), user: world.alphaPlayer)
        #expect(rootList.status == 403 && !rootList.text.contains("beta"), "\(rootList)")
        let recorderRootList = try server.send(HTTPCall("PROPFIND", "/webdav/", headers: ["Depth: 1"]), user: world.alphaRecorder)
        #expect(recorderRootList.status == 403 && !recorderRootList.text.contains("beta"),
                "a recorder must not enumerate tenants: \(recorderRootList)")

        #expect(try world.betaState() == betaBefore, "beta changed")
        let own = try server.send(HTTPCall("GET", "/webdav/alpha/own.txt"), user: world.alphaRecorder)
        #expect(own.status == 200 && own.text == "alpha's own file", "alpha's file changed: \(own)")
        #expect(try server.health() == 200)
    }

    // MARK: Inside the wall

    /// The same kinds of requests that are refused in beta all work in alpha.
    @Test func alphaRecorderHasEverythingInsideAlpha() throws {
        let world = try TenantWorld()
        defer { world.stop() }
        let server = world.server
        let user = world.alphaRecorder
        let xml = "Content-Type: application/xml; charset=utf-8"
        func call(_ call: HTTPCall, _ expected: Int...) throws -> Reply {
            let reply = try server.send(call, user: user)
            #expect(expected.contains(reply.status), "\(call.method) \(call.path): \(reply)")
            return reply
        }
        _ = try call(HTTPCall("MKCOL", "/webdav/alpha/calls"), 201)
        _ = try call(HTTPCall("PUT", "/webdav/alpha/calls/secret.txt", body: Data("alpha secret".utf8)), 201)
        #expect(try call(HTTPCall("GET", "/webdav/alpha/calls/secret.txt"), 200).text == "alpha secret")
        #expect(try call(HTTPCall("HEAD", "/webdav/alpha/calls/secret.txt"), 200).header("Content-Length") == "12")
        #expect(try call(HTTPCall("GET", "/webdav/alpha/calls/"), 200).text.contains("secret.txt"))
        _ = try call(HTTPCall("OPTIONS", "/webdav/alpha/calls/secret.txt"), 200)
        _ = try call(HTTPCall("PROPFIND", "/webdav/alpha/calls/secret.txt", headers: ["Depth: 0"]), 207)
        #expect(try call(HTTPCall("PROPFIND", "/webdav/alpha/calls/", headers: ["Depth: 1"]), 207).text.contains("/webdav/alpha/calls/secret.txt"))
        let patch = #"<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:x-test"><D:set><D:prop><X:note>mine</X:note></D:prop></D:set></D:propertyupdate>"#
        _ = try call(HTTPCall("PROPPATCH", "/webdav/alpha/calls/secret.txt", headers: [xml], body: Data(patch.utf8)), 207)
        #expect(try call(HTTPCall("PROPFIND", "/webdav/alpha/calls/secret.txt", headers: ["Depth: 0"]), 207).text.contains("mine"))
        let lockinfo = #"<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>"#
        let lock = try call(HTTPCall("LOCK", "/webdav/alpha/calls/secret.txt", headers: [xml], body: Data(lockinfo.utf8)), 200)
        let token = try #require(lock.header("Lock-Token"), "\(lock)")
        _ = try call(HTTPCall("PUT", "/webdav/alpha/calls/secret.txt", body: Data("refused".utf8)), 423)
        _ = try call(HTTPCall("PUT", "/webdav/alpha/calls/secret.txt", headers: ["If: (\(token))"], body: Data("alpha secret 2".utf8)), 204)
        _ = try call(HTTPCall("UNLOCK", "/webdav/alpha/calls/secret.txt", headers: ["Lock-Token: \(token)"]), 204)
        let lockNull = try call(HTTPCall("LOCK", "/webdav/alpha/calls/lock-null.txt", headers: [xml, "Depth: 0"], body: Data(lockinfo.utf8)), 201)
        _ = try call(HTTPCall("UNLOCK", "/webdav/alpha/calls/lock-null.txt", headers: ["Lock-Token: \(lockNull.header("Lock-Token") ?? "")"]), 204)
        _ = try call(HTTPCall("PUT", "/webdav/alpha/calls/chunked.txt", headers: ["Transfer-Encoding: chunked"], body: Data("chunks".utf8)), 201)
        _ = try call(HTTPCall("COPY", "/webdav/alpha/calls/secret.txt", headers: ["Destination: \(server.base)/webdav/alpha/copied.txt"]), 201)
        _ = try call(HTTPCall("MOVE", "/webdav/alpha/copied.txt", headers: ["Destination: /webdav/alpha/calls/moved.txt"]), 201)
        _ = try call(HTTPCall("MKCOL", "/webdav/alpha/calls/newdir"), 201)
        _ = try call(HTTPCall("COPY", "/webdav/alpha/calls/", headers: ["Destination: /webdav/alpha/calls-copy/"]), 201)
        _ = try call(HTTPCall("MOVE", "/webdav/alpha/calls-copy/", headers: ["Destination: \(server.base)/webdav/alpha/calls-moved/"]), 201)
        #expect(try call(HTTPCall("GET", "/webdav/alpha/calls-moved/moved.txt"), 200).text == "alpha secret 2")
        _ = try call(HTTPCall("DELETE", "/webdav/alpha/calls/secret.txt"), 204)
        _ = try call(HTTPCall("DELETE", "/webdav/alpha/calls/"), 204)
        _ = try call(HTTPCall("GET", "/webdav/alpha/calls/secret.txt"), 404)
        #expect(FileManager.default.fileExists(atPath: world.storage + "/alpha/calls-moved/moved.txt"))
        #expect(try server.health() == 200)
    }

    /// Admins reach every tenant (reading and writing); only they list `/webdav/`.
    @Test func adminReachesBothTenants() throws {
        let world = try TenantWorld()
        defer { world.stop() }
        let server = world.server
        let admin = world.admin
        let read = try server.send(HTTPCall("GET", "/webdav/beta/calls/secret.txt"), user: admin)
        #expect(read.status == 200 && read.text == world.betaSecret, "\(read)")
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/own.txt"), user: admin).text == "alpha's own file")
        for tenant in ["alpha", "beta"] {
            let put = try server.send(HTTPCall("PUT", "/webdav/\(tenant)/from-admin.txt", body: Data("admin".utf8)), user: admin)
            #expect(put.status == 201, "\(tenant): \(put)")
            let list = try server.send(HTTPCall("PROPFIND", "/webdav/\(tenant)/", headers: ["Depth: 1"]), user: admin)
            #expect(list.status == 207 && list.text.contains("/webdav/\(tenant)/from-admin.txt"), "\(tenant): \(list)")
        }
        let tenants = try server.send(HTTPCall("PROPFIND", "/webdav/", headers: ["Depth: 1"]), user: admin)
        #expect(tenants.status == 207 && tenants.text.contains("/webdav/alpha/") && tenants.text.contains("/webdav/beta/"), "\(tenants)")
        // Even an admin cannot move things across tenants through one request.
        let across = try server.send(HTTPCall("COPY", "/webdav/alpha/own.txt", headers: ["Destination: /webdav/beta/from-alpha.txt"]), user: admin)
        #expect(across.status == 403, "\(across)")
        let missing = try server.send(HTTPCall("GET", "/webdav/gamma/x"), user: admin)
        #expect(missing.status == 404, "\(missing)")
        // Beta's recorder sees the admin's file, and alpha's recorder still cannot.
        #expect(try server.send(HTTPCall("GET", "/webdav/beta/from-admin.txt"), user: world.betaRecorder).status == 200)
        #expect(try server.send(HTTPCall("GET", "/webdav/beta/from-admin.txt"), user: world.alphaRecorder).status == 404)
        #expect(try server.health() == 200)
    }
}

// MARK: - The world: a server with tenants alpha and beta

/// One request, with the path as sent (never normalised by curl).

/// One of the wall's requests, made for a layout.
private struct WallOperation {
    let name: String
    let expected: Int
    let make: (WallLayout) -> HTTPCall

    init(_ name: String, _ expected: Int, _ make: @escaping (WallLayout) -> HTTPCall) {
        self.name = name
        self.expected = expected
        self.make = make
    }
}

/// Where the wall's requests point: `/webdav/<tenant>/<collection>/...`.
private struct WallLayout {
    let tenant: String
    let collection: String
    var tenantRoot: String { "/webdav/\(tenant)/" }
    var collectionSlash: String { "/webdav/\(tenant)/\(collection)/" }
    var file: String { child("secret.txt") }
    func child(_ name: String) -> String { "/webdav/\(tenant)/\(collection)/\(name)" }
}





/// Tenants alpha and beta, a recorder for each, a player for alpha, and
/// beta's files: `calls/secret.txt` (with a dead property), `calls/sub/deep.txt`,
/// `calls/locked.txt` (locked by beta's recorder), `top.txt`.
private final class TenantWorld: @unchecked Sendable {
    // @unchecked Sendable: used by the one test that owns it.
    static let adminPassword = "wall admin password"
    let server: DAVServer
    let admin = "admin:\(TenantWorld.adminPassword)"
    var alphaRecorder = ""
    var betaRecorder = ""
    var alphaPlayer = ""
    var betaLockToken = ""
    var betaETag = ""
    let betaSecret = "beta's recording \(UUID().uuidString)"
    var storage: String { server.directory.file("data/storage") }

    init() throws {
        server = try DAVServer(name: "wall", adminPassword: Self.adminPassword)
        do {
            try setUp()
        } catch {
            server.stop()
            throw error
        }
    }

    private func setUp() throws {
        for name in ["alpha", "beta"] {
            let reply = try server.send(HTTPCall("POST", "/api/v1/tenants", headers: ["Content-Type: application/json"],
                                                 body: Data(#"{"name":"\#(name)"}"#.utf8)), user: admin)
            guard reply.status == 201 else { throw TestFailure("cannot create tenant \(name): \(reply)") }
        }
        alphaRecorder = try credential(role: "recorder", tenant: "alpha").login
        betaRecorder = try credential(role: "recorder", tenant: "beta").login
        alphaPlayer = try credential(role: "player", tenant: "alpha").login

        let xml = "Content-Type: application/xml; charset=utf-8"
        try expect(HTTPCall("MKCOL", "/webdav/beta/calls"), by: betaRecorder, 201)
        let put = try expect(HTTPCall("PUT", "/webdav/beta/calls/secret.txt", body: Data(betaSecret.utf8)), by: betaRecorder, 201)
        betaETag = put.header("ETag") ?? ""
        try expect(HTTPCall("MKCOL", "/webdav/beta/calls/sub"), by: betaRecorder, 201)
        try expect(HTTPCall("PUT", "/webdav/beta/calls/sub/deep.txt", body: Data("deep in beta".utf8)), by: betaRecorder, 201)
        try expect(HTTPCall("PUT", "/webdav/beta/calls/locked.txt", body: Data("locked in beta".utf8)), by: betaRecorder, 201)
        try expect(HTTPCall("PUT", "/webdav/beta/top.txt", body: Data("top of beta".utf8)), by: betaRecorder, 201)
        let patch = #"<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:B="urn:beta"><D:set><D:prop><B:caller>+41 00 000 00 00</B:caller></D:prop></D:set></D:propertyupdate>"#
        try expect(HTTPCall("PROPPATCH", "/webdav/beta/calls/secret.txt", headers: [xml], body: Data(patch.utf8)), by: betaRecorder, 207)
        let lockinfo = #"<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>beta</D:owner></D:lockinfo>"#
        let lock = try expect(HTTPCall("LOCK", "/webdav/beta/calls/locked.txt", headers: [xml, "Depth: 0", "Timeout: Second-3600"],
                                       body: Data(lockinfo.utf8)), by: betaRecorder, 200)
        betaLockToken = (lock.header("Lock-Token") ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        guard !betaLockToken.isEmpty, !betaETag.isEmpty else { throw TestFailure("no lock token or ETag: \(lock)") }

        try expect(HTTPCall("PUT", "/webdav/alpha/own.txt", body: Data("alpha's own file".utf8)), by: alphaRecorder, 201)
        try expect(HTTPCall("MKCOL", "/webdav/alpha/owndir"), by: alphaRecorder, 201)
        try expect(HTTPCall("PUT", "/webdav/alpha/owndir/inside.txt", body: Data("alpha inside".utf8)), by: alphaRecorder, 201)
    }

    func stop() { server.stop() }

    @discardableResult
    func expect(_ call: HTTPCall, by user: String, _ status: Int) throws -> Reply {
        let reply = try server.send(call, user: user)
        guard reply.status == status else { throw TestFailure("set-up \(call.method) \(call.path) gave \(reply), not \(status)") }
        return reply
    }

    /// A new credential: its id and `username:secret`.
    func credential(role: String, tenant: String) throws -> (id: String, login: String) {
        let reply = try server.send(HTTPCall("POST", "/api/v1/credentials", headers: ["Content-Type: application/json"],
                                             body: Data(#"{"role":"\#(role)","tenant":"\#(tenant)"}"#.utf8)), user: admin)
        guard reply.status == 201,
              let object = try JSONSerialization.jsonObject(with: reply.body) as? [String: Any],
              let id = object["id"] as? String, let username = object["username"] as? String, let secret = object["secret"] as? String
        else { throw TestFailure("cannot create a \(role) credential for \(tenant): \(reply)") }
        return (id, "\(username):\(secret)")
    }

    /// What beta's recorder sees (a full listing, every file's bytes) and
    /// what is on disk under `storage/beta`.
    struct State: Equatable {
        let listing: String
        let contents: [String: String]
        let disk: [String: String]

        /// What differs, for failure messages.
        func difference(_ other: State) -> String {
            var lines: [String] = []
            if listing != other.listing { lines.append("listing before:\n\(listing)\nlisting after:\n\(other.listing)") }
            for key in Set(contents.keys).union(other.contents.keys).sorted() where contents[key] != other.contents[key] {
                lines.append("\(key): \(contents[key] ?? "-") -> \(other.contents[key] ?? "-")")
            }
            for key in Set(disk.keys).union(other.disk.keys).sorted() where disk[key] != other.disk[key] {
                lines.append("disk \(key): \((disk[key] ?? "-").prefix(80)) -> \((other.disk[key] ?? "-").prefix(80))")
            }
            return lines.joined(separator: "\n")
        }
    }

    func betaState() throws -> State {
        let list = try server.send(HTTPCall("PROPFIND", "/webdav/beta/", headers: ["Depth: infinity"]), user: betaRecorder)
        guard list.status == 207 else { throw TestFailure("beta cannot list itself: \(list)") }
        var contents: [String: String] = [:]
        for path in ["/webdav/beta/calls/secret.txt", "/webdav/beta/calls/sub/deep.txt", "/webdav/beta/calls/locked.txt", "/webdav/beta/top.txt"] {
            let reply = try server.send(HTTPCall("GET", path), user: betaRecorder)
            contents[path] = reply.fingerprint([])
        }
        return State(listing: list.text, contents: contents, disk: Self.tree(storage + "/beta"))
    }

    /// Alpha on disk (the wall must not let anything of beta in).
    func alphaState() throws -> [String: String] { Self.tree(storage + "/alpha") }

    /// Beta's recorder unlocks and deletes `calls/`: the wall test's "does not exist any more".
    func betaRemovesItsCollection() throws {
        try expect(HTTPCall("UNLOCK", "/webdav/beta/calls/locked.txt", headers: ["Lock-Token: <\(betaLockToken)>"]), by: betaRecorder, 204)
        try expect(HTTPCall("DELETE", "/webdav/beta/calls/"), by: betaRecorder, 204)
    }

    /// Every entry below `root` (not following links): kind, size, bytes, modification time.
    static func tree(_ root: String) -> [String: String] {
        var result: [String: String] = [:]
        func walk(_ relative: String) {
            let path = relative.isEmpty ? root : "\(root)/\(relative)"
            var info = stat()
            guard lstat(path, &info) == 0 else { return }
            let modified = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                result[relative] = "dir \(modified)"
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() {
                    walk(relative.isEmpty ? name : "\(relative)/\(name)")
                }
            case S_IFLNK:
                result[relative] = "link -> \((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")"
            default:
                let bytes = FileManager.default.contents(atPath: path) ?? Data()
                result[relative] = "file \(info.st_size) \(modified) \(bytes.base64EncodedString())"
            }
        }
        walk("")
        return result
    }
}
