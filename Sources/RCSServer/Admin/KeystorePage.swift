import Vapor

/// `/admin/keystore`: what the keystore holds, a backup download (keys stay
/// encrypted under the keystore password; audited), and the decrypt proxy's
/// configured locations (`RCS_DECRYPT_URI_PREFIXES`, read-only here).
struct KeystorePage {
    func register(_ routes: any RoutesBuilder) {
        routes.get("keystore", use: show)
        routes.post("keystore", "backup", use: backup)
    }

    struct Location: Encodable {
        let tenant: String
        let prefix: String
    }

    struct View: Encodable {
        let directory: String
        let certificates: Int
        let trustedCAs: Int
        let locations: [Location]
    }

    func show(_ request: Request) async throws -> Response {
        let configuration = request.application.rcsConfiguration
        let view = View(directory: configuration.keystoreDirectory,
                        certificates: try request.keystore.fingerprints().count,
                        trustedCAs: try request.application.trustStore.all().count,
                        locations: configuration.decryptLocations.map { Location(tenant: $0.tenant, prefix: $0.prefix.absoluteString) })
        return try await request.renderPage("keystore", title: "Keystore", section: "keystore", view)
    }

    /// A POST (with its CSRF token), so no link elsewhere can start a download.
    func backup(_ request: Request) async throws -> Response {
        try await KeystoreController().export(request)
    }
}
