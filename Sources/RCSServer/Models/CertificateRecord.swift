import Fluent
import RCSCore
import Vapor

/// The catalog's view of a keystore certificate; the keystore files are the
/// truth, this row adds who uploaded it and when. Its id is the SHA-256
/// fingerprint, the same as the keystore file names.
final class CertificateRecord: Model, @unchecked Sendable {
    static let schema = "certificates"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "subject_name") var subjectName: String
    @Field(key: "serial_number") var serialNumber: String
    @Field(key: "subject_dn") var subjectDN: String
    @Field(key: "issuer_dn") var issuerDN: String
    @Field(key: "not_before") var notBefore: Date
    @Field(key: "not_after") var notAfter: Date
    @Field(key: "key_details") var keyDetails: String
    @Field(key: "uploaded_by") var uploadedBy: String
    @Timestamp(key: "uploaded_at", on: .create) var uploadedAt: Date?
    @Children(for: \.$certificate) var deployments: [Deployment]

    init() {}

    init(_ certificate: Certificate, keyDetails: String, uploadedBy: String) {
        id = certificate.sha256Fingerprint
        subjectName = certificate.subjectName
        serialNumber = certificate.serialNumberHex
        subjectDN = certificate.subjectDN
        issuerDN = certificate.issuerDN
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        self.keyDetails = keyDetails
        self.uploadedBy = uploadedBy
    }
}
