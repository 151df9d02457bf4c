import Fluent
import Vapor

/// `GET /api/v1/audit`: newest first, filtered and paged.
struct AuditController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("audit", use: list)
    }

    struct Page: Content {
        let items: [Item]
        let page: Int
        let per: Int
        let total: Int
    }

    struct Item: Content {
        let id: UUID
        let at: Date
        let actor: String
        let action: String
        let tenant: String?
        let target: String?
        let outcome: String
        let remoteAddress: String?
        let requestID: String?
        let detail: String?
    }

    func list(_ request: Request) async throws -> Page {
        let window = PageWindow(request)
        var query = AuditEvent.query(on: request.db)
        if let actor = request.query[String.self, at: "actor"] { query = query.filter(\.$actor == actor) }
        if let action = request.query[String.self, at: "action"] {
            // "certificate." matches every certificate action; "certificate.upload" that one.
            query = action.hasSuffix(".") ? query.filter(\.$action, .custom("LIKE"), action + "%") : query.filter(\.$action == action)
        }
        if let tenant = request.query[String.self, at: "tenant"] { query = query.filter(\.$tenant == tenant) }
        if let outcome = request.query[String.self, at: "outcome"] { query = query.filter(\.$outcome == outcome) }
        if let since = try Self.date(request, "since") { query = query.filter(\.$at >= since) }
        if let until = try Self.date(request, "until") { query = query.filter(\.$at <= until) }
        let total = try await query.count()
        let events = try await query.sort(\.$at, .descending).range(window.rows).all()
        return Page(items: try events.map { event in
            Item(id: try event.requireID(), at: event.at, actor: event.actor, action: event.action, tenant: event.tenant,
                 target: event.target, outcome: event.outcome, remoteAddress: event.remoteAddress,
                 requestID: event.requestID, detail: event.detail)
        }, page: window.page, per: window.per, total: total)
    }

    static func date(_ request: Request, _ name: String) throws -> Date? {
        guard let text = request.query[String.self, at: name] else { return nil }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate]
        if let date = formatter.date(from: text) { return date }
        throw Problem.badRequest("invalid-date", "\(name) must be an ISO 8601 time such as 2026-11-23T10:00:00Z", field: name)
    }
}
