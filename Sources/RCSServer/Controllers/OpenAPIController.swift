import Vapor

/// `GET /api/openapi.yaml`: the description of every `/api/v1` route.
/// A test keeps it and the router in agreement.
struct OpenAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "openapi.yaml", use: document)
    }

    func document(_ request: Request) async throws -> Response {
        let response = Response(status: .ok, body: .init(string: OpenAPIDocument.yaml))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "yaml")
        return response
    }
}
