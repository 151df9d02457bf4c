import Fluent
import FluentSQLiteDriver
import NIOSSL
import RCSCore
import Vapor

/// Wires the application: database, keystore, services, middleware, routes.
/// Reports what it did with secrets through `notices` (printed, never logged).
public func configure(_ app: Application, _ configuration: ServerConfiguration,
                      notices: @Sendable (String) -> Void = { print($0) }) async throws {
    app.rcsConfiguration = configuration
    // The data directory holds the catalog and may hold generated secrets: owner only.
    try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])

    // The keystore first: a wrong password must stop us before anything is touched.
    let (password, source) = try SecretFile.keystorePassword(environment: configuration.environment,
                                                              dataDirectory: configuration.dataDirectory, generate: true)
    switch source {
    case let .generated(path):
        notices("""
            !!! WARNING: no keystore password was given (RCS_KEYSTORE_PASSWORD or RCS_KEYSTORE_PASSWORD_FILE).
            !!! A new one was generated and written to \(path) (mode 0600).
            !!! Anyone who reads that file can open every private key: move it to a secret store
            !!! and start RCS with RCS_KEYSTORE_PASSWORD_FILE pointing at it.
            """)
    case let .file(path) where path.hasSuffix("/keystore.pass"):
        app.logger.warning("the keystore password is read from \(path), beside the data: prefer RCS_KEYSTORE_PASSWORD_FILE on a secret mount")
    default:
        break
    }
    app.keystore = try Keystore(directory: configuration.keystoreDirectory, password: password,
                                kdfIterations: configuration.kdfIterations)
    app.playbackSigner = try PlaybackURLSigner(keystore: app.keystore)

    app.databases.use(.sqlite(.file(configuration.databasePath)), as: .sqlite)
    app.migrations.add(CreateSchema())
    app.migrations.add(CreateStorageSchema())
    app.migrations.add(AddPlaybackFields())
    app.migrations.add(AddRemoteSource())
    app.migrations.add(AddSearchFields())
    try await app.autoMigrate()

    app.passwords.use(.bcrypt(cost: configuration.bcryptCost))
    // The decrypt proxy's fetches must not be redirected off the configured locations.
    app.http.client.configuration.redirectConfiguration = .disallow
    app.routes.defaultMaxBodySize = ByteCount(value: configuration.maxBodyBytes)

    app.http.server.configuration.hostname = configuration.host
    app.http.server.configuration.port = configuration.port
    if let certificatePath = configuration.tlsCertificate, let keyPath = configuration.tlsKey {
        app.publicTLS = .makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        app.http.server.configuration.tlsConfiguration = app.publicTLS
    } else if configuration.tlsCertificate != nil || configuration.tlsKey != nil {
        throw RCSError(.wrongKind, "give both --tls-cert and --tls-key for HTTPS")
    }

    app.middleware = Middlewares()
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(ProblemMiddleware())
    app.middleware.use(WebDAVMethodGuard())

    app.davStore = DAVFileStore(root: configuration.storageDirectory)
    app.davLocks = DAVLockManager()
    try FileManager.default.createDirectory(atPath: configuration.storageDirectory, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
    let stale = try app.davStore.removeStaleUploads()
    if stale > 0 { app.logger.notice("storage: removed \(stale) unfinished upload(s) left by a stop") }

    try app.configureAdminPages(environment: configuration.environment)
    try await createFirstAdmin(app, configuration, notices: notices)
    try await syncKeystore(app)
    try await reconcileCatalog(app)
    try routes(app)
}

/// On the first start: the `admin` account, with `RCS_ADMIN_PASSWORD` or a
/// generated password printed once and written to `<data>/initial-admin-password`.
func createFirstAdmin(_ app: Application, _ configuration: ServerConfiguration, notices: (String) -> Void) async throws {
    guard try await AdminAccount.query(on: app.db).count() == 0 else { return }
    let password: String
    if let given = configuration.environment["RCS_ADMIN_PASSWORD"], !given.isEmpty {
        password = given
        notices("Created the admin account \"admin\" with the password from RCS_ADMIN_PASSWORD.")
    } else {
        password = try SecretFile.generatePassword()
        let path = "\(configuration.dataDirectory)/initial-admin-password"
        try? FileManager.default.removeItem(atPath: path)
        try SecretFile.writeNew(path, password)
        notices("""
            Created the admin account "admin". Its password, shown this once, is:

                \(password)

            It is also in \(path) (mode 0600): delete that file once you have stored the password.
            """)
    }
    let hash = try await app.password.async.hash(password)
    try await AdminAccount(username: "admin", passwordHash: hash).create(on: app.db)
    let event = AuditEvent()
    event.at = Date()
    event.actor = "system"
    event.action = "admin.create"
    event.target = "admin"
    event.outcome = "success"
    event.detail = "first start"
    try await event.create(on: app.db)
}

/// The keystore is the truth: certificates found there without a catalog row
/// (a restore, `rcs keystore import`) get one; rows whose files are gone are
/// removed with their deployments, loudly.
func syncKeystore(_ app: Application) async throws {
    let stored = Set(try app.keystore.fingerprints())
    let records = try await CertificateRecord.query(on: app.db).all()
    let known = Set(records.compactMap(\.id))
    for fingerprint in stored.subtracting(known) {
        let entry = try app.keystore.entry(fingerprint)
        let key = entry.certificate
        try await CertificateRecord(key, keyDetails: "RSA \(key.publicKeyBits)-bit, kept as encrypted PKCS#8",
                                    uploadedBy: "keystore").create(on: app.db)
        app.logger.notice("catalog: added certificate \(fingerprint) found in the keystore")
    }
    for record in records where !stored.contains(record.id ?? "") {
        app.logger.critical("catalog: certificate \(record.id ?? "?") (\(record.subjectName)) is no longer in the keystore; its catalog entry and deployments are removed")
        try await Deployment.query(on: app.db).filter(\.$certificate.$id == record.id!).delete()
        try await record.delete(on: app.db)
    }
}

/// Brings the catalog in line with storage after a stop: files that changed or
/// appeared are indexed, rows for files that are gone are dropped.
func reconcileCatalog(_ app: Application) async throws {
    var changed = 0
    for tenant in try await Tenant.query(on: app.db).all() {
        let indexer = RecordingIndexer(db: app.db, store: app.davStore, threadPool: app.threadPool, logger: app.logger)
        changed += try await indexer.reconcile(tenant: tenant)
    }
    if changed > 0 { app.logger.notice("catalog: \(changed) recording(s) re-indexed or dropped to match storage") }
}
