import Fluent
import RCSCore
import Vapor

/// `/admin/certificates`: the Recording Certificates panel of the seed, the
/// Upload Certificate panel, a detail page and delete with confirmation.
struct CertificatePages {
    func register(_ routes: any RoutesBuilder) {
        let certificates = routes.grouped("certificates")
        certificates.get(use: list)
        certificates.get("upload", use: uploadForm)
        certificates.post("upload", use: upload)
        certificates.post("preview", use: preview)
        certificates.get(":certificateID", use: detail)
        certificates.get(":certificateID", "pem", use: pem)
        certificates.get(":certificateID", "delete", use: confirmDelete)
        certificates.post(":certificateID", "delete", use: delete)
    }

    struct ListView: Encodable {
        let rows: [CertificateRow]
        let query: String
        let total: Int
    }

    func list(_ request: Request) async throws -> Response {
        let query = (request.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
        let all = try await CertificateController().list(request)
        let matching = query.isEmpty ? all : all.filter { certificate in
            [certificate.subjectName, certificate.issuerName, certificate.subjectDN, certificate.serialNumber, certificate.id]
                .contains { $0.localizedCaseInsensitiveContains(query) }
        }
        let view = ListView(rows: matching.map { CertificateRow($0) }, query: query, total: all.count)
        return try await request.renderPage("certificates", title: "Recording Certificates", section: "certificates", view)
    }

    struct UploadView: Encodable {
        let errors: FieldErrors
    }

    func uploadForm(_ request: Request) async throws -> Response {
        try await request.renderPage("certificate-upload", title: "Upload Certificate", section: "certificates",
                                     UploadView(errors: FieldErrors()))
    }

    /// Without JavaScript the fields are shown on the certificate's page after saving.
    func upload(_ request: Request) async throws -> Response {
        do {
            let form = try request.content.decode(CertificateController.UploadForm.self)
            let stored = try await CertificateController.store(form, request)
            request.flash("Certificate \(stored.subjectName) uploaded; status \(CertificateRow(stored).statusLabel.lowercased()).")
            return request.seeOther("/admin/certificates/\(stored.id)")
        } catch let problem as Problem where problem.status.code < 500 {
            let errors = FieldErrors(problem, knownFields: ["certificate", "key", "password", "chain"])
            return try await request.renderPage("certificate-upload", title: "Upload Certificate", section: "certificates",
                                                status: problem.status, UploadView(errors: errors))
        }
    }

    /// The page's script fills the fields from this as soon as a file is chosen.
    func preview(_ request: Request) async throws -> CertificateController.PreviewResponse {
        try await CertificateController().preview(request)
    }

    struct DetailView: Encodable {
        let row: CertificateRow
        let fields: [Field]
        let chain: [String]
        let profiles: [CertificateController.ProfileSummary]
        let recordings: Int
    }

    struct Field: Encodable {
        let label: String
        let value: String
        /// Long values (DNs, fingerprints) wrap in a monospace block.
        let long: Bool
    }

    func detail(_ request: Request) async throws -> Response {
        let certificate = try await CertificateController().show(request)
        let record = try await CertificateController.find(request)
        let usage = try await CertificateController.usage(record, request)
        let fields = [
            Field(label: "Subject Name", value: certificate.subjectName, long: false),
            Field(label: "Serial Number", value: certificate.serialNumber, long: true),
            Field(label: "Subject DN", value: certificate.subjectDN, long: true),
            Field(label: "Issuer DN", value: certificate.issuerDN, long: true),
            Field(label: "Not Before", value: Format.time(certificate.notBefore), long: false),
            Field(label: "Not After", value: Format.time(certificate.notAfter), long: false),
            Field(label: "Public key", value: "\(certificate.keyType) \(certificate.keyBits)-bit", long: false),
            Field(label: "Key Details", value: certificate.keyDetails, long: false),
            Field(label: "SHA-256 fingerprint", value: certificate.sha256Fingerprint, long: true),
            Field(label: "Uploaded by", value: certificate.uploadedBy ?? "", long: false),
            Field(label: "Uploaded at", value: Format.time(certificate.uploadedAt), long: false),
        ]
        let view = DetailView(row: CertificateRow(certificate), fields: fields, chain: certificate.chain,
                              profiles: certificate.profiles ?? [], recordings: usage.recordings)
        return try await request.renderPage("certificate", title: certificate.subjectName, section: "certificates", view)
    }

    /// The certificate alone (public), for recorders configured by hand.
    func pem(_ request: Request) async throws -> Response {
        let response = try await CertificateController().pem(request)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"certificate.pem\"")
        return response
    }

    struct DeleteView: Encodable {
        let row: CertificateRow
        let deployments: Int
        let recordings: Int
        let inUse: Bool
    }

    func confirmDelete(_ request: Request) async throws -> Response {
        let certificate = try await CertificateController().show(request)
        let usage = try await CertificateController.usage(try await CertificateController.find(request), request)
        let view = DeleteView(row: CertificateRow(certificate), deployments: usage.deployments, recordings: usage.recordings,
                              inUse: usage.deployments > 0 || usage.recordings > 0)
        return try await request.renderPage("certificate-delete", title: "Delete certificate", section: "certificates", view)
    }

    struct DeleteForm: Content { var force: String? }

    func delete(_ request: Request) async throws -> Response {
        let record = try await CertificateController.find(request)
        let force = (try? request.content.decode(DeleteForm.self))?.force == "true"
        do {
            try await CertificateController.remove(record, force: force, request)
        } catch let problem as Problem where problem.slug == "certificate-in-use" {
            request.flash("The certificate is still in use: tick \"Delete anyway\" to delete it regardless.", isError: true)
            return request.seeOther("/admin/certificates/\(try record.requireID())/delete")
        }
        request.flash("Certificate \(record.subjectName) deleted.")
        return request.seeOther("/admin/certificates")
    }
}
