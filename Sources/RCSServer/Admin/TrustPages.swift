import Vapor

/// `/admin/trust`: the trusted CAs uploads chain to (a CA or a bundle at once).
struct TrustPages {
    func register(_ routes: any RoutesBuilder) {
        routes.get("trust", use: list)
        routes.post("trust", use: add)
        routes.post("trust", ":caID", "delete", use: delete)
    }

    struct Row: Encodable {
        let id: String
        let subjectDN: String
        let issuerDN: String
        let expires: String
        let kind: String
        let status: String
        let statusLabel: String
    }

    struct View: Encodable {
        let rows: [Row]
        let errors: FieldErrors
    }

    func list(_ request: Request) async throws -> Response {
        try await render(request, errors: FieldErrors(), status: .ok)
    }

    func render(_ request: Request, errors: FieldErrors, status: HTTPResponseStatus) async throws -> Response {
        let now = Date()
        let rows = try await TrustController().list(request).map { ca in
            let (badge, label) = CertificateRow.badge(notBefore: ca.notBefore, notAfter: ca.notAfter, now: now)
            return Row(id: ca.id, subjectDN: ca.subjectDN, issuerDN: ca.issuerDN, expires: Format.day(ca.notAfter),
                       kind: ca.isRoot ? "Root" : "Intermediate", status: badge, statusLabel: label)
        }
        return try await request.renderPage("trust", title: "Trusted CAs", section: "trust", status: status,
                                            View(rows: rows, errors: errors))
    }

    func add(_ request: Request) async throws -> Response {
        do {
            let response = try await TrustController().add(request)
            let result = try response.content.decode([TrustController.TrustedCA].self)
            let added = result.filter { $0.added == true }.count
            request.flash(added == 0 ? "Every CA in that file was already trusted."
                                     : "\(added) CA certificate\(added == 1 ? "" : "s") added to the trust store.")
            return request.seeOther("/admin/trust")
        } catch let problem as Problem where problem.status.code < 500 {
            return try await render(request, errors: FieldErrors(problem, knownFields: ["certificate"]), status: problem.status)
        }
    }

    func delete(_ request: Request) async throws -> Response {
        try await request.perform(back: "/admin/trust") {
            _ = try await TrustController().delete(request)
            return "The CA is no longer trusted. Certificates already uploaded stay; new uploads under it are refused."
        }
    }
}
