import Foundation
import RCSCore
import Testing

/// WebDAV write locks: conflicts, refresh, unlock, expiry, timeouts (RFC 4918 sections 6, 7, 9.10, 9.11, 10.7).
@Suite struct DAVLockManagerTests {
    /// A clock the test moves by hand.
    final class ManualClock: @unchecked Sendable {
        // @unchecked Sendable: `date` is only touched while holding `mutex`.
        private let mutex = NSLock()
        private var date = Date(timeIntervalSince1970: 1_800_000_000)
        var now: Date { mutex.lock(); defer { mutex.unlock() }; return date }
        func advance(_ seconds: TimeInterval) { mutex.lock(); date += seconds; mutex.unlock() }
    }

    let clock = ManualClock()
    let manager: DAVLockManager

    init() {
        let clock = self.clock
        manager = DAVLockManager(maximumTimeout: 3600, defaultTimeout: 600, now: { clock.now })
    }

    @discardableResult
    func lock(_ path: String, exclusive: Bool = true, infinity: Bool = false, timeout: TimeInterval? = 600) throws(DAVLockError) -> DAVLock {
        try manager.lock(path, exclusive: exclusive, depthInfinity: infinity, owner: "<D:owner>t</D:owner>", timeout: timeout, principal: "alice")
    }

    /// The lock roots of the `.locked` error `body` throws; nil when it throws nothing or something else.
    func conflicts(_ body: () throws -> Void) -> [String]? {
        do {
            try body()
            return nil
        } catch {
            guard case .locked(let roots)? = error as? DAVLockError else { return nil }
            return roots
        }
    }

    // MARK: - Creating locks

    @Test func aNewLockHasAnOpaqueLockTokenAndTheRequestedShape() throws {
        let lock = try manager.lock("/webdav/acme/a.wav", exclusive: true, depthInfinity: false,
                                    owner: "<D:owner xmlns:D=\"DAV:\">litmus</D:owner>", timeout: 100, principal: "alice")
        #expect(lock.token.hasPrefix("opaquelocktoken:"))
        #expect(UUID(uuidString: String(lock.token.dropFirst("opaquelocktoken:".count))) != nil)
        #expect(lock.root == "/webdav/acme/a.wav")
        #expect(lock.exclusive && !lock.depthInfinity)
        #expect(lock.owner == "<D:owner xmlns:D=\"DAV:\">litmus</D:owner>")
        #expect(lock.principal == "alice")
        #expect(lock.timeout == 100)
        #expect(lock.expires == clock.now + 100)
        #expect(manager.lock(token: lock.token) == lock)
        #expect(manager.locks(covering: "/webdav/acme/a.wav") == [lock])
        let other = try self.lock("/webdav/acme/b.wav")
        #expect(other.token != lock.token)
    }

    @Test func pathsAreNormalizedWithoutTheTrailingSlash() throws {
        let lock = try lock("/webdav/acme/calls/", infinity: true)
        #expect(lock.root == "/webdav/acme/calls")
        #expect(manager.locks(covering: "/webdav/acme/calls/").map(\.token) == [lock.token])
        #expect(manager.locks(covering: "/webdav/acme/calls/x.wav").map(\.token) == [lock.token])
        #expect(DAVLock.normalize("/") == "/")
        #expect(DAVLock.normalize("") == "/")
        #expect(DAVLock.normalize("/a//") == "/a")
        #expect(DAVLock.parent(of: "/a/b") == "/a")
        #expect(DAVLock.parent(of: "/a") == "/")
        #expect(DAVLock.parent(of: "/") == nil)
    }

    @Test func ancestryIsBySegments() {
        #expect(DAVLock.isAncestor("/a/b", of: "/a/b/c"))
        #expect(DAVLock.isAncestor("/a", of: "/a/b/c"))
        #expect(DAVLock.isAncestor("/", of: "/a"))
        #expect(!DAVLock.isAncestor("/a/b", of: "/a/bc"))
        #expect(!DAVLock.isAncestor("/a/b", of: "/a/b"))
        #expect(!DAVLock.isAncestor("/a/b/c", of: "/a/b"))
        #expect(!DAVLock.isAncestor("/", of: "/"))
    }

