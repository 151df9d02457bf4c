import Crypto
import Foundation
import NIOConcurrencyHelpers

/// Remembers successful password checks for a short time, keyed by a SHA-256
/// of the credentials (never the password itself), and counts failures for
/// throttling.
final class CredentialCache: Sendable {
    private struct State {
        var verified: [String: (id: UUID, until: Date)] = [:]
        var failures: [String: [Date]] = [:]
    }
    private let state = NIOLockedValueBox(State())
    static let lifetime: TimeInterval = 300
    static let failureWindow: TimeInterval = 300
    static let maxFailures = 10

    static func key(_ username: String, _ password: String) -> String {
        SHA256.hash(data: Data("\(username)\u{0}\(password)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func lookup(_ username: String, _ password: String) -> UUID? {
        let key = Self.key(username, password)
        return state.withLockedValue { state in
            guard let hit = state.verified[key], hit.until > Date() else { return nil }
            return hit.id
        }
    }

    func remember(_ username: String, _ password: String, id: UUID) {
        let key = Self.key(username, password)
        state.withLockedValue { state in
            state.verified[key] = (id, Date().addingTimeInterval(Self.lifetime))
            state.failures[username] = nil
            if state.verified.count > 1000 { state.verified = state.verified.filter { $0.value.until > Date() } }
        }
    }

    func forget(username: String) {
        state.withLockedValue { $0.verified = [:]; $0.failures[username] = nil }
    }

    /// Records a failure; true when `subject` (a username or an address) is now throttled.
    @discardableResult
    func fail(_ subject: String) -> Bool {
        state.withLockedValue { state in
            let cutoff = Date().addingTimeInterval(-Self.failureWindow)
            var recent = (state.failures[subject] ?? []).filter { $0 > cutoff }
            recent.append(Date())
            state.failures[subject] = recent
            if state.failures.count > 10_000 { state.failures = state.failures.filter { $0.value.last ?? .distantPast > cutoff } }
            return recent.count > Self.maxFailures
        }
    }

    func isThrottled(_ subject: String) -> Bool {
        state.withLockedValue { state in
            let cutoff = Date().addingTimeInterval(-Self.failureWindow)
            return (state.failures[subject] ?? []).filter { $0 > cutoff }.count >= Self.maxFailures
        }
    }
}
