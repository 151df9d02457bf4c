#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RCSTestSupport
import Testing

/// Hostile input against the real `rcs serve`: traversal attempts, symbolic
/// links planted in storage, oversized bodies (413), billion-laughs and XXE
/// bodies, malformed XML (400), unknown methods (405), malformed If and Range
/// headers. Every test ends with the server still healthy.
@Suite(.serialized) struct WebDAVHostileInputTests {
    // MARK: Paths

    /// Paths that try to leave the tenant's storage (or name reserved, odd or
    /// oversized things): every method answers 4xx, and nothing changes on
    /// disk, inside alpha's storage or outside it.
    @Test func traversalAndOddPathsAreRefusedAndTouchNothing() throws {
        let world = try HostileWorld()
        defer { world.stop() }
        let server = world.server
        let hostile: [String] = [
            "/webdav/alpha/..", "/webdav/alpha/../", "/webdav/alpha/../beta/calls/secret.txt", "/webdav/alpha/../beta/x",
            "/webdav/alpha/../../rcs.sqlite", "/webdav/alpha/../../../keystore/", "/webdav/alpha/frag/../../beta/calls/secret.txt",
            "/webdav/alpha/%2e%2e", "/webdav/alpha/%2e%2e/beta/calls/secret.txt", "/webdav/alpha/%2E%2E/", "/webdav/alpha/%2E%2E/%2E%2E/rcs.sqlite",
            "/webdav/alpha/.%2e/beta/calls/secret.txt", "/webdav/alpha/%2e./beta/x", "/webdav/alpha/..%2Fbeta%2Fcalls%2Fsecret.txt",
            "/webdav/alpha/a%2Fb", "/webdav/alpha/a%2fb", "/webdav/alpha/%2F..%2F..%2Fbeta%2Fx",
            "/webdav/alpha/a%00b", "/webdav/alpha/own.txt%00.wav", "/webdav/alpha/%00",
            "/webdav/alpha/a\\b", "/webdav/alpha/..\\beta\\calls\\secret.txt", "/webdav/alpha/a%5Cb", "/webdav/alpha/%5C..%5C..%5Cbeta%5Cx",
            "/webdav/alpha/./own.txt", "/webdav/alpha/%2e/own.txt", "/webdav/alpha/frag/./x",
            "/webdav/./alpha/own.txt", "/webdav/../webdav/beta/calls/secret.txt", "/webdav/%2e%2e/data/x", "/webdav/alpha%2F..%2Fbeta/calls/secret.txt",
            "/webdav/..%2Fdata/x", "/webdav/ALPHA/x", "/webdav/-alpha/x",
            "/webdav/alpha/a%0Ab", "/webdav/alpha/a%0D%0AX-Injected:%20yes", "/webdav/alpha/a%7Fb", "/webdav/alpha/a%01b", "/webdav/alpha/%ff%fe",
            "/webdav/alpha/" + String(repeating: "a", count: 256), "/webdav/alpha/" + String(repeating: "%C3%A9", count: 128),
            "/webdav/alpha/" + String(repeating: "d/", count: 70) + "x", "/webdav/alpha/" + String(repeating: "a", count: 100_000),
            "/webdav/alpha/.rcs-upload-x", "/webdav/alpha/%2Ercs-upload-x", "/webdav/alpha/.rcs-", "/webdav/alpha/frag/.rcs-x",
            "/webdav/alpha/.rcs-x/own.txt",
        ]
        let before = world.snapshotOutsideDatabase()
        for path in hostile {
            let shown = path.count > 120 ? String(path.prefix(60)) + "…(\(path.count) chars)" : path
            let calls = [
                HTTPCall("GET", path), HTTPCall("HEAD", path), HTTPCall("PUT", path, body: Data("escaped".utf8)),
                HTTPCall("DELETE", path), HTTPCall("MKCOL", path), HTTPCall("PROPFIND", path, headers: ["Depth: 1"]),
                HTTPCall("COPY", "/webdav/alpha/own.txt", headers: ["Destination: \(path)"]),
                HTTPCall("MOVE", "/webdav/alpha/own.txt", headers: ["Destination: \(server.base)\(path)"]),
            ]
            for call in calls {
                let reply = try server.send(call, user: world.alphaRecorder)
                #expect((400..<500).contains(reply.status), "\(call.method) \(shown) \(call.headers): \(reply.description.prefix(300))")
                #expect(reply.header("X-Injected") == nil, "a header was injected: \(reply)")
                #expect(!reply.text.contains(world.betaSecret) && !reply.text.contains("root:x:0:0"), "\(call.method) \(shown) leaked: \(reply)")
            }
        }

        // Requests curl cannot express: a fragment, raw NUL and control bytes,
        // dot segments in the absolute form, a raw space.
        let auth = "Authorization: Basic " + Data(world.alphaRecorder.utf8).base64EncodedString()
        let raw: [(String, [UInt8])] = [
            ("DELETE with a fragment (litmus delete_fragment)", Array("DELETE /webdav/alpha/frag/#ment HTTP/1.1\r\nHost: x\r\n\(auth)\r\nConnection: close\r\n\r\n".utf8)),
            ("PUT with a fragment", Array("PUT /webdav/alpha/frag/x#/../../../beta/calls/secret.txt HTTP/1.1\r\nHost: x\r\n\(auth)\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc".utf8)),
            ("GET with a fragment", Array("GET /webdav/alpha/own.txt#x HTTP/1.1\r\nHost: x\r\n\(auth)\r\nConnection: close\r\n\r\n".utf8)),
            ("raw NUL", Array("GET /webdav/alpha/a".utf8) + [0] + Array("b HTTP/1.1\r\nHost: x\r\n\(auth)\r\nConnection: close\r\n\r\n".utf8)),
            ("raw control byte", Array("PUT /webdav/alpha/a".utf8) + [1] + Array("b HTTP/1.1\r\nHost: x\r\n\(auth)\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx".utf8)),
            ("absolute form with dot segments",
             Array("GET http://127.0.0.1:\(server.running.port)/webdav/alpha/../beta/calls/secret.txt HTTP/1.1\r\nHost: x\r\n\(auth)\r\nConnection: close\r\n\r\n".utf8)),
            ("absolute form, encoded dot segments",
             Array("PUT http://127.0.0.1:\(server.running.port)/webdav/alpha/%2e%2e/beta/planted.txt HTTP/1.1\r\nHost: x\r\n\(auth)\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc".utf8)),
            ("raw backslashes", Array("GET /webdav/alpha/..\\..\\beta\\calls\\secret.txt HTTP/1.1\r\nHost: x\r\n\(auth)\r\nConnection: close\r\n\r\n".utf8)),
            ("raw space", Array("GET /webdav/alpha/a b HTTP/1.1\r\nHost: x\r\n\(auth)\r\nConnection: close\r\n\r\n".utf8)),
        ]
        for (name, bytes) in raw {
            let reply = try rawExchange(port: server.running.port, bytes)
            #expect((400..<500).contains(reply.status), "\(name): \(reply.head.prefix(300)) \(reply.body.prefix(300))")
            #expect(!reply.body.contains(world.betaSecret), "\(name) leaked beta's file")
        }

        let after = world.snapshotOutsideDatabase()
        #expect(after == before, "files changed:\n\(HostileWorld.difference(before, after))")
        #expect(FileManager.default.fileExists(atPath: world.storage + "/alpha/frag"), "DELETE …/frag/#ment deleted frag/")
        #expect(try server.health() == 200)
    }

