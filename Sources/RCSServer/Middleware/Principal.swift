import Vapor

/// Who is calling: an admin, or a tenant's machine credential.
enum Principal: Authenticatable {
    case admin(id: UUID, username: String)
    case credential(id: UUID, username: String, role: Credential.Role, tenantID: UUID, tenantName: String)

    var auditName: String {
        switch self {
        case let .admin(_, username): return "admin:\(username)"
        case let .credential(_, username, role, _, _): return "\(role.rawValue):\(username)"
        }
    }

    var tenantName: String? {
        if case let .credential(_, _, _, _, tenant) = self { return tenant }
        return nil
    }

    var isAdmin: Bool { if case .admin = self { return true } else { return false } }
}

extension Request {
    var principal: Principal? { auth.get(Principal.self) }

    /// The caller's name for "created by" fields.
    var actorName: String { principal?.auditName ?? "anonymous" }
}
