import Vapor

/// Every route. The admin API is behind HTTP Basic and `AdminOnly`; the
/// recorders' certificate bundle checks its own callers; the admin pages
/// (`/admin`) are behind a session cookie and CSRF tokens.
func routes(_ app: Application) throws {
    try app.register(collection: HealthController())
    try app.register(collection: OpenAPIController())

    WebDAVController().register(app.grouped(BasicAuthenticator()))

    let api = app.grouped("api", "v1").grouped(BasicAuthenticator())
    try api.register(collection: RecordingCertificatesController())

    let playback = app.grouped("rcs", "api", "v1").grouped(BasicAuthenticator())
    try playback.register(collection: RecordingController())
    try playback.register(collection: AudioController())
    try playback.register(collection: DecryptProxyController())

    let admin = api.grouped(AdminOnly())
    try admin.register(collection: CertificateController())
    try admin.register(collection: TrustController())
    try admin.register(collection: TenantController())
    try admin.register(collection: ProfileController())
    try admin.register(collection: RemoteSyncController())
    try admin.register(collection: CredentialController())
    try admin.register(collection: AuditController())
    try admin.register(collection: KeystoreController())

    AdminPages().register(app.grouped("admin"))
}
