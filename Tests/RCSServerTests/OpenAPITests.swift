import Foundation
import RCSTestSupport
import Testing
import Vapor
import VaporTesting

/// The OpenAPI document and the router agree: every `/api/v1` route is
/// described, and every described operation exists.
@Suite struct OpenAPITests {
    /// "METHOD /path/{param}" for every operation in the YAML.
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var operations: Set<String> = []
        var currentPath: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if !line.hasPrefix(" ") {
                currentPath = nil
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).split(separator: ":").first.map(String.init) ?? ""
                if ["get", "post", "put", "patch", "delete"].contains(key) {
                    operations.insert("\(key.uppercased()) \(path)")
                }
            }
        }
        return operations
    }

    @Test func documentAndRouterAgree() async throws {
        try await TestServer().run { client in
            let response = try await client.send(.GET, "api/openapi.yaml", auth: .none)
            #expect(response.status == .ok)
            let documented = Self.documentedOperations(response.body.string)
            var routed: Set<String> = []
            for route in client.app.routes.all {
                let components = route.path.map(\.description)
                guard components.starts(with: ["api", "v1"]) || components.starts(with: ["rcs", "api", "v1"]) else { continue }
                let path = "/" + components.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }.joined(separator: "/")
                routed.insert("\(route.method.rawValue) \(path)")
            }
            #expect(!routed.isEmpty)
            #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.yaml: \(routed.subtracting(documented).sorted())")
            #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
        }
    }

    /// A real validator, when one is installed (CI installs it).
    @Test(.enabled(if: (try? Shell.run(["python3", "-c", "import openapi_spec_validator"]).succeeded) == true,
                   "python3 openapi-spec-validator is not installed"))
    func documentIsValidOpenAPI() async throws {
        let dir = try TemporaryDirectory("rcs-openapi")
        defer { dir.remove() }
        try await TestServer().run { client in
            let response = try await client.send(.GET, "api/openapi.yaml", auth: .none)
            try Data(buffer: response.body).write(to: URL(fileURLWithPath: dir.file("openapi.yaml")))
        }
        let result = try Shell.run(["python3", "-m", "openapi_spec_validator", dir.file("openapi.yaml")])
        #expect(result.succeeded, "\(result.stdoutText) \(result.stderr)")
    }
}
