import Foundation

/// The server's table of WebDAV write locks (RFC 4918 sections 6, 7, 9.10, 9.11),
/// in memory. Paths are the decoded resource paths described on `DAVLock`;
/// they are normalized here too (a trailing slash is dropped).
///
/// Expired locks disappear lazily: every call first drops the locks whose
/// time is up, by the injected clock.
public final class DAVLockManager: @unchecked Sendable {
    // @unchecked Sendable: the only mutable state, `table`, is read and written
    // only while holding `mutex`; everything else is immutable. (NSLock rather
    // than Synchronization.Mutex because the package still targets macOS 13.)
    private let mutex = NSLock()
    private var table: [String: DAVLock] = [:]   // by token

    /// The longest timeout granted, in seconds (`.infinity` allows Infinite locks).
    public let maximumTimeout: TimeInterval
    /// The timeout granted when the client asks for none.
    public let defaultTimeout: TimeInterval
    private let now: @Sendable () -> Date

    public init(maximumTimeout: TimeInterval = 3600, defaultTimeout: TimeInterval = 600,
                now: @escaping @Sendable () -> Date = Date.init) {
        precondition(maximumTimeout > 0 && defaultTimeout > 0, "lock timeouts must be positive")
        self.maximumTimeout = maximumTimeout
        self.defaultTimeout = min(defaultTimeout, maximumTimeout)
        self.now = now
    }

    /// The manager's clock (for `DAVLock.activeLockXML(lockRootHref:now:)`).
    public var currentDate: Date { now() }

    // MARK: - LOCK, refresh, UNLOCK

    /// Creates a lock (RFC 4918 section 9.10). An exclusive lock conflicts with
    /// any lock that covers the resource or (when `depthInfinity`) lies within
    /// it; a shared lock conflicts only with exclusive ones. A lock on an
    /// unmapped resource is fine (the server creates an empty resource).
    ///
    /// `timeout` nil asks for Infinite; it is clamped to `maximumTimeout`. Parse
    /// the Timeout header with `parseTimeout(_:)` first.
    /// - Throws: `.locked` with the conflicting lock roots (423), `.badTimeout`.
    public func lock(_ resource: String, exclusive: Bool, depthInfinity: Bool, owner: String?,
                     timeout: TimeInterval?, principal: String) throws(DAVLockError) -> DAVLock {
        let resource = DAVLock.normalize(resource)
        let granted = try grant(timeout)
        return try withTable { table, now throws(DAVLockError) in
            let conflicts = table.values.filter { existing in
                guard exclusive || existing.exclusive else { return false }
                return existing.covers(resource) || (depthInfinity && existing.isWithin(resource))
            }
            guard conflicts.isEmpty else { throw .locked(conflicting: Self.roots(of: conflicts)) }
            var token = DAVLock.makeToken()
            while table[token] != nil { token = DAVLock.makeToken() }
            let lock = DAVLock(token: token, root: resource, exclusive: exclusive, depthInfinity: depthInfinity,
                               owner: owner, principal: principal, timeout: granted,
                               expires: granted.map { now.addingTimeInterval($0) })
            table[token] = lock
            return lock
        }
    }

    /// Refreshes a lock (RFC 4918 section 9.10.2): restarts its timer with the
    /// new timeout (nil = Infinite, clamped to `maximumTimeout`).
    /// The resource must be covered by the lock (it may be a member of a
    /// depth-infinity lock's collection, not only the root).
    /// - Throws: `.noSuchLock` (unknown or expired token, or a lock that does
    ///   not cover the resource), `.badTimeout`.
    public func refresh(token: String, resource: String, timeout: TimeInterval?) throws(DAVLockError) -> DAVLock {
        let resource = DAVLock.normalize(resource)
        let granted = try grant(timeout)
        return try withTable { table, now throws(DAVLockError) in
            guard var lock = table[token], lock.covers(resource) else { throw .noSuchLock }
            lock.timeout = granted
            lock.expires = granted.map { now.addingTimeInterval($0) }
            table[token] = lock
            return lock
        }
    }

