import Vapor

/// `/admin/audit`: the audit log, newest first, filtered and paged.
struct AuditPages {
    func register(_ routes: any RoutesBuilder) {
        routes.get("audit", use: list)
    }

    struct Row: Encodable {
        let at: String
        let actor: String
        let action: String
        let tenant: String
        let target: String
        let outcome: String
        let address: String
        let detail: String
    }

    struct View: Encodable {
        let rows: [Row]
        let filter: [String: String]
        let paging: Paging
        let errors: FieldErrors
    }

    func list(_ request: Request) async throws -> Response {
        let names = ["actor", "action", "tenant", "outcome", "since", "until"]
        request.dropEmptyQueryItems()
        var filter: [String: String] = [:]
        for name in names { filter[name] = request.query[String.self, at: name] ?? "" }
        do {
            let page = try await AuditController().list(request)
            let rows = page.items.map { item in
                Row(at: Format.time(item.at), actor: item.actor, action: item.action, tenant: item.tenant ?? "",
                    target: item.target ?? "", outcome: item.outcome, address: item.remoteAddress ?? "", detail: item.detail ?? "")
            }
            return try await request.renderPage("audit", title: "Audit log", section: "audit",
                                                View(rows: rows, filter: filter, paging: Paging(request, page: page.page, per: page.per, total: page.total),
                                                     errors: FieldErrors()))
        } catch let problem as Problem where problem.status.code < 500 {
            return try await request.renderPage("audit", title: "Audit log", section: "audit", status: problem.status,
                                                View(rows: [], filter: filter, paging: Paging(request, page: 1, per: 50, total: 0),
                                                     errors: FieldErrors(problem, knownFields: Set(names))))
        }
    }
}

/// Previous / next links that keep the current filters.
struct Paging: Encodable {
    let page: Int
    let pages: Int
    let total: Int
    let previous: String?
    let next: String?

    init(_ request: Request, page: Int, per: Int, total: Int) {
        self.page = page
        self.total = total
        pages = max(1, (total + per - 1) / per)
        func link(_ target: Int) -> String {
            var components = URLComponents(string: request.url.string) ?? URLComponents()
            var items = (components.queryItems ?? []).filter { $0.name != "page" }
            items.append(URLQueryItem(name: "page", value: String(target)))
            components.queryItems = items
            return components.string ?? "?page=\(target)"
        }
        previous = page > 1 ? link(page - 1) : nil
        next = page < pages ? link(page + 1) : nil
    }
}
