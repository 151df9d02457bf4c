import RCSCore
import Vapor

/// `/api/v1/trust`: the CA certificates uploads are checked against.
struct TrustController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let trust = routes.grouped("trust")
        trust.get(use: list)
        trust.post(use: add)
        trust.get(":caID", use: show)
        trust.delete(":caID", use: delete)
    }

    struct TrustedCA: Content {
        let id: String
        let subjectDN: String
        let issuerDN: String
        let notBefore: Date
        let notAfter: Date
        /// Self-signed: a trust anchor. Otherwise an intermediate offered to chain building.
        let isRoot: Bool
        let sha256Fingerprint: String
        /// False when the upload named a CA that was already trusted.
        var added: Bool?

        init(_ certificate: Certificate, added: Bool? = nil) {
            id = certificate.sha256Fingerprint
            subjectDN = certificate.subjectDN
            issuerDN = certificate.issuerDN
            notBefore = certificate.notBefore
            notAfter = certificate.notAfter
            isRoot = certificate.isSelfSigned
            sha256Fingerprint = certificate.sha256Fingerprint
            self.added = added
        }
    }

    struct Form: Content { var certificate: File? }

    func add(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        guard let file = form.certificate, file.data.readableBytes > 0 else {
            throw Problem.badRequest("certificate-required", "give one CA certificate or a PEM bundle in the 'certificate' part", field: "certificate")
        }
        let certificates: [Certificate]
        do {
            certificates = try Certificate.load(Array(buffer: file.data))
        } catch let error as RCSError {
            throw Problem(error, field: "certificate")
        }
        let result: (added: [Certificate], existing: [Certificate])
        do {
            result = try request.application.trustStore.add(certificates)
        } catch let error as RCSError {
            await request.audit.record("trust.add", outcome: "failure", detail: error.reason)
            throw Problem.unprocessable("not-a-ca", error.reason, field: "certificate")
        }
        for certificate in result.added {
            await request.audit.record("trust.add", target: certificate.sha256Fingerprint, detail: certificate.subjectDN)
        }
        let body = result.added.map { TrustedCA($0, added: true) } + result.existing.map { TrustedCA($0, added: false) }
        return try await body.encodeResponse(status: result.added.isEmpty ? .ok : .created, for: request)
    }

    func list(_ request: Request) async throws -> [TrustedCA] {
        try request.application.trustStore.all().map { TrustedCA($0) }
    }

    func show(_ request: Request) async throws -> TrustedCA {
        TrustedCA(try find(request))
    }

    func delete(_ request: Request) async throws -> HTTPStatus {
        let certificate = try find(request)
        try request.application.trustStore.remove(certificate.sha256Fingerprint)
        await request.audit.record("trust.remove", target: certificate.sha256Fingerprint, detail: certificate.subjectDN)
        return .noContent
    }

    private func find(_ request: Request) throws -> Certificate {
        let id = try request.parameters.require("caID").lowercased()
        guard Keystore.isFingerprintString(id), let certificate = try request.application.trustStore.certificate(id) else {
            throw Problem.notFound("trusted CA \(request.parameters.get("caID") ?? "")")
        }
        return certificate
    }
}
