import Fluent
import RCSCore
import Vapor

/// `GET /api/v1/profiles/{id}/recording-certificates`: what a recorder
/// encrypts to. Every deployed certificate is re-validated now (dates, chain
/// to a trusted root, key strength); only the usable ones are returned.
/// Admins, and recorder credentials of the profile's tenant, may call it.
struct RecordingCertificatesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("profiles", ":profileID", "recording-certificates", use: bundle)
    }

    func bundle(_ request: Request) async throws -> Response {
        guard let principal = request.principal else {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "sign in with a recorder credential or an admin account (HTTP Basic)")
        }
        let profile = try await ProfileController.find(request)
        switch principal {
        case .admin:
            break
        case let .credential(_, _, role, tenantID, _):
            // Another tenant's profile does not exist, as far as this caller can tell.
            guard tenantID == profile.$tenant.id else { throw Problem.notFound("profile \(request.parameters.get("profileID") ?? "")") }
            guard role == .recorder else {
                throw Problem(.forbidden, "forbidden", "Forbidden", detail: "only recorder credentials fetch recording certificates")
            }
        }
        let deployments = try await Deployment.query(on: request.db).filter(\.$profile.$id == (try profile.requireID())).all()
        var usable: [Certificate] = []
        var refused: [String] = []
        for deployment in deployments {
            let entry = try request.keystore.entry(deployment.$certificate.id)
            if let reason = request.certificateManager.unusableReason(entry) {
                refused.append("\(entry.certificate.subjectName): \(reason)")
            } else {
                usable.append(entry.certificate)
            }
        }
        guard !usable.isEmpty else {
            let why = deployments.isEmpty ? "no certificate is deployed to this profile" : "no deployed certificate is usable now: " + refused.joined(separator: "; ")
            throw Problem.conflict("no-usable-certificate", why)
        }
        let response = Response(status: .ok, body: .init(string: usable.map(\.pem).joined()))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "x-pem-file")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