    // MARK: Symbolic links

    /// Links planted directly in `storage/alpha/` (to /etc, /etc/passwd, beta's
    /// directory, a file and a directory outside) are never followed: not by
    /// GET, HEAD, PUT, PROPFIND, PROPPATCH, DELETE, MKCOL, LOCK, COPY or MOVE.
    /// Write attempts only ever aim at links to the test's own files.
    @Test func plantedSymbolicLinksAreNeverFollowed() throws {
        let world = try HostileWorld()
        defer { world.stop() }
        let server = world.server
        let fm = FileManager.default
        let alpha = world.storage + "/alpha"
        let outsideFile = world.server.directory.file("outside.txt")
        let outsideDirectory = world.server.directory.file("outside-dir")
        try Data("outside, untouched".utf8).write(to: URL(fileURLWithPath: outsideFile))
        try fm.createDirectory(atPath: outsideDirectory, withIntermediateDirectories: true)
        // Links to the system go first, before anything else removes a directory holding them.
        defer {
            for link in ["etc", "passwd", "betadir", "relbeta", "outside.txt", "outdir", "sub/link", "submoved/link", "subcopy/link"] {
                unlink(alpha + "/" + link)
            }
        }
        try fm.createSymbolicLink(atPath: alpha + "/etc", withDestinationPath: "/etc")
        try fm.createSymbolicLink(atPath: alpha + "/passwd", withDestinationPath: "/etc/passwd")
        try fm.createSymbolicLink(atPath: alpha + "/betadir", withDestinationPath: world.storage + "/beta")
        try fm.createSymbolicLink(atPath: alpha + "/relbeta", withDestinationPath: "../beta")
        try fm.createSymbolicLink(atPath: alpha + "/outside.txt", withDestinationPath: outsideFile)
        try fm.createSymbolicLink(atPath: alpha + "/outdir", withDestinationPath: outsideDirectory)
        try fm.createDirectory(atPath: alpha + "/sub", withIntermediateDirectories: false)
        try fm.createSymbolicLink(atPath: alpha + "/sub/link", withDestinationPath: world.storage + "/beta/calls")
        try fm.createDirectory(atPath: alpha + "/hidden", withIntermediateDirectories: false)
        try Data("visible".utf8).write(to: URL(fileURLWithPath: alpha + "/hidden/visible.txt"))
        try Data("planted temp".utf8).write(to: URL(fileURLWithPath: alpha + "/hidden/.rcs-upload-planted"))
        let passwd = fm.contents(atPath: "/etc/passwd") ?? Data()
        let betaBefore = HostileWorld.tree(world.storage + "/beta")
        let lockinfo = #"<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>"#
        let proppatch = #"<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><X:x xmlns:X="urn:x">y</X:x></D:prop></D:set></D:propertyupdate>"#
        let xml = "Content-Type: application/xml"

        // Reading through links to the system: read-only requests only.
        var refused: [HTTPCall] = []
        for path in ["/webdav/alpha/etc", "/webdav/alpha/etc/", "/webdav/alpha/etc/passwd", "/webdav/alpha/etc/hostname", "/webdav/alpha/passwd"] {
            refused += [HTTPCall("GET", path), HTTPCall("HEAD", path), HTTPCall("PROPFIND", path, headers: ["Depth: 0"]),
                        HTTPCall("PROPFIND", path, headers: ["Depth: 1"]),
                        HTTPCall("COPY", path, headers: ["Destination: /webdav/alpha/stolen-\(refused.count)"])]
        }
        // Reading and writing through links to beta and to the test's own files.
        for path in ["/webdav/alpha/betadir", "/webdav/alpha/betadir/calls/secret.txt", "/webdav/alpha/relbeta/calls/secret.txt",
                     "/webdav/alpha/sub/link/secret.txt", "/webdav/alpha/outside.txt", "/webdav/alpha/outdir", "/webdav/alpha/outdir/new.txt"] {
            refused += [
                HTTPCall("GET", path), HTTPCall("HEAD", path), HTTPCall("PROPFIND", path, headers: ["Depth: 1"]),
                HTTPCall("PUT", path, body: Data("written through a link".utf8)),
                HTTPCall("PUT", path + "/child.txt", body: Data("written through a link".utf8)),
                HTTPCall("MKCOL", path + "/newdir"), HTTPCall("DELETE", path),
                HTTPCall("PROPPATCH", path, headers: [xml], body: Data(proppatch.utf8)),
                HTTPCall("LOCK", path, headers: [xml], body: Data(lockinfo.utf8)),
                HTTPCall("LOCK", path + "/locknull.txt", headers: [xml], body: Data(lockinfo.utf8)),
                HTTPCall("COPY", path, headers: ["Destination: /webdav/alpha/stolen-\(refused.count)"]),
                HTTPCall("MOVE", path, headers: ["Destination: /webdav/alpha/moved-\(refused.count)"]),
                HTTPCall("COPY", "/webdav/alpha/own.txt", headers: ["Destination: \(path)", "Overwrite: T"]),
                HTTPCall("COPY", "/webdav/alpha/own.txt", headers: ["Destination: \(path)/copied.txt"]),
                HTTPCall("MOVE", "/webdav/alpha/frag/", headers: ["Destination: \(server.base)\(path)", "Overwrite: T"]),
            ]
        }
        for call in refused {
            let reply = try server.send(call, user: world.alphaRecorder)
            #expect((400..<500).contains(reply.status), "\(call.method) \(call.path) \(call.headers) through a link: \(reply)")
            #expect(!reply.text.contains("root:x:0:0") && !reply.text.contains(world.betaSecret) && !reply.text.contains("outside, untouched"),
                    "\(call.method) \(call.path) read through a link: \(reply)")
        }

