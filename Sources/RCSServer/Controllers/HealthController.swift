import Vapor

/// `/healthz`: liveness, with a database round trip.
struct HealthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: health)
    }

    struct Health: Content {
        let status: String
        let version: String
    }

    func health(_ request: Request) async throws -> Health {
        _ = try await Tenant.query(on: request.db).count()
        return Health(status: "ok", version: RCSVersion.string)
    }
}

public enum RCSVersion {
    public static let string = "0.2.0"
}