    @Test func exclusiveLocksConflictWithEveryLockOnTheSameResource() throws {
        try lock("/r")
        #expect(conflicts { try lock("/r") } == ["/r"])
        #expect(conflicts { try lock("/r", exclusive: false) } == ["/r"])
        try lock("/s", exclusive: false)
        #expect(conflicts { try lock("/s") } == ["/s"])
    }

    @Test func sharedLocksCoexist() throws {
        let first = try lock("/r", exclusive: false)
        let second = try lock("/r", exclusive: false)
        let third = try lock("/r", exclusive: false, infinity: true)
        #expect(Set(manager.locks(covering: "/r").map(\.token)) == [first.token, second.token, third.token])
        #expect(conflicts { try lock("/r") } == ["/r"])
        try manager.unlock(token: second.token, resource: "/r")
        #expect(Set(manager.locks(covering: "/r").map(\.token)) == [first.token, third.token])
    }

    @Test func aDepthInfinityLockCoversTheWholeSubtree() throws {
        try lock("/c", infinity: true)
        #expect(conflicts { try lock("/c/x") } == ["/c"])
        #expect(conflicts { try lock("/c/d/e/f", exclusive: false) } == ["/c"])
        #expect(manager.locks(covering: "/c/d/e/f").map(\.root) == ["/c"])
        // A sibling that only shares a prefix is not covered.
        try lock("/cx")
        #expect(manager.locks(covering: "/cx").map(\.root) == ["/cx"])
    }

    @Test func aDepthZeroLockOnACollectionCoversOnlyTheCollection() throws {
        let collection = try lock("/c")
        #expect(manager.locks(covering: "/c/x").isEmpty)
        let member = try lock("/c/x")
        #expect(manager.locks(covering: "/c").map(\.token) == [collection.token])
        #expect(manager.locks(within: "/c").map(\.token) == [collection.token, member.token])
    }

    @Test func aDepthInfinityLockConflictsWithExclusiveLocksWithinIt() throws {
        try lock("/c/d/x")
        try lock("/c/y", exclusive: false)
        // Exclusive depth infinity: conflicts with every lock below.
        #expect(conflicts { try lock("/c", infinity: true) } == ["/c/y", "/c/d/x"])
        // Shared depth infinity: only with the exclusive one.
        #expect(conflicts { try lock("/c", exclusive: false, infinity: true) } == ["/c/d/x"])
        // Depth 0 on the collection does not reach its members.
        try lock("/c")
        // ...and a shared lock on the collection conflicts with that exclusive depth-0 one.
        #expect(conflicts { try lock("/c", exclusive: false) } == ["/c"])
    }

    @Test func sharedDepthInfinityAllowsSharedLocksBelowButNotExclusiveOnes() throws {
        try lock("/c", exclusive: false, infinity: true)
        try lock("/c/x", exclusive: false)
        #expect(conflicts { try lock("/c/y") } == ["/c"])
        #expect(manager.locks(covering: "/c/x").map(\.root) == ["/c", "/c/x"])
    }

    @Test func aLockOnAnUnmappedResourceIsFine() throws {
        let lock = try lock("/webdav/acme/not-there-yet.wav")
        #expect(manager.locks(covering: "/webdav/acme/not-there-yet.wav") == [lock])
    }

    // MARK: - Refresh and unlock

    @Test func refreshRestartsTheTimer() throws {
        let lock = try lock("/r", timeout: 100)
        clock.advance(90)
        let refreshed = try manager.refresh(token: lock.token, resource: "/r/", timeout: 200)
        #expect(refreshed.token == lock.token)
        #expect(refreshed.timeout == 200)
        #expect(refreshed.expires == clock.now + 200)
        clock.advance(150)
        #expect(manager.lock(token: lock.token) == refreshed)
    }

    @Test func refreshThroughAMemberOfADepthInfinityLock() throws {
        let lock = try lock("/c", infinity: true, timeout: 100)
        let refreshed = try manager.refresh(token: lock.token, resource: "/c/lockme.txt", timeout: nil)
        #expect(refreshed.timeout == 3600)   // Infinite is clamped to the maximum
        let viaIf = try manager.refresh(anyOf: ["opaquelocktoken:other", lock.token], resource: "/c/lockme.txt", timeout: 50)
        #expect(viaIf.token == lock.token && viaIf.timeout == 50)
    }

