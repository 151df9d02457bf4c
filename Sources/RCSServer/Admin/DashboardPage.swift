import Fluent
import Vapor

/// `/admin`: counts, certificates expiring within 90 days, and a timeline of
/// every certificate's validity against today.
struct DashboardPage {
    struct Count: Encodable {
        let label: String
        let value: Int
        let link: String
    }

    struct View: Encodable {
        let counts: [Count]
        let expiring: [CertificateRow]
        let timeline: ValidityTimeline
        let hasCertificates: Bool
    }

    func register(_ routes: any RoutesBuilder) {
        routes.get(use: show)
    }

    func show(_ request: Request) async throws -> Response {
        let certificates = try await CertificateController().list(request)
        let now = Date()
        let rows = certificates.map { CertificateRow($0, now: now) }
        let counts = [
            Count(label: "Certificates", value: certificates.count, link: "/admin/certificates"),
            Count(label: "Tenants", value: try await Tenant.query(on: request.db).count(), link: "/admin/tenants"),
            Count(label: "Recording profiles", value: try await RecordingProfile.query(on: request.db).count(), link: "/admin/profiles"),
            Count(label: "Recordings", value: try await Recording.query(on: request.db).count(), link: "/admin/recordings"),
        ]
        let view = View(counts: counts, expiring: rows.filter { $0.status == "expiring" },
                        timeline: ValidityTimeline(certificates, now: now), hasCertificates: !certificates.isEmpty)
        return try await request.renderPage("dashboard", title: "Dashboard", section: "dashboard", view)
    }
}
