import Crypto
import Foundation
import NIOConcurrencyHelpers
import RCSCore

/// Signed-in admin sessions of the web pages, in memory only: a restart signs
/// everyone out. The cookie carries a random 256-bit token; the store keys
/// sessions by its SHA-256, so a memory dump holds no usable cookie.
/// Sessions end after 30 minutes idle or 12 hours in all.
final class AdminSessionStore: Sendable {
    struct Session: Sendable {
        let adminID: UUID
        let username: String
        /// Sent back in every form and in `X-CSRF-Token`.
        let csrfToken: String
        let createdAt: Date
        var lastSeenAt: Date
        /// A one-time message for the next page ("Tenant acme created").
        var flash: Flash?
    }

    /// A message shown once, after a redirect.
    struct Flash: Sendable, Encodable {
        let text: String
        let isError: Bool
    }

    static let idleTimeout: TimeInterval = 30 * 60
    static let absoluteTimeout: TimeInterval = 12 * 3600
    static let maxSessions = 1000

    private let sessions = NIOLockedValueBox([String: Session]())

    /// A new session for `adminID`; returns the cookie token (shown nowhere else).
    func create(adminID: UUID, username: String, now: Date = Date()) throws -> String {
        let token = try Self.randomToken()
        let session = Session(adminID: adminID, username: username, csrfToken: try Self.randomToken(),
                              createdAt: now, lastSeenAt: now)
        sessions.withLockedValue { sessions in
            sessions = sessions.filter { Self.isAlive($0.value, now: now) }
            if sessions.count >= Self.maxSessions, let oldest = sessions.min(by: { $0.value.lastSeenAt < $1.value.lastSeenAt }) {
                sessions[oldest.key] = nil
            }
            sessions[Self.key(token)] = session
        }
        return token
    }

    /// The live session for a cookie token, touched; nil when unknown or expired.
    func session(for token: String, now: Date = Date()) -> Session? {
        let key = Self.key(token)
        return sessions.withLockedValue { sessions in
            guard var session = sessions[key] else { return nil }
            guard Self.isAlive(session, now: now) else {
                sessions[key] = nil
                return nil
            }
            session.lastSeenAt = now
            sessions[key] = session
            return session
        }
    }

    func end(_ token: String) {
        _ = sessions.withLockedValue { $0.removeValue(forKey: Self.key(token)) }
    }

    /// Ends every session of one admin but `keeping` (after a password change or a deletion).
    func endAll(adminID: UUID, keeping token: String? = nil) {
        let kept = token.map(Self.key)
        sessions.withLockedValue { $0 = $0.filter { $0.value.adminID != adminID || $0.key == kept } }
    }

    func setFlash(_ message: Flash, for token: String) {
        sessions.withLockedValue { $0[Self.key(token)]?.flash = message }
    }

    /// The pending message, once.
    func takeFlash(for token: String) -> Flash? {
        sessions.withLockedValue { sessions in
            let key = Self.key(token)
            defer { sessions[key]?.flash = nil }
            return sessions[key]?.flash
        }
    }

    private static func isAlive(_ session: Session, now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeenAt) < idleTimeout && now.timeIntervalSince(session.createdAt) < absoluteTimeout
    }

    private static func key(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 256 random bits, base64url.
    static func randomToken() throws -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
