import Logging
import RCSCore
import Vapor

/// Runs the server until SIGTERM or SIGINT, then shuts down cleanly.
public enum RCSServerMain {
    public static func run(_ configuration: ServerConfiguration) async throws {
        var environment = Environment(name: "production", arguments: ["rcs"])
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        do {
            try await configure(app, configuration)
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