    @Test func refreshWithTheWrongTokenOrResourceFails() throws {
        let lock = try lock("/c", timeout: 100)
        let other = try self.lock("/d")
        #expect(throws: DAVLockError.noSuchLock) { try manager.refresh(token: "opaquelocktoken:foobar", resource: "/c", timeout: 10) }
        #expect(throws: DAVLockError.noSuchLock) { try manager.refresh(token: other.token, resource: "/c", timeout: 10) }
        // Depth 0 does not cover members; the sibling with a shared prefix is another resource.
        #expect(throws: DAVLockError.noSuchLock) { try manager.refresh(token: lock.token, resource: "/c/x", timeout: 10) }
        #expect(throws: DAVLockError.noSuchLock) { try manager.refresh(token: lock.token, resource: "/cx", timeout: 10) }
        #expect(throws: DAVLockError.noSuchLock) { try manager.refresh(anyOf: [other.token], resource: "/c", timeout: 10) }
        #expect(throws: DAVLockError.noSuchLock) { try manager.refresh(anyOf: [], resource: "/c", timeout: 10) }
        #expect(manager.lock(token: lock.token)?.timeout == 100)
    }

    @Test func unlockNeedsTheTokenOfALockCoveringTheResource() throws {
        let lock = try lock("/c", infinity: true)
        #expect(throws: DAVLockError.noSuchLock) { try manager.unlock(token: "opaquelocktoken:foobar", resource: "/c") }
        #expect(throws: DAVLockError.noSuchLock) { try manager.unlock(token: lock.token, resource: "/d") }
        #expect(throws: DAVLockError.noSuchLock) { try manager.unlock(token: lock.token, resource: "/") }
        #expect(manager.lock(token: lock.token) != nil)
        try manager.unlock(token: lock.token, resource: "/c/member")   // any resource in the lock's scope
        #expect(manager.lock(token: lock.token) == nil)
        #expect(manager.locks(covering: "/c").isEmpty)
        #expect(throws: DAVLockError.noSuchLock) { try manager.unlock(token: lock.token, resource: "/c") }
        try self.lock("/c")   // free again
    }

    @Test func removeLocksWithinDropsTheSubtreeOnly() throws {
        let parent = try lock("/a", exclusive: false, infinity: true)
        try lock("/a/b", exclusive: false)
        try lock("/a/b/c", exclusive: false)
        let sibling = try lock("/a/bc", exclusive: false)
        manager.removeLocks(within: "/a/b/")
        #expect(manager.locks(within: "/a").map(\.token) == [parent.token, sibling.token])
    }

    // MARK: - Expiry

    @Test func expiredLocksDisappear() throws {
        let lock = try lock("/r", infinity: true, timeout: 100)
        clock.advance(99)
        #expect(manager.locks(covering: "/r/x").map(\.token) == [lock.token])
        #expect(lock.remainingSeconds(at: clock.now) == 1)
        clock.advance(1)
        #expect(manager.locks(covering: "/r").isEmpty)
        #expect(manager.locks(within: "/").isEmpty)
        #expect(manager.lock(token: lock.token) == nil)
        #expect(throws: DAVLockError.noSuchLock) { try manager.refresh(token: lock.token, resource: "/r", timeout: 100) }
        #expect(throws: DAVLockError.noSuchLock) { try manager.unlock(token: lock.token, resource: "/r") }
        try self.lock("/r/x")   // no conflict with the expired lock
    }

    @Test func expiryNoLongerBlocksWrites() throws {
        try lock("/r", timeout: 10)
        #expect(throws: DAVLockError.locked(conflicting: ["/r"])) { try manager.checkWrite("/r", submittedTokens: []) }
        clock.advance(10)
        try manager.checkWrite("/r", submittedTokens: [])
    }

    // MARK: - Timeouts

    @Test func timeoutsAreClampedAndValidated() throws {
        #expect(try lock("/a", timeout: 99_999).timeout == 3600)
        #expect(try lock("/b", timeout: nil).timeout == 3600)
        #expect(try lock("/c", timeout: 0.5).timeout == 0.5)
        #expect(throws: DAVLockError.badTimeout) { try lock("/d", timeout: 0) }
        #expect(throws: DAVLockError.badTimeout) { try lock("/d", timeout: -5) }
        #expect(throws: DAVLockError.badTimeout) { try lock("/d", timeout: .nan) }
        let held = try lock("/e", timeout: 10)
        #expect(throws: DAVLockError.badTimeout) { try manager.refresh(token: held.token, resource: "/e", timeout: 0) }
    }

