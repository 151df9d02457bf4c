import Vapor

/// The server-rendered admin pages under `/admin`: headers and error pages
/// for all, the session and CSRF guards for all but the login and assets.
struct AdminPages {
    func register(_ admin: any RoutesBuilder) {
        let pages = admin.grouped(AdminPageHeaders(), AdminErrorPages())
        pages.get("assets", ":asset") { request in try request.application.adminAssets.respond(request) }
        LoginPages().register(pages)

        let signedIn = pages.grouped(AdminSessionGuard(), CSRFGuard())
        signedIn.post("logout", use: LoginPages().logout)
        DashboardPage().register(signedIn)
        CertificatePages().register(signedIn)
        TrustPages().register(signedIn)
        TenantPages().register(signedIn)
        ProfilePages().register(signedIn)
        CredentialPages().register(signedIn)
        RecordingPages().register(signedIn)
        AuditPages().register(signedIn)
        AccountPages().register(signedIn)
        KeystorePage().register(signedIn)
        signedIn.get("**") { _ -> Response in throw Problem.notFound("this page") }
    }
}

/// A field's message, for forms that show errors next to their fields.
struct FieldErrors: Encodable {
    var fields: [String: String] = [:]
    /// A message not tied to one field.
    var general: String?

    init() {}

    init(_ problem: Problem, knownFields: Set<String>) {
        let text = problem.detail.prefix(1).uppercased() + problem.detail.dropFirst()
        // "storage.url" is "url" to templates (a dot would read as a path).
        let field = problem.field.map { $0.replacingOccurrences(of: "storage.", with: "") }
        if let field, knownFields.contains(field) { fields[field] = text } else { general = text }
    }
}