        // Listings show links at most as names, never what is behind them.
        for (method, path, headers) in [("PROPFIND", "/webdav/alpha/", ["Depth: 1"]), ("PROPFIND", "/webdav/alpha/", ["Depth: infinity"]),
                                        ("GET", "/webdav/alpha/", []), ("PROPFIND", "/webdav/alpha/sub/", ["Depth: 1"])] {
            let reply = try server.send(HTTPCall(method, path, headers: headers), user: world.alphaRecorder)
            // A link in a collection does not break its listing: links are simply not listed.
            #expect(reply.status == 200 || reply.status == 207, "\(method) \(path) \(headers): \(reply)")
            for leak in ["/webdav/alpha/etc/", "/webdav/alpha/betadir/", "/webdav/alpha/relbeta/", "/webdav/alpha/sub/link/", "/webdav/alpha/outdir/",
                         "secret.txt", world.betaSecret, "root:x:0:0", "hostname"] {
                #expect(!reply.text.contains(leak), "\(method) \(path) \(headers) shows \(leak) behind a link: \(reply)")
            }
        }
        // RCS's own temporary names are neither listed nor reachable.
        let hidden = try server.send(HTTPCall("PROPFIND", "/webdav/alpha/hidden/", headers: ["Depth: 1"]), user: world.alphaRecorder)
        #expect(hidden.status == 207 && hidden.text.contains("visible.txt") && !hidden.text.contains(".rcs-"), "\(hidden)")
        let hiddenIndex = try server.send(HTTPCall("GET", "/webdav/alpha/hidden/"), user: world.alphaRecorder)
        #expect(hiddenIndex.status == 200 && !hiddenIndex.text.contains(".rcs-"), "\(hiddenIndex)")
        let temp = try server.send(HTTPCall("GET", "/webdav/alpha/hidden/.rcs-upload-planted"), user: world.alphaRecorder)
        #expect(temp.status == 400 && !temp.text.contains("planted temp"), "\(temp)")

        // A collection holding a link: copying it never copies what the link points at;
        // deleting it removes the link, not its target.
        let copied = try server.send(HTTPCall("COPY", "/webdav/alpha/sub/", headers: ["Destination: /webdav/alpha/subcopy/"]), user: world.alphaRecorder)
        #expect(copied.status == 201, "a collection holding a link copies whole, without the link: \(copied)")
        _ = try server.send(HTTPCall("MOVE", "/webdav/alpha/sub/", headers: ["Destination: /webdav/alpha/submoved/"]), user: world.alphaRecorder)
        let deleted = try server.send(HTTPCall("DELETE", "/webdav/alpha/submoved/"), user: world.alphaRecorder)
        #expect(deleted.status == 204, "\(deleted)")