    /// Refreshes the lock among `tokens` (those a LOCK request without a body
    /// submits in its If header) that covers `resource`. With several, the
    /// one rooted deepest is chosen.
    /// - Throws: `.noSuchLock` when none of them covers the resource, `.badTimeout`.
    public func refresh(anyOf tokens: Set<String>, resource: String, timeout: TimeInterval?) throws(DAVLockError) -> DAVLock {
        let resource = DAVLock.normalize(resource)
        let granted = try grant(timeout)
        return try withTable { table, now throws(DAVLockError) in
            let candidates = Self.sorted(table.values.filter { tokens.contains($0.token) && $0.covers(resource) })
            guard var lock = candidates.last else { throw .noSuchLock }
            lock.timeout = granted
            lock.expires = granted.map { now.addingTimeInterval($0) }
            table[lock.token] = lock
            return lock
        }
    }

    /// Removes a lock (RFC 4918 section 9.11). The resource must be covered by the lock.
    /// - Throws: `.noSuchLock` (409 with `<D:lock-token-matches-request-uri/>`).
    public func unlock(token: String, resource: String) throws(DAVLockError) {
        let resource = DAVLock.normalize(resource)
        try withTable { table, _ throws(DAVLockError) in
            guard let lock = table[token], lock.covers(resource) else { throw .noSuchLock }
            table[token] = nil
        }
    }

    /// Removes every lock rooted at the resource or below it (after DELETE, or
    /// for the source of a MOVE). Locks on ancestors stay.
    public func removeLocks(within resource: String) {
        let resource = DAVLock.normalize(resource)
        withTable { table, _ in
            for (token, lock) in table where lock.isWithin(resource) { table[token] = nil }
        }
    }

    // MARK: - Queries

    /// The lock with this token, if it exists and has not expired.
    public func lock(token: String) -> DAVLock? {
        withTable { table, _ in table[token] }
    }

    /// Locks on the resource, or on an ancestor with depth infinity (not
    /// expired): the resource's lockdiscovery. Sorted by root, ancestors
    /// first, then by token.
    public func locks(covering resource: String) -> [DAVLock] {
        let resource = DAVLock.normalize(resource)
        return withTable { table, _ in Self.sorted(table.values.filter { $0.covers(resource) }) }
    }

    /// Locks rooted at the resource or at any descendant (any depth).
    public func locks(within resource: String) -> [DAVLock] {
        let resource = DAVLock.normalize(resource)
        return withTable { table, _ in Self.sorted(table.values.filter { $0.isWithin(resource) }) }
    }

    /// The tokens of the locks covering the resource: what `DAVIfHeader.evaluate`
    /// needs for its state-token conditions.
    public func lockTokens(covering resource: String) -> Set<String> {
        Set(locks(covering: resource).map(\.token))
    }

    /// Which locks block modifying `resource` unless their token is submitted:
    /// the covering locks; with `includingDescendants` (DELETE or MOVE of a
    /// collection, COPY or MOVE onto an existing collection) also the locks
    /// within it. No duplicates, sorted as `locks(covering:)`.
    public func blockingLocks(for resource: String, includingDescendants: Bool) -> [DAVLock] {
        let resource = DAVLock.normalize(resource)
        return withTable { table, _ in
            Self.sorted(table.values.filter { $0.covers(resource) || (includingDescendants && $0.isWithin(resource)) })
        }
    }

    /// The locks that still block the write after the submitted tokens are
    /// taken into account. A locked resource may be written when a token of
    /// one of the locks covering it is submitted: there is either a single
    /// exclusive lock or only shared ones, and each shared-lock holder may
    /// write (RFC 4918 sections 6.1, 7). This is checked for the resource,
    /// with `includingDescendants` for the root of every lock within it, and
    /// with `includingParent` for its parent collection: creating, deleting or
    /// moving a member changes the parent's membership, which a lock on the
    /// parent protects even with depth 0 (RFC 4918 section 7.4).
    ///
    /// Typical use: PUT (new resource), MKCOL, DELETE, MOVE source, COPY/MOVE
    /// destination: `includingParent: true`; PUT (existing), PROPPATCH:
    /// `false`; DELETE/MOVE of a collection: `includingDescendants: true`.
    public func unsatisfiedLocks(for resource: String, includingDescendants: Bool = false,
                                 includingParent: Bool = false, submittedTokens: Set<String>) -> [DAVLock] {
        let resource = DAVLock.normalize(resource)
        return withTable { table, _ in
            let all = Array(table.values)
            var protected = [resource]   // resources whose write must be allowed by a covering lock's token
            if includingParent, let parent = DAVLock.parent(of: resource) { protected.append(parent) }
            if includingDescendants {
                protected += all.filter { $0.isWithin(resource) }.map(\.root)
            }
            var blocking: [String: DAVLock] = [:]
            for path in protected {
                let covering = all.filter { $0.covers(path) }
                guard !covering.contains(where: { submittedTokens.contains($0.token) }) else { continue }
                for lock in covering { blocking[lock.token] = lock }
            }
            return Self.sorted(Array(blocking.values))
        }
    }

