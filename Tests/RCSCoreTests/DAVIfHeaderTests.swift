import Foundation
import RCSCore
import Testing

/// The WebDAV If header (RFC 4918 section 10.4): parsing, and evaluation with litmus's `locks` patterns.
@Suite struct DAVIfHeaderTests {
    typealias Condition = DAVIfHeader.Condition

    static let token = "opaquelocktoken:0f2e5c1a-7b1d-4c55-9a53-1f7f0d7a9e01"

    // MARK: - Parsing

    @Test func untaggedList() throws {
        let header = try DAVIfHeader(parsing: "(<\(Self.token)>)")
        #expect(header.lists == [DAVIfHeader.List(resource: nil, conditions: [Condition(negated: false, kind: .stateToken(Self.token))])])
        #expect(!header.isTagged)
        #expect(header.submittedTokens == [Self.token])
    }

    @Test func multipleUntaggedListsWithNotAndEntityTags() throws {
        let header = try DAVIfHeader(parsing: "(<\(Self.token)> [\"abc\"]) (Not <DAV:no-lock> [W/\"abc\"])")
        #expect(header.lists.count == 2)
        #expect(header.lists[0].conditions == [
            Condition(negated: false, kind: .stateToken(Self.token)),
            Condition(negated: false, kind: .entityTag("\"abc\"")),
        ])
        #expect(header.lists[1].conditions == [
            Condition(negated: true, kind: .stateToken("DAV:no-lock")),
            Condition(negated: false, kind: .entityTag("W/\"abc\"")),
        ])
        #expect(header.lists.allSatisfy { $0.resource == nil })
        #expect(header.submittedTokens == [Self.token, "DAV:no-lock"])
    }

    @Test func notNegatesEntityTagsAndWhitespaceIsOptional() throws {
        let header = try DAVIfHeader(parsing: "\t(not[\"x\"]NOT<urn:uuid:1>)(  Not   [ \"y\" ]  )  ")
        #expect(header.lists.map(\.conditions) == [
            [Condition(negated: true, kind: .entityTag("\"x\"")), Condition(negated: true, kind: .stateToken("urn:uuid:1"))],
            [Condition(negated: true, kind: .entityTag("\"y\""))],
        ])
    }

    @Test func taggedListsCarryTheDecodedPath() throws {
        let header = try DAVIfHeader(parsing: """
            <http://localhost:8080/webdav/acme/calls/> (<\(Self.token)>) (Not <DAV:no-lock>) \
            <https://[::1]:8443/webdav/acme/a%20b%C3%A9.wav?x=1> (["e1"]) </webdav/acme/plain> (<urn:x:y>)
            """)
        #expect(header.isTagged)
        #expect(header.lists.map(\.resource) == [
            "/webdav/acme/calls", "/webdav/acme/calls", "/webdav/acme/a bé.wav", "/webdav/acme/plain",
        ])
        #expect(header.lists[1].conditions == [Condition(negated: true, kind: .stateToken("DAV:no-lock"))])
        #expect(header.submittedTokens == [Self.token, "DAV:no-lock", "urn:x:y"])
    }

    @Test func resourceTagsToPaths() {
        #expect(DAVIfHeader.resourcePath(fromTag: "http://host") == "/")
        #expect(DAVIfHeader.resourcePath(fromTag: "http://host/") == "/")
        #expect(DAVIfHeader.resourcePath(fromTag: "HTTP://user@host:1/a/b/#frag") == "/a/b")
        #expect(DAVIfHeader.resourcePath(fromTag: "/a%2Fb") == "/a/b")   // decoded, as the brief's paths are
        #expect(DAVIfHeader.resourcePath(fromTag: "relative/path") == nil)
        #expect(DAVIfHeader.resourcePath(fromTag: "//host/path") == nil)
        #expect(DAVIfHeader.resourcePath(fromTag: "urn:isbn:123") == nil)
        #expect(DAVIfHeader.resourcePath(fromTag: "/bad%zz") == nil)
        #expect(DAVIfHeader.resourcePath(fromTag: "/bad%ff") == nil)   // not UTF-8
    }

    @Test(arguments: [
        "",
        "   ",
        "(",
        "()",
        "( )",
        "(<\(token)>",
        "<\(token)>",
        "<http://host/a>",
        "<http://host/a> [\"x\"]",
        "(<\(token)>) <http://host/a> (<\(token)>)",
        "<http://host/a> (<\(token)>) (<\(token)>) (Not <DAV:no-lock>) x",
        "(Not)",
        "(Not Not <DAV:no-lock>)",
        "(<>)",
        "(<not a uri>)",
        "(<no-scheme>)",
        "([x])",
        "([\"x\")",
        "([\"x)",
        "([\"x\"] [\"y\"",
        "(<DAV:no-lock> \"x\")",
        "(Nope <DAV:no-lock>)",
        "<relative> (<DAV:no-lock>)",
        "</bad%zz> (<DAV:no-lock>)",
        "(<\(token)>), (<\(token)>)",
    ])
    func malformedHeadersThrow(_ value: String) {
        #expect(throws: DAVIfHeaderError.self) { try DAVIfHeader(parsing: value) }
    }

    // MARK: - Evaluation

    /// litmus's state: `lockme` locked exclusively (depth 0), `notlocked` not locked,
    /// `lockcoll` locked with depth infinity.
    struct World {
        let locks = DAVLockManager()
        var etags = ["/litmus/lockme": "\"1f-4-abc\"", "/litmus/notlocked": "\"20-4-abc\"", "/litmus/lockcoll/lockme.txt": "\"21-4-abc\""]
        let token: String
        let collectionToken: String

        init() throws {
            token = try locks.lock("/litmus/lockme", exclusive: true, depthInfinity: false, owner: nil, timeout: 3600, principal: "litmus").token
            collectionToken = try locks.lock("/litmus/lockcoll/", exclusive: true, depthInfinity: true, owner: nil, timeout: 3600, principal: "litmus").token
        }

        func evaluate(_ value: String, on resource: String = "/litmus/lockme") throws -> Bool {
            let header = try DAVIfHeader(parsing: value)
            let etags = self.etags
            return header.evaluate(requestResource: resource, etag: { etags[$0] }, locks: locks)
        }

        /// What a PUT would answer: 400 malformed, 412 if false, 423 when no covering lock's token is submitted.
        func put(_ value: String, on resource: String = "/litmus/lockme") -> Int {
            guard let header = try? DAVIfHeader(parsing: value) else { return 400 }
            let etags = self.etags
            guard header.evaluate(requestResource: resource, etag: { etags[$0] }, locks: locks) else { return 412 }
            do throws(DAVLockError) {
                try locks.checkWrite(resource, submittedTokens: header.submittedTokens)
            } catch {
                return 423
            }
            return 204
        }
    }

    @Test func litmusConditionalPuts() throws {
        let world = try World()
        let token = world.token
        let etag = world.etags["/litmus/lockme"]!
        let wrongEtag = "\"1f-4-abd\""   // litmus bumps the third character from the end
        // owner_modify / cond_put / cond_put_with_not / complex_cond_put: allowed.
        #expect(world.put("<http://localhost:8080/litmus/lockme> (<\(token)>)") == 204)
        #expect(world.put("(<\(token)> [\(etag)])") == 204)
        #expect(world.put("(<\(token)>) (Not <DAV:no-lock>)") == 204)
        #expect(world.put("(<\(token)> [\(etag)]) (Not <DAV:no-lock> [\(etag)])") == 204)
        // fail_cond_put: 412.
        #expect(world.put("(<DAV:no-lock> [\(etag)])") == 412)
        // cond_put_corrupt_token: the header is true, but the lock's token is not submitted: 423.
        #expect(world.put("(<\(token)x>) (Not <DAV:no-lock>)") == 423)
        // fail_complex_cond_put: 412.
        #expect(world.put("(<\(token)> [\(wrongEtag)]) (Not <DAV:no-lock> [\(wrongEtag)])") == 412)
        // fail_cond_put_unlocked: 412 on a resource with no lock.
        #expect(world.put("(<DAV:no-lock>)", on: "/litmus/notlocked") == 412)
        // Collection lock submitted for a member (neon tags the lock root).
        #expect(world.put("<http://localhost:8080/litmus/lockcoll/> (<\(world.collectionToken)>)", on: "/litmus/lockcoll/lockme.txt") == 204)
        #expect(world.put("(<\(world.collectionToken)>)", on: "/litmus/lockcoll/lockme.txt") == 204)
        #expect(world.put("(Not <DAV:no-lock>)", on: "/litmus/lockcoll/lockme.txt") == 423)
        #expect(world.put("(<bogus") == 400)
    }

    @Test func stateTokens() throws {
        let world = try World()
        #expect(try world.evaluate("(<\(world.token)>)"))
        #expect(try !world.evaluate("(<opaquelocktoken:bogus>)"))
        #expect(try !world.evaluate("(<\(world.token)x>)"))
        #expect(try world.evaluate("(<opaquelocktoken:bogus>) (<\(world.token)>)"))
        #expect(try world.evaluate("(<\(world.token)>) (Not <DAV:no-lock>)"))
        #expect(try !world.evaluate("(Not <\(world.token)>)"))
        #expect(try world.evaluate("(Not <\(world.token)>)", on: "/litmus/notlocked"))
        #expect(try world.evaluate("(Not <DAV:no-lock>)"))
        #expect(try !world.evaluate("(<DAV:no-lock>)"))
        // Another lock's token does not apply.
        #expect(try !world.evaluate("(<\(world.collectionToken)>)"))
        // A depth-infinity lock applies to members; a depth-0 lock does not.
        #expect(try world.evaluate("(<\(world.collectionToken)>)", on: "/litmus/lockcoll/sub/x"))
        #expect(try !world.evaluate("(<\(world.token)>)", on: "/litmus/lockme/x"))
    }

    @Test func taggedListsApplyToTheirOwnResource() throws {
        let world = try World()
        let token = world.token
        #expect(try world.evaluate("<http://localhost:8080/litmus/lockme> (<\(token)>)"))
        #expect(try world.evaluate("</litmus/lockme/> (<\(token)>)"))
        // A list tagged for a different resource is evaluated there, not on the request URI.
        #expect(try !world.evaluate("<http://localhost:8080/litmus/notlocked> (<\(token)>)"))
        #expect(try world.evaluate("<http://localhost:8080/litmus/lockme> (<\(token)>)", on: "/litmus/notlocked"))
        #expect(try world.evaluate("<http://h/litmus/notlocked> (<\(token)>) <http://h/litmus/lockme> (<\(token)>)", on: "/litmus/notlocked"))
        #expect(try world.evaluate("<http://h/litmus/notlocked> ([\"20-4-abc\"])"))
        #expect(try !world.evaluate("<http://h/litmus/notlocked> ([\"1f-4-abc\"])"))
    }

    @Test func entityTags() throws {
        var world = try World()
        #expect(try world.evaluate("([\"1f-4-abc\"])"))
        #expect(try !world.evaluate("([\"1f-4-abd\"])"))
        #expect(try world.evaluate("(Not [\"1f-4-abd\"])"))
        #expect(try !world.evaluate("(Not [\"1f-4-abc\"])"))
        #expect(try world.evaluate("(<\(world.token)> [\"1f-4-abc\"])"))
        #expect(try !world.evaluate("(<\(world.token)> [\"1f-4-abd\"])"))
        // Strong comparison: a weak tag never matches, not even itself.
        #expect(try !world.evaluate("([W/\"1f-4-abc\"])"))
        world.etags["/litmus/lockme"] = "W/\"1f-4-abc\""
        #expect(try !world.evaluate("([W/\"1f-4-abc\"])"))
        #expect(try !world.evaluate("([\"1f-4-abc\"])"))
        // An unmapped resource has no entity tag.
        #expect(try !world.evaluate("([\"1f-4-abc\"])", on: "/litmus/missing"))
        #expect(try world.evaluate("(Not [\"1f-4-abc\"])", on: "/litmus/missing"))
    }

    @Test func strongComparison() {
        #expect(DAVIfHeader.strongMatch("\"a\"", "\"a\""))
        #expect(!DAVIfHeader.strongMatch("\"a\"", "\"b\""))
        #expect(!DAVIfHeader.strongMatch("W/\"a\"", "\"a\""))
        #expect(!DAVIfHeader.strongMatch("\"a\"", "W/\"a\""))
        #expect(!DAVIfHeader.strongMatch("W/\"a\"", "W/\"a\""))
    }

    @Test func evaluationWithPlainClosures() throws {
        let header = try DAVIfHeader(parsing: "(<urn:a> [\"e\"]) (Not <urn:b>)")
        // First list true.
        #expect(header.evaluate(requestResource: "/r/", etag: { $0 == "/r" ? "\"e\"" : nil }, lockTokens: { $0 == "/r" ? ["urn:a", "urn:b"] : [] }))
        // First list false (etag), second false (urn:b held).
        #expect(!header.evaluate(requestResource: "/r", etag: { _ in "\"f\"" }, lockTokens: { _ in ["urn:a", "urn:b"] }))
        // Second list true.
        #expect(header.evaluate(requestResource: "/r", etag: { _ in nil }, lockTokens: { _ in [] }))
        // "DAV:no-lock" never matches, even if a closure claims it.
        let noLock = try DAVIfHeader(parsing: "(<DAV:no-lock>)")
        #expect(!noLock.evaluate(requestResource: "/r", etag: { _ in nil }, lockTokens: { _ in ["DAV:no-lock"] }))
    }

    @Test func tokensAreComparedExactly() throws {
        let world = try World()
        #expect(try !world.evaluate("(<\(world.token.uppercased())>)"))
        #expect(try !world.evaluate("(<\(world.token.replacingOccurrences(of: "opaquelocktoken:", with: "OPAQUELOCKTOKEN:"))>)"))
    }
}