    @Test func infiniteLocksWhenTheMaximumIsInfinite() throws {
        let unlimited = DAVLockManager(maximumTimeout: .infinity, defaultTimeout: 600)
        let lock = try unlimited.lock("/r", exclusive: true, depthInfinity: false, owner: nil, timeout: nil, principal: "p")
        #expect(lock.timeout == nil && lock.expires == nil)
        #expect(lock.timeoutHeaderValue() == "Infinite")
        #expect(lock.remainingSeconds(at: Date()) == nil)
        #expect(unlimited.parseTimeout("Infinite") == nil)
        #expect(unlimited.parseTimeout(nil) == 600)
    }

    @Test(arguments: [
        (nil, 600.0),
        ("Second-100", 100.0),
        ("second-100", 100.0),
        ("Second-3600", 3600.0),
        ("Second-3601", 3600.0),
        ("Infinite", 3600.0),
        ("Infinite, Second-4100000000", 3600.0),
        ("Second-4100000000", 3600.0),
        ("  Second-20 ,Infinite", 20.0),
        ("Bogus, Second-30", 30.0),
        ("Second-, Second-x, Second--5, Second-0, Second-40", 40.0),
        ("Second-4294967296, Second-7", 7.0),
        ("Second-99999999999999999999", 600.0),
        ("", 600.0),
        ("garbage", 600.0),
    ] as [(String?, Double)])
    func parsesTimeoutHeaders(header: String?, expected: Double) {
        #expect(DAVLockManager.parseTimeout(header, maximum: 3600, default: 600) == expected)
        #expect(manager.parseTimeout(header) == expected)
    }

    @Test func parseTimeoutWithALargeMaximum() {
        #expect(DAVLockManager.parseTimeout("Infinite, Second-4100000000", maximum: .infinity, default: 600) == nil)
        #expect(DAVLockManager.parseTimeout("Second-4100000000", maximum: .infinity, default: 600) == 4_100_000_000)
        #expect(DAVLockManager.parseTimeout(nil, maximum: 60, default: 600) == 60)
    }

    // MARK: - Write checks

    @Test func blockingLocksAreTheCoveringOnesAndOptionallyThoseWithin() throws {
        let ancestor = try lock("/a", exclusive: false, infinity: true)
        let own = try lock("/a/c", exclusive: false)
        let inner = try lock("/a/c/d/e", exclusive: false)
        try lock("/a/cd", exclusive: false)
        #expect(manager.blockingLocks(for: "/a/c", includingDescendants: false).map(\.token) == [ancestor.token, own.token])
        #expect(manager.blockingLocks(for: "/a/c/", includingDescendants: true).map(\.token) == [ancestor.token, own.token, inner.token])
        #expect(manager.blockingLocks(for: "/b", includingDescendants: true).isEmpty)
    }

    @Test func writesNeedATokenOfALockCoveringTheResource() throws {
        let lock = try lock("/r")
        #expect(manager.unsatisfiedLocks(for: "/r", submittedTokens: []).map(\.token) == [lock.token])
        #expect(throws: DAVLockError.locked(conflicting: ["/r"])) { try manager.checkWrite("/r", submittedTokens: ["opaquelocktoken:foobar", "DAV:no-lock"]) }
        try manager.checkWrite("/r", submittedTokens: [lock.token])
        try manager.checkWrite("/other", submittedTokens: [])
    }

    @Test func anyOneSharedLockTokenAllowsTheWrite() throws {
        let first = try lock("/r", exclusive: false)
        let second = try lock("/r", exclusive: false)
        try manager.checkWrite("/r", submittedTokens: [first.token])
        try manager.checkWrite("/r", submittedTokens: [second.token])
        #expect(manager.unsatisfiedLocks(for: "/r", submittedTokens: []).count == 2)
    }

    @Test func aCollectionLockProtectsItsMembers() throws {
        let lock = try lock("/c", infinity: true)
        #expect(throws: DAVLockError.locked(conflicting: ["/c"])) { try manager.checkWrite("/c/lockme.txt", submittedTokens: []) }
        try manager.checkWrite("/c/lockme.txt", includingParent: true, submittedTokens: [lock.token])
    }