    /// Throws `.locked` (HTTP 423, with the lock roots for
    /// `<D:lock-token-submitted>`) when `unsatisfiedLocks` finds any.
    public func checkWrite(_ resource: String, includingDescendants: Bool = false, includingParent: Bool = false,
                           submittedTokens: Set<String>) throws(DAVLockError) {
        let blocking = unsatisfiedLocks(for: resource, includingDescendants: includingDescendants,
                                        includingParent: includingParent, submittedTokens: submittedTokens)
        guard blocking.isEmpty else { throw .locked(conflicting: Self.roots(of: blocking)) }
    }

    // MARK: - Timeout header (RFC 4918 section 10.7)

    /// `parseTimeout(header, maximum: maximumTimeout, default: defaultTimeout)`.
    public func parseTimeout(_ header: String?) -> TimeInterval? {
        Self.parseTimeout(header, maximum: maximumTimeout, default: defaultTimeout)
    }

    /// Parses "Second-600", "Infinite", or a list such as
    /// "Infinite, Second-4100000000": the first acceptable entry wins, clamped
    /// to `maximum`. Absent, empty, or with no acceptable entry (unknown forms,
    /// Second-0, values of 2^32 or more) -> `default` (clamped too).
    /// Returns nil (Infinite) only for "Infinite" when `maximum` is `.infinity`.
    public static func parseTimeout(_ header: String?, maximum: TimeInterval, default: TimeInterval) -> TimeInterval? {
        func clamp(_ value: TimeInterval) -> TimeInterval? {
            let clamped = min(value, maximum)
            return clamped.isFinite ? clamped : nil
        }
        guard let header else { return clamp(`default`) }
        for entry in header.split(separator: ",") {
            let item = entry.trimmingCharacters(in: .whitespaces)
            if item.caseInsensitiveCompare("Infinite") == .orderedSame { return clamp(.infinity) }
            guard item.count > 7, item.prefix(7).caseInsensitiveCompare("Second-") == .orderedSame else { continue }
            let digits = item.dropFirst(7)
            guard digits.utf8.allSatisfy({ (48...57).contains($0) }), digits.utf8.count <= 10,
                  let seconds = UInt64(digits), seconds > 0, seconds < (1 << 32) else { continue }
            return clamp(TimeInterval(seconds))
        }
        return clamp(`default`)
    }

    // MARK: - Private

    /// nil = Infinite, clamped to the maximum; refuses non-positive or NaN values.
    private func grant(_ timeout: TimeInterval?) throws(DAVLockError) -> TimeInterval? {
        guard let timeout else { return maximumTimeout.isFinite ? maximumTimeout : nil }
        guard timeout > 0 else { throw .badTimeout }   // also false for NaN
        let granted = min(timeout, maximumTimeout)
        return granted.isFinite ? granted : nil
    }

    /// Runs `body` on the table under the lock, after dropping expired locks.
    private func withTable<T, E: Error>(_ body: (inout [String: DAVLock], Date) throws(E) -> T) throws(E) -> T {
        mutex.lock()
        defer { mutex.unlock() }
        let now = now()
        if table.values.contains(where: { $0.isExpired(at: now) }) {
            table = table.filter { !$0.value.isExpired(at: now) }
        }
        return try body(&table, now)
    }

    private static func sorted(_ locks: [DAVLock]) -> [DAVLock] {
        locks.sorted { a, b in
            let (ra, rb) = (Array(a.root.utf8), Array(b.root.utf8))
            if ra.count != rb.count { return ra.count < rb.count }
            if ra != rb { return ra.lexicographicallyPrecedes(rb) }
            return a.token < b.token
        }
    }

    private static func roots(of locks: [DAVLock]) -> [String] {
        var seen = Set<[UInt8]>()
        return sorted(locks).map(\.root).filter { seen.insert(Array($0.utf8)).inserted }
    }
}
