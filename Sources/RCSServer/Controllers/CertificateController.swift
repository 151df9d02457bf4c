import Fluent
import RCSCore
import Vapor

/// `/api/v1/certificates`: recording certificates with their private keys.
struct CertificateController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let certificates = routes.grouped("certificates")
        certificates.get(use: list)
        certificates.post(use: upload)
        certificates.post("preview", use: preview)
        certificates.get(":certificateID", use: show)
        certificates.get(":certificateID", "pem", use: pem)
        certificates.delete(":certificateID", use: delete)
    }

    /// The multipart form of SPEC section 4.
    struct UploadForm: Content {
        var certificate: File?
        var key: File?
        var password: String?
        var chain: File?

        func upload() throws -> CertificateManager.Upload {
            guard let certificate, certificate.data.readableBytes > 0 else {
                throw Problem.badRequest("certificate-required", "give the certificate file in the 'certificate' part", field: "certificate")
            }
            return CertificateManager.Upload(certificate: Array(buffer: certificate.data),
                                             key: key.map { Array(buffer: $0.data) },
                                             password: password,
                                             chain: chain.map { Array(buffer: $0.data) })
        }
    }

    struct CertificateResponse: Content {
        let id: String
        let subjectName: String
        let serialNumber: String
        let subjectDN: String
        let issuerDN: String
        let issuerName: String
        let notBefore: Date
        let notAfter: Date
        let keyDetails: String
        let keyType: String
        let keyBits: Int
        let sha256Fingerprint: String
        let status: CertificateManager.Status
        let deployedCount: Int
        let chain: [String]
        let uploadedBy: String?
        let uploadedAt: Date?
        var profiles: [ProfileSummary]?
    }

    struct ProfileSummary: Content {
        let id: UUID
        let name: String
        let tenant: String
    }

    static func response(_ certificate: Certificate, chain: [Certificate], keyDetails: String,
                         record: CertificateRecord?, deployedCount: Int) -> CertificateResponse {
        CertificateResponse(id: certificate.sha256Fingerprint, subjectName: certificate.subjectName,
                            serialNumber: certificate.serialNumberHex, subjectDN: certificate.subjectDN,
                            issuerDN: certificate.issuerDN, issuerName: certificate.issuerName, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
                            keyDetails: keyDetails, keyType: certificate.publicKeyType, keyBits: certificate.publicKeyBits,
                            sha256Fingerprint: certificate.sha256Fingerprint, status: CertificateManager.status(certificate),
                            deployedCount: deployedCount, chain: chain.map(\.subjectDN),
                            uploadedBy: record?.uploadedBy, uploadedAt: record?.uploadedAt, profiles: nil)
    }

    func upload(_ request: Request) async throws -> Response {
        let body = try await Self.store(try request.content.decode(UploadForm.self), request)
        return try await body.encodeResponse(status: .created, for: request)
    }

    /// Validates an upload and stores certificate and key: the API's and the upload page's one path.
    static func store(_ form: UploadForm, _ request: Request) async throws -> CertificateResponse {
        let validated: CertificateManager.Validated
        do {
            let upload = try form.upload()
            let manager = request.certificateManager
            // Opening the key runs its KDF: off the event loop.
            validated = try await request.application.threadPool.runIfActive { try manager.validate(upload) }
        } catch let problem as Problem {
            await request.audit.record("certificate.upload", outcome: "failure", detail: "\(problem.slug): \(problem.detail)")
            throw problem
        } catch let failure as ChainVerifier.Failure {
            await request.audit.record("certificate.upload", outcome: "failure", detail: failure.message)
            throw Problem(failure)
        }
        let certificate = validated.certificate
        let fingerprint = certificate.sha256Fingerprint
        if try await CertificateRecord.find(fingerprint, on: request.db) != nil || (try? request.keystore.entry(fingerprint)) != nil {
            await request.audit.record("certificate.upload", outcome: "failure", target: fingerprint, detail: "duplicate")
            throw Problem.conflict("duplicate", "this certificate (\(certificate.subjectName), SHA-256 \(fingerprint)) is already uploaded")
        }
        let key = validated.key!
        let keyDetails = key.details
        let intermediates = validated.chain.filter { !$0.isSelfSigned }
        // Deriving the key encryption (PBKDF2) is slow on purpose: off the event loop.
        try await request.application.threadPool.runIfActive {
            try request.keystore.add(certificate: certificate, key: key, chain: intermediates)
        }
        let record = CertificateRecord(certificate, keyDetails: keyDetails, uploadedBy: request.actorName)
        do {
            try await record.create(on: request.db)
        } catch {
            try? request.keystore.remove(fingerprint)
            throw error
        }
        await request.audit.record("certificate.upload", target: fingerprint,
                                   detail: "\(certificate.subjectName); status \(validated.status.rawValue)")
        return Self.response(certificate, chain: validated.chain, keyDetails: keyDetails, record: record, deployedCount: 0)
    }

    struct PreviewResponse: Content {
        let certificate: CertificateResponse
        /// Set when a key was given and opened.
        let keyDetails: String?
        let keyMatches: Bool?
        /// Problems that would refuse an upload, each with the field it concerns.
        let problems: [ProblemItem]
    }

    struct ProblemItem: Content {
        let type: String
        let field: String?
        let detail: String
    }

    /// Parses a certificate (and optionally a key) and says what an upload
    /// would say, without storing anything: the upload page fills its fields from it.
    func preview(_ request: Request) async throws -> PreviewResponse {
        let form = try request.content.decode(UploadForm.self)
        let upload = try form.upload()
        let certificates: [Certificate]
        do {
            certificates = try Certificate.load(upload.certificate)
        } catch let error as RCSError {
            throw Problem(error, field: "certificate")
        }
        let leaf = certificates[0]
        var problems: [ProblemItem] = []
        var keyDetails: String?
        var keyMatches: Bool?
        if let keyBytes = upload.key, !keyBytes.isEmpty {
            do {
                // Opening an encrypted key runs its KDF (iterations chosen by the file): off the event loop.
                let password = upload.password.flatMap { $0.isEmpty ? nil : $0 }
                let key = try await request.application.threadPool.runIfActive { try PrivateKey.load(keyBytes, password: password) }
                keyDetails = key.details
                keyMatches = key.matches(leaf)
                if keyMatches == false {
                    problems.append(ProblemItem(type: "urn:rcs:problem:key-mismatch", field: "key", detail: "the private key does not belong to this certificate"))
                }
            } catch let error as RCSError {
                let problem = Problem(error, field: "key")
                problems.append(ProblemItem(type: problem.type, field: problem.field, detail: problem.detail))
            }
        }
        var chain: [Certificate] = []
        do {
            try request.certificateManager.checkKeyStrength(leaf)
            let intermediates = Array(certificates.dropFirst()) + ((try? upload.chain.map { try Certificate.load($0) }) ?? nil ?? [])
            chain = try request.certificateManager.verifyChain(leaf, intermediates: intermediates,
                                                               at: CertificateManager.timeWithinValidity(leaf))
        } catch let problem as Problem {
            problems.append(ProblemItem(type: problem.type, field: problem.field, detail: problem.detail))
        } catch let failure as ChainVerifier.Failure {
            let problem = Problem(failure)
            problems.append(ProblemItem(type: problem.type, field: problem.field, detail: problem.detail))
        }
        let deployed = try await Deployment.query(on: request.db).filter(\.$certificate.$id == leaf.sha256Fingerprint).count()
        let body = Self.response(leaf, chain: chain, keyDetails: keyDetails ?? "", record: nil, deployedCount: deployed)
        return PreviewResponse(certificate: body, keyDetails: keyDetails, keyMatches: keyMatches, problems: problems)
    }

    func list(_ request: Request) async throws -> [CertificateResponse] {
        let records = try await CertificateRecord.query(on: request.db).with(\.$deployments).sort(\.$notAfter).all()
        return try records.map { record in
            let entry = try request.keystore.entry(record.id!)
            return Self.response(entry.certificate, chain: entry.chain, keyDetails: record.keyDetails, record: record,
                                 deployedCount: record.deployments.count)
        }
    }

    func show(_ request: Request) async throws -> CertificateResponse {
        let record = try await Self.find(request)
        let entry = try request.keystore.entry(record.id!)
        let deployments = try await Deployment.query(on: request.db).filter(\.$certificate.$id == record.id!)
            .with(\.$profile) { $0.with(\.$tenant) }.all()
        var body = Self.response(entry.certificate, chain: entry.chain, keyDetails: record.keyDetails, record: record,
                                 deployedCount: deployments.count)
        body.profiles = try deployments.map {
            ProfileSummary(id: try $0.profile.requireID(), name: $0.profile.name, tenant: $0.profile.tenant.name)
        }
        return body
    }

    /// The certificate alone, as PEM (public data).
    func pem(_ request: Request) async throws -> Response {
        let record = try await Self.find(request)
        let entry = try request.keystore.entry(record.id!)
        let response = Response(status: .ok, body: .init(string: entry.certificate.pem))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "x-pem-file")
        return response
    }

    /// Refuses a deployed certificate unless `force=true`, which is audited.
    func delete(_ request: Request) async throws -> HTTPStatus {
        let record = try await Self.find(request)
        try await Self.remove(record, force: (try? request.query.get(Bool.self, at: "force")) ?? false, request)
        return .noContent
    }

    /// What a certificate is still used for: profiles it is deployed to, stored recordings its key opens.
    static func usage(_ record: CertificateRecord, _ request: Request) async throws -> (deployments: Int, recordings: Int) {
        let fingerprint = try record.requireID()
        let deployments = try await Deployment.query(on: request.db).filter(\.$certificate.$id == fingerprint).count()
        let recordings = try await recordingsOpened(by: try request.keystore.entry(fingerprint).certificate, on: request.db)
        return (deployments, recordings)
    }

    /// Deletes certificate and key; one in use only with `force` (audited either way).
    static func remove(_ record: CertificateRecord, force: Bool, _ request: Request) async throws {
        let fingerprint = try record.requireID()
        let (deployments, recordings) = try await usage(record, request)
        if (deployments > 0 || recordings > 0) && !force {
            let why = "deployed to \(deployments) profile(s); its key opens \(recordings) stored recording(s)"
            await request.audit.record("certificate.delete", outcome: "failure", target: fingerprint, detail: why)
            throw Problem.conflict("certificate-in-use", "the certificate is \(why): without it they cannot be played. Remove it from the profiles first, or delete with force=true (audited)")
        }
        try await request.db.transaction { db in
            try await Deployment.query(on: db).filter(\.$certificate.$id == fingerprint).delete()
            try await record.delete(on: db)
        }
        try request.keystore.remove(fingerprint)
        await request.audit.record("certificate.delete", target: fingerprint,
                                   detail: force ? "force=true; was deployed to \(deployments) profile(s), opened \(recordings) recording(s)" : record.subjectName)
    }

    /// How many catalogued recordings name this certificate as a recipient.
    static func recordingsOpened(by certificate: Certificate, on db: Database) async throws -> Int {
        let ski = certificate.subjectKeyIdentifierHex
        return try await RecordingRecipient.query(on: db).group(.or) { group in
            group.group(.and) { byIssuer in
                byIssuer.filter(\.$issuerDN == certificate.issuerDN).filter(\.$serialNumber == certificate.serialNumberHex)
            }
            if let ski { group.filter(\.$subjectKeyIdentifier == ski) }
        }.count()
    }

    static func find(_ request: Request) async throws -> CertificateRecord {
        let id = try request.parameters.require("certificateID").lowercased()
        guard Keystore.isFingerprintString(id), let record = try await CertificateRecord.find(id, on: request.db) else {
            throw Problem.notFound("certificate \(request.parameters.get("certificateID") ?? "")")
        }
        return record
    }
}