    @Test func aDepthZeroCollectionLockProtectsOnlyItsMembership() throws {
        let lock = try lock("/c")
        // Writing an existing member's content is not protected...
        try manager.checkWrite("/c/x", submittedTokens: [])
        // ...but creating, deleting or moving a member changes the collection.
        #expect(throws: DAVLockError.locked(conflicting: ["/c"])) { try manager.checkWrite("/c/x", includingParent: true, submittedTokens: []) }
        try manager.checkWrite("/c/x", includingParent: true, submittedTokens: [lock.token])
    }

    @Test func deletingACollectionNeedsTheTokensOfLocksWithinIt() throws {
        let x = try lock("/c/x")
        let y = try lock("/c/d/y")
        try lock("/cz")
        #expect(manager.unsatisfiedLocks(for: "/c", includingDescendants: true, submittedTokens: []).map(\.token) == [x.token, y.token])
        #expect(throws: DAVLockError.locked(conflicting: ["/c/d/y"])) {
            try manager.checkWrite("/c", includingDescendants: true, submittedTokens: [x.token])
        }
        try manager.checkWrite("/c", includingDescendants: true, submittedTokens: [x.token, y.token])
        // Without descendants only the collection itself counts.
        try manager.checkWrite("/c", submittedTokens: [])
    }

    @Test func anAncestorSharedLockTokenCoversSharedLocksBelow() throws {
        let top = try lock("/c", exclusive: false, infinity: true)
        try lock("/c/x", exclusive: false)
        try manager.checkWrite("/c", includingDescendants: true, submittedTokens: [top.token])
        #expect(throws: DAVLockError.locked(conflicting: ["/c", "/c/x"])) {
            try manager.checkWrite("/c", includingDescendants: true, submittedTokens: [])
        }
    }

    // MARK: - Concurrency

    @Test func concurrentExclusiveLocksOnOneResourceGiveOneWinner() {
        let manager = DAVLockManager()
        let winners = Winners()
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            if let lock = try? manager.lock("/race", exclusive: true, depthInfinity: index % 2 == 0, owner: nil, timeout: 60, principal: "p\(index)") {
                winners.add(lock.token)
            }
        }
        #expect(winners.count == 1)
        #expect(manager.locks(covering: "/race").count == 1)
    }

    final class Winners: @unchecked Sendable {
        // @unchecked Sendable: `tokens` is only touched while holding `mutex`.
        private let mutex = NSLock()
        private var tokens: [String] = []
        func add(_ token: String) { mutex.lock(); tokens.append(token); mutex.unlock() }
        var count: Int { mutex.lock(); defer { mutex.unlock() }; return tokens.count }
    }

    // MARK: - lockdiscovery XML

    @Test func activeLockXMLHasEveryPiece() throws {
        let lock = try manager.lock("/webdav/acme/a b&c.wav", exclusive: true, depthInfinity: false,
                                    owner: "<D:owner>litmus test suite</D:owner>", timeout: 600, principal: "alice")
        let xml = lock.activeLockXML(lockRootHref: "/webdav/acme/a%20b&c.wav")
        #expect(xml == "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:exclusive/></D:lockscope>"
            + "<D:depth>0</D:depth><D:owner>litmus test suite</D:owner><D:timeout>Second-600</D:timeout>"
            + "<D:locktoken><D:href>\(lock.token)</D:href></D:locktoken>"
            + "<D:lockroot><D:href>/webdav/acme/a%20b&amp;c.wav</D:href></D:lockroot></D:activelock>")
        clock.advance(100.5)
        #expect(lock.activeLockXML(lockRootHref: "/x", now: clock.now).contains("<D:timeout>Second-500</D:timeout>"))
        #expect(lock.timeoutHeaderValue(now: manager.currentDate) == "Second-500")
        #expect(lock.lockTokenHeaderValue == "<\(lock.token)>")

        let shared = try manager.lock("/c", exclusive: false, depthInfinity: true, owner: nil, timeout: 30, principal: "bob")
        let sharedXML = shared.activeLockXML(lockRootHref: "/c/")
        #expect(sharedXML.contains("<D:lockscope><D:shared/></D:lockscope><D:depth>infinity</D:depth><D:timeout>Second-30</D:timeout>"))
        #expect(!sharedXML.contains("owner"))
    }
}