        #expect(HostileWorld.tree(world.storage + "/beta") == betaBefore, "beta's storage changed through a link")
        #expect(fm.contents(atPath: outsideFile) == Data("outside, untouched".utf8), "a file outside storage was written through a link")
        #expect((try? fm.contentsOfDirectory(atPath: outsideDirectory)) == [], "something was created outside storage through a link")
        #expect(fm.contents(atPath: "/etc/passwd") == passwd)
        for (path, entry) in HostileWorld.tree(alpha) where entry.hasPrefix("file ") {
            let bytes = fm.contents(atPath: alpha + "/" + path) ?? Data()
            #expect(!String(decoding: bytes, as: UTF8.self).contains(world.betaSecret), "beta's secret was copied into alpha as \(path)")
            #expect(!String(decoding: bytes, as: UTF8.self).contains("root:x:0:0"), "/etc/passwd was copied into alpha as \(path)")
        }
        #expect(try server.health() == 200)
    }

    // MARK: Upload limits

    /// With RCS_MAX_UPLOAD_BYTES=1 MiB: 413 for a declared length over it (at
    /// once, before any body byte), for a chunked body that grows over it and
    /// over an existing file (which stays as it was); nothing is left behind.
    @Test func uploadsOverTheLimitAre413AndLeaveNothing() throws {
        let limit = 1 << 20
        let world = try HostileWorld(environment: ["RCS_MAX_UPLOAD_BYTES": String(limit)])
        defer { world.stop() }
        let server = world.server
        let big = Data((0..<(2 * limit)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let justOver = big.prefix(limit + 1)
        let exact = big.prefix(limit)

        let declared = try server.send(HTTPCall("PUT", "/webdav/alpha/over-declared.bin", body: justOver), user: world.alphaRecorder)
        #expect(declared.status == 413, "Content-Length \(limit + 1): \(declared)")
        let noExpect = try server.send(HTTPCall("PUT", "/webdav/alpha/over-no-expect.bin", headers: ["Expect:"], body: big), user: world.alphaRecorder)
        #expect(noExpect.status == 413, "Content-Length \(2 * limit) without Expect: \(noExpect)")
        let chunked = try server.send(HTTPCall("PUT", "/webdav/alpha/over-chunked.bin", headers: ["Transfer-Encoding: chunked"], body: big),
                                      user: world.alphaRecorder)
        #expect(chunked.status == 413, "chunked \(2 * limit): \(chunked)")
        let chunkedJustOver = try server.send(HTTPCall("PUT", "/webdav/alpha/over-chunked-1.bin", headers: ["Transfer-Encoding: chunked"],
                                                       body: justOver), user: world.alphaRecorder)
        #expect(chunkedJustOver.status == 413, "chunked \(limit + 1): \(chunkedJustOver)")
        let overwrite = try server.send(HTTPCall("PUT", "/webdav/alpha/own.txt", headers: ["Transfer-Encoding: chunked"], body: big),
                                        user: world.alphaRecorder)
        #expect(overwrite.status == 413, "chunked over an existing file: \(overwrite)")
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/own.txt"), user: world.alphaRecorder).text == "0123456789",
                "a refused upload changed the existing file")

        // A declared 10 GiB of which one byte comes: refused at once, the rest never waited for.
        // (One byte: the front hands a request to the application with its first body byte.)
        let auth = "Authorization: Basic " + Data(world.alphaRecorder.utf8).base64EncodedString()
        let started = ContinuousClock.now
        let huge = try rawExchange(port: server.running.port, Array(
            "PUT /webdav/alpha/huge.bin HTTP/1.1\r\nHost: x\r\n\(auth)\r\nContent-Length: 10737418240\r\nConnection: close\r\n\r\nx".utf8), timeout: 10)
        #expect(huge.status == 413, "Content-Length 10 GiB, one byte sent (answered after \(ContinuousClock.now - started)): \(huge.head)")

        // Exactly the limit is fine, both ways.
        let fits = try server.send(HTTPCall("PUT", "/webdav/alpha/exact.bin", body: exact), user: world.alphaRecorder)
        #expect(fits.status == 201, "\(fits)")
        let fitsChunked = try server.send(HTTPCall("PUT", "/webdav/alpha/exact-chunked.bin", headers: ["Transfer-Encoding: chunked"], body: exact),
                                          user: world.alphaRecorder)
        #expect(fitsChunked.status == 201, "\(fitsChunked)")
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/exact-chunked.bin"), user: world.alphaRecorder).body == exact)

        usleep(200_000) // a refused upload's clean-up may finish just after the answer
        let files = HostileWorld.tree(world.storage)
        for name in ["over-declared.bin", "over-no-expect.bin", "over-chunked.bin", "over-chunked-1.bin", "huge.bin"] {
            #expect(files["alpha/\(name)"] == nil, "\(name) exists after a 413")
        }
        let leftovers = files.keys.filter { $0.split(separator: "/").contains { $0.hasPrefix(".rcs-") } }
        #expect(leftovers.isEmpty, "temporary upload files left behind: \(leftovers)")
        #expect(try server.health() == 200)
    }

    // MARK: XML entity attacks

    /// Billion laughs, quadratic blow-up and XXE (file, http, parameter
    /// entities, external DTD subsets, a FIFO that would hang a reader) in
    /// PROPFIND, PROPPATCH and LOCK bodies, in UTF-8 and in UTF-16: 400, fast,
    /// nothing fetched, /etc/passwd never echoed, and nothing stored that
    /// would make a later PROPFIND answer ill-formed.
    @Test func entityAttacksAreRefused() throws {
        let world = try HostileWorld()
        defer { world.stop() }
        let server = world.server
        let listener = try Listener()
        let fifo = world.server.directory.file("xxe.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { releaseFIFO(fifo) }
        let target = "http://127.0.0.1:\(listener.port)"
        let cleanListing = try server.send(HTTPCall("PROPFIND", "/webdav/alpha/xml/", headers: ["Depth: 1"]), user: world.alphaRecorder)
        #expect(cleanListing.status == 207 && isWellFormedXML(cleanListing.body), "sanity: a listing is well-formed XML: \(cleanListing)")

        let lol = "<!ENTITY lol \"lol\">" + (1...9).map { level in
            "<!ENTITY lol\(level) \"" + String(repeating: level == 1 ? "&lol;" : "&lol\(level - 1);", count: 10) + "\">"
        }.joined()
        let bigEntity = "<!ENTITY a \"" + String(repeating: "A", count: 50_000) + "\">"
        // (name, DOCTYPE, payload inside the body)
        let attacks: [(String, String, String)] = [
            ("billion laughs", "<!DOCTYPE r [\(lol)]>", "&lol9;"),
            ("billion laughs in an attribute", "<!DOCTYPE r [\(lol)]>", #"<X:q xmlns:X="urn:x" v="&lol9;"/>"#),
            ("quadratic blow-up", "<!DOCTYPE r [\(bigEntity)]>", String(repeating: "&a;", count: 10_000)),
            ("quadratic blow-up in an attribute", "<!DOCTYPE r [\(bigEntity)]>",
             #"<X:q xmlns:X="urn:x" v=""# + String(repeating: "&a;", count: 10_000) + #""/>"#),
            ("XXE file:///etc/passwd", #"<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#, "&xxe;"),
            ("XXE http", #"<!DOCTYPE r [<!ENTITY xxe SYSTEM "\#(target)/general">]>"#, "&xxe;"),
            ("XXE FIFO", #"<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://\#(fifo)">]>"#, "&xxe;"),
            ("XXE parameter entity, file", #"<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>"#, "x"),
            ("XXE parameter entity, http", #"<!DOCTYPE r [<!ENTITY % p SYSTEM "\#(target)/parameter"> %p;]>"#, "x"),
            ("XXE parameter entity, FIFO", #"<!DOCTYPE r [<!ENTITY % p SYSTEM "file://\#(fifo)"> %p;]>"#, "x"),
            ("external DTD subset, file", #"<!DOCTYPE r SYSTEM "file:///etc/passwd">"#, "x"),
            ("external DTD subset, http", #"<!DOCTYPE r PUBLIC "-//X//Y//EN" "\#(target)/external">"#, "x"),
            ("internal entity echoed from an attribute", #"<!DOCTYPE r [<!ENTITY e "injected">]>"#, #"<X:q xmlns:X="urn:x" v="&e;"/>"#),
            ("a bare DOCTYPE", "<!DOCTYPE r>", "x"),
        ]
        let bodies: [(method: String, path: String, wrap: (String) -> String)] = [
            ("PROPFIND", "/webdav/alpha/xml/", { #"<D:propfind xmlns:D="DAV:"><D:prop><X:p xmlns:X="urn:x">\#($0)</X:p></D:prop></D:propfind>"# }),
            ("PROPPATCH", "/webdav/alpha/xml/patched.txt",
             { #"<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><X:p xmlns:X="urn:x">\#($0)</X:p></D:prop></D:set></D:propertyupdate>"# }),
            ("LOCK", "/webdav/alpha/xml/locked.txt",
             { #"<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>\#($0)</D:owner></D:lockinfo>"# }),
        ]
        for (name, doctype, payload) in attacks {
            for body in bodies {
                for utf16 in [false, true] {
                    let document = "<?xml version=\"1.0\" encoding=\"\(utf16 ? "UTF-16" : "UTF-8")\"?>\n\(doctype)\n\(body.wrap(payload))"
                    let bytes = utf16 ? document.data(using: .utf16)! : Data(document.utf8)
                    let started = ContinuousClock.now
                    let reply = try server.send(HTTPCall(body.method, body.path, headers: ["Depth: 0", "Content-Type: application/xml"], body: bytes),
                                                user: world.alphaRecorder)
                    let elapsed = ContinuousClock.now - started
                    #expect(reply.status == 400,
                            "\(name), \(body.method), \(utf16 ? "UTF-16" : "UTF-8") (\(bytes.count) bytes, answered after \(elapsed)): \(reply)")
                    #expect(!reply.text.contains("root:x:0:0") && !reply.text.contains("lollollol") && !reply.text.contains("AAAAAAAAAA"),
                            "\(name), \(body.method), \(utf16 ? "UTF-16" : "UTF-8") echoed expanded content: \(reply.description.prefix(300))")
                }
            }
        }
        // XInclude is not processed either (no DTD, well-formed: it may be stored, never included).
        let xinclude = #"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><X:p xmlns:X="urn:x"><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/></X:p></D:prop></D:set></D:propertyupdate>"#
        let included = try server.send(HTTPCall("PROPPATCH", "/webdav/alpha/xml/xinclude.txt", headers: ["Content-Type: application/xml"],
                                                body: Data(xinclude.utf8)), user: world.alphaRecorder)
        #expect(!included.text.contains("root:x:0:0"), "\(included)")

        #expect(listener.connectionsSoFar() == 0, "the server fetched an external entity or DTD over the network")
        // Whatever was accepted, the listing stays well-formed XML and free of /etc/passwd.
        let listing = try server.send(HTTPCall("PROPFIND", "/webdav/alpha/xml/", headers: ["Depth: 1"]), user: world.alphaRecorder)
        #expect(listing.status == 207, "\(listing)")
        #expect(!listing.text.contains("root:x:0:0"), "/etc/passwd is in a listing")
        #expect(isWellFormedXML(listing.body), "a PROPFIND answer is not well-formed XML any more (something stored echoes an entity):\n\(listing.text)")
        #expect(try server.health() == 200)
    }

    // MARK: Malformed XML

    /// Malformed bodies, wrong roots, namespace errors, deep nesting, too many
    /// elements: 400; an XML body over 1 MiB: 413 (or 400).
    @Test func malformedXMLIs400() throws {
        let world = try HostileWorld()
        defer { world.stop() }
        let server = world.server
        let dav = #"xmlns:D="DAV:""#
        let malformed: [(String, Data)] = [
            ("unclosed", Data("<D:propfind \(dav)><D:prop>".utf8)),
            ("not XML", Data("hello, server".utf8)),
            ("only a declaration", Data(#"<?xml version="1.0"?>"#.utf8)),
            ("undeclared prefix", Data("<D:propfind \(dav)><x:prop/></D:propfind>".utf8)),
            ("undeclared root prefix", Data("<D:propfind><D:allprop/></D:propfind>".utf8)),
            ("xmlns:x=\"\"", Data(#"<D:propfind xmlns:D="DAV:" xmlns:x=""><D:allprop/></D:propfind>"#.utf8)),
            ("nested 10,000 deep", Data(("<D:propfind \(dav)><D:prop>" + String(repeating: "<D:a>", count: 10_000)
                                         + String(repeating: "</D:a>", count: 10_000) + "</D:prop></D:propfind>").utf8)),
            ("nested 70 deep", Data(("<D:propfind \(dav)><D:prop>" + String(repeating: "<D:a>", count: 70)
                                     + String(repeating: "</D:a>", count: 70) + "</D:prop></D:propfind>").utf8)),
            ("20,000 elements", Data(("<D:propfind \(dav)><D:prop>" + String(repeating: "<D:a/>", count: 20_000) + "</D:prop></D:propfind>").utf8)),
            ("a NUL byte", Data("<D:propfind \(dav)>".utf8) + Data([0]) + Data("</D:propfind>".utf8)),
            ("invalid UTF-8", Data("<D:propfind \(dav)><D:prop><X:a xmlns:X=\"urn:x\">".utf8) + Data([0xC3, 0x28, 0xFF]) + Data("</X:a></D:prop></D:propfind>".utf8)),
            ("two roots", Data("<D:propfind \(dav)><D:allprop/></D:propfind><D:propfind \(dav)/>".utf8)),
            ("mismatched tags", Data("<D:propfind \(dav)><D:prop></D:propfind></D:prop>".utf8)),
            ("unknown entity", Data("<D:propfind \(dav)><D:prop><X:a xmlns:X=\"urn:x\">&nope;</X:a></D:prop></D:propfind>".utf8)),
            ("root not in DAV:", Data(#"<propfind xmlns="urn:not-dav"><allprop/><prop/><lockscope/><set/></propfind>"#.utf8)),
            ("root without namespace", Data("<propfind><allprop/></propfind>".utf8)),
        ]
        for (name, bytes) in malformed {
            for (method, path) in [("PROPFIND", "/webdav/alpha/own.txt"), ("PROPPATCH", "/webdav/alpha/own.txt"), ("LOCK", "/webdav/alpha/own.txt")] {
                let started = ContinuousClock.now
                let reply = try server.send(HTTPCall(method, path, headers: ["Depth: 0", "Content-Type: application/xml"], body: bytes),
                                            user: world.alphaRecorder)
                #expect(reply.status == 400, "\(name), \(method) (answered after \(ContinuousClock.now - started)): \(reply)")
            }
        }
        // The wrong DAV: root for each method.
        let roots = ["propfind": "<D:propfind \(dav)><D:allprop/></D:propfind>",
                     "propertyupdate": "<D:propertyupdate \(dav)><D:set><D:prop><D:x/></D:prop></D:set></D:propertyupdate>",
                     "lockinfo": "<D:lockinfo \(dav)><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>",
                     "foo": "<D:foo \(dav)/>"]
        for (method, right) in [("PROPFIND", "propfind"), ("PROPPATCH", "propertyupdate"), ("LOCK", "lockinfo")] {
            for (root, body) in roots where root != right {
                let reply = try server.send(HTTPCall(method, "/webdav/alpha/own.txt", headers: ["Depth: 0", "Content-Type: application/xml"],
                                                     body: Data(body.utf8)), user: world.alphaRecorder)
                #expect(reply.status == 400, "\(method) with a DAV:\(root) body: \(reply)")
            }
        }
        // Over 1 MiB of XML.
        let huge = Data(("<D:propfind \(dav)><D:prop><X:a xmlns:X=\"urn:x\">" + String(repeating: "x", count: (1 << 20) + 1000)
                         + "</X:a></D:prop></D:propfind>").utf8)
        for method in ["PROPFIND", "PROPPATCH", "LOCK"] {
            for chunked in [false, true] {
                let reply = try server.send(HTTPCall(method, "/webdav/alpha/own.txt",
                                                     headers: ["Content-Type: application/xml"] + (chunked ? ["Transfer-Encoding: chunked"] : []),
                                                     body: huge), user: world.alphaRecorder)
                #expect(reply.status == 413 || reply.status == 400, "\(method) with \(huge.count) bytes of XML\(chunked ? ", chunked" : ""): \(reply)")
            }
        }
        // None of it locked or changed anything.
        let after = try server.send(HTTPCall("PROPFIND", "/webdav/alpha/own.txt", headers: ["Depth: 0"]), user: world.alphaRecorder)
        #expect(after.status == 207 && after.text.contains("<D:lockdiscovery></D:lockdiscovery>") && !after.text.contains("urn:x"), "\(after)")
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/own.txt"), user: world.alphaRecorder).text == "0123456789")
        #expect(try server.health() == 200)
    }

    // MARK: Methods and headers

    /// Methods outside WebDAV's set: 405 with an Allow header, for everyone,
    /// anywhere under /webdav/; TRACE echoes nothing.
    @Test func unknownMethodsAre405WithAllow() throws {
        let world = try HostileWorld()
        defer { world.stop() }
        let server = world.server
        for method in ["PATCH", "TRACE", "CONNECT", "SEARCH", "REPORT", "ACL", "BIND", "MKCALENDAR", "PURGE", "LINK", "MKACTIVITY", "CHECKOUT"] {
            for path in ["/webdav/", "/webdav/alpha/own.txt", "/webdav/alpha/", "/webdav/beta/calls/secret.txt", "/webdav/alpha/../beta/x"] {
                for user in [world.alphaRecorder, nil] {
                    let reply = try server.send(HTTPCall(method, path), user: user)
                    #expect(reply.status == 405, "\(method) \(path) (\(user == nil ? "anonymous" : "recorder")): \(reply)")
                    let allow = Set((reply.header("Allow") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    #expect(allow.isSuperset(of: ["GET", "PUT", "PROPFIND", "LOCK"]) && !allow.contains(method), "\(method) \(path): Allow is \(allow.sorted())")
                    #expect(!reply.text.contains("Authorization") && !reply.text.contains("Basic "), "\(method) echoed the request: \(reply)")
                }
            }
        }
        // A method token the HTTP parser has never heard of: 405 with Allow would be
        // best; the parser (llhttp, in front of the application) refuses it with 400.
        // RFC 9110 section 9.1 suggests 501. Any of those, and never a success.
        for method in ["FOO", "PROPFINDX", "GETT"] {
            let reply = try server.send(HTTPCall(method, "/webdav/alpha/own.txt"), user: world.alphaRecorder)
            #expect([400, 405, 501].contains(reply.status), "\(method): \(reply)")
            if reply.status == 405 { #expect(reply.header("Allow") != nil, "\(method): 405 without Allow") }
            #expect(!reply.text.contains("0123456789"), "\(method) was answered like a GET: \(reply)")
        }
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/own.txt"), user: world.alphaRecorder).text == "0123456789")
        #expect(try server.health() == 200)
    }

    /// A malformed If header: 400 (and the request does nothing). Range: a
    /// single unsatisfiable range is 416 with `Content-Range: bytes */size`;
    /// a malformed or multiple range is ignored (200, the whole file).
    @Test func malformedIfAndRangeHeaders() throws {
        let world = try HostileWorld()
        defer { world.stop() }
        let server = world.server
        let user = world.alphaRecorder
        let malformedIf = ["garbage", "(<opaquelocktoken:", "<http://x/webdav/alpha/own.txt>", #"(["unterminated)"#, "(Not)", "()",
                           "(<>)", "( [\"a\"] ", "<no-close (<a>)", "(Not Not <DAV:no-lock>)", String(repeating: "(", count: 10_000)]
        for header in malformedIf {
            let shown = header.count > 40 ? String(header.prefix(20)) + "…" : header
            for call in [HTTPCall("GET", "/webdav/alpha/own.txt"), HTTPCall("PUT", "/webdav/alpha/own.txt", body: Data("changed".utf8)),
                         HTTPCall("DELETE", "/webdav/alpha/own.txt"), HTTPCall("PROPFIND", "/webdav/alpha/own.txt", headers: ["Depth: 0"]),
                         HTTPCall("MKCOL", "/webdav/alpha/newdir"), HTTPCall("COPY", "/webdav/alpha/own.txt", headers: ["Destination: /webdav/alpha/copy.txt"])] {
                let reply = try server.send(HTTPCall(call.method, call.path, headers: call.headers + ["If: \(header)"], body: call.body), user: user)
                #expect(reply.status == 400, "\(call.method) with If: \(shown): \(reply)")
            }
        }
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/own.txt"), user: user).text == "0123456789", "a request with a malformed If changed the file")
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/newdir/"), user: user).status == 404)
        #expect(try server.send(HTTPCall("GET", "/webdav/alpha/copy.txt"), user: user).status == 404)

        // own.txt is "0123456789" (10 bytes).
        for range in ["bytes=100-200", "bytes=10-", "bytes=10-20", "bytes=-0"] {
            let reply = try server.send(HTTPCall("GET", "/webdav/alpha/own.txt", headers: ["Range: \(range)"]), user: user)
            #expect(reply.status == 416, "Range: \(range): \(reply)")
            #expect(reply.header("Content-Range") == "bytes */10", "Range: \(range): \(reply)")
            #expect(!reply.text.contains("0123456789"), "Range: \(range): \(reply)")
        }
        for range in ["bytes=zz", "bytes=3-1", "bites=0-1", "bytes=", "bytes=-", "bytes=--1", "bytes=1-2,5-6", "bytes=0x1-2",
                      "bytes=99999999999999999999-", "bytes=-99999999999999999999", "bytes 0-1", String(repeating: "bytes=0-1,", count: 2000)] {
            let shown = range.count > 40 ? String(range.prefix(20)) + "…" : range
            let reply = try server.send(HTTPCall("GET", "/webdav/alpha/own.txt", headers: ["Range: \(range)"]), user: user)
            #expect(reply.status == 200 || reply.status == 416, "Range: \(shown): \(reply)")
            if reply.status == 200 { #expect(reply.text == "0123456789", "Range: \(shown) ignored, but the body is \(reply)") }
            if reply.status == 416 { #expect(reply.header("Content-Range") == "bytes */10", "Range: \(shown): \(reply)") }
        }
        for (range, body, contentRange) in [("bytes=2-4", "234", "bytes 2-4/10"), ("bytes=-3", "789", "bytes 7-9/10"),
                                            ("bytes=8-100", "89", "bytes 8-9/10"), ("bytes=0-0", "0", "bytes 0-0/10"), ("bytes=9-", "9", "bytes 9-9/10")] {
            let reply = try server.send(HTTPCall("GET", "/webdav/alpha/own.txt", headers: ["Range: \(range)"]), user: user)
            #expect(reply.status == 206 && reply.text == body && reply.header("Content-Range") == contentRange, "Range: \(range): \(reply)")
        }
        let stale = try server.send(HTTPCall("GET", "/webdav/alpha/own.txt", headers: ["Range: bytes=2-4", "If-Range: \"not-the-etag\""]), user: user)
        #expect(stale.status == 200 && stale.text == "0123456789", "If-Range with another ETag: \(stale)")
        #expect(try server.health() == 200)
    }
}

// MARK: - The world: a server with tenants alpha and beta

/// Tenants alpha and beta with a recorder each; alpha has `own.txt`
/// ("0123456789"), `frag/` and `xml/`; beta has `calls/secret.txt`.
private final class HostileWorld: @unchecked Sendable {
    // @unchecked Sendable: used by the one test that owns it.
    static let adminPassword = "hostile admin password"
    let server: DAVServer
    let admin = "admin:\(HostileWorld.adminPassword)"
    var alphaRecorder = ""
    var betaRecorder = ""
    let betaSecret = "beta's recording \(UUID().uuidString)"
    var storage: String { server.directory.file("data/storage") }

    init(environment: [String: String] = [:]) throws {
        server = try DAVServer(name: "hostile", adminPassword: Self.adminPassword, environment: environment)
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
        alphaRecorder = try credential(tenant: "alpha")
        betaRecorder = try credential(tenant: "beta")
        try expect(HTTPCall("MKCOL", "/webdav/beta/calls"), by: betaRecorder, 201)
        try expect(HTTPCall("PUT", "/webdav/beta/calls/secret.txt", body: Data(betaSecret.utf8)), by: betaRecorder, 201)
        try expect(HTTPCall("PUT", "/webdav/alpha/own.txt", body: Data("0123456789".utf8)), by: alphaRecorder, 201)
        try expect(HTTPCall("MKCOL", "/webdav/alpha/frag"), by: alphaRecorder, 201)
        try expect(HTTPCall("MKCOL", "/webdav/alpha/xml"), by: alphaRecorder, 201)
        try expect(HTTPCall("PUT", "/webdav/alpha/xml/patched.txt", body: Data("p".utf8)), by: alphaRecorder, 201)
        try expect(HTTPCall("PUT", "/webdav/alpha/xml/locked.txt", body: Data("l".utf8)), by: alphaRecorder, 201)
    }

    func stop() { server.stop() }

    func expect(_ call: HTTPCall, by user: String, _ status: Int) throws {
        let reply = try server.send(call, user: user)
        guard reply.status == status else { throw TestFailure("set-up \(call.method) \(call.path) gave \(reply), not \(status)") }
    }

    func credential(tenant: String) throws -> String {
        let reply = try server.send(HTTPCall("POST", "/api/v1/credentials", headers: ["Content-Type: application/json"],
                                             body: Data(#"{"role":"recorder","tenant":"\#(tenant)"}"#.utf8)), user: admin)
        guard reply.status == 201, let object = try JSONSerialization.jsonObject(with: reply.body) as? [String: Any],
              let username = object["username"] as? String, let secret = object["secret"] as? String
        else { throw TestFailure("cannot create a recorder for \(tenant): \(reply)") }
        return "\(username):\(secret)"
    }

    /// Everything in the server's directory but the database and the log
    /// (which change with every request).
    func snapshotOutsideDatabase() -> [String: String] {
        Self.tree(server.directory.path).filter { key, _ in
            let name = key.split(separator: "/").last.map(String.init) ?? key
            return !name.hasPrefix("rcs.sqlite") && !name.hasSuffix(".log")
        }
    }

    static func difference(_ a: [String: String], _ b: [String: String]) -> String {
        Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
            .map { "\($0): \((a[$0] ?? "-").prefix(80)) -> \((b[$0] ?? "-").prefix(80))" }.joined(separator: "\n")
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
            case S_IFREG:
                let bytes = FileManager.default.contents(atPath: path) ?? Data()
                result[relative] = "file \(info.st_size) \(modified) \(bytes.base64EncodedString())"
            default:
                result[relative] = "other \(info.st_mode)"
            }
        }
        walk("")
        return result
    }
}

/// True when libxml2 (through Foundation's XMLParser) reads the bytes as XML.
private func isWellFormedXML(_ data: Data) -> Bool {
    XMLParser(data: data).parse()
}

/// A loopback TCP listener that only counts who connects (an XXE target).
private final class Listener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0, listen(fd, 16) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { close(fd); throw TestFailure("cannot listen") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Accepts (and closes) whatever connected so far.
    func connectionsSoFar() -> Int {
        var count = 0
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return count }
            count += 1
            close(client)
        }
    }

    deinit { close(fd) }
}

/// Unblocks a reader stuck opening the FIFO (if the server ever opened it), then removes it.
private func releaseFIFO(_ path: String) {
    let writer = open(path, O_WRONLY | O_NONBLOCK)
    if writer >= 0 { close(writer) }
    unlink(path)
}

/// One raw exchange over a fresh connection (for requests curl cannot send):
/// the status, the head and the body as text. Status 0 when the server closed
/// without an answer.
private func rawExchange(port: Int, _ request: [UInt8], timeout: Int = 10) throws -> (status: Int, head: String, body: String) {
    let connection = try LoopbackSocket(port: port, timeout: timeout)
    connection.send(request)
    var response: [UInt8] = []
    while let chunk = connection.receive(), !chunk.isEmpty { response += chunk }
    let text = String(decoding: response, as: UTF8.self)
    // Skip interim answers (100 Continue).
    var rest = Substring(text)
    while rest.hasPrefix("HTTP/1.1 1"), let end = rest.range(of: "\r\n\r\n") { rest = rest[end.upperBound...] }
    let parts = rest.components(separatedBy: "\r\n\r\n")
    let head = parts.first ?? ""
    let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return (status, head, parts.dropFirst().joined(separator: "\r\n\r\n"))
}

// MARK: - curl

/// One request, with the path as sent (never normalised by curl).




