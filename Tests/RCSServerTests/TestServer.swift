import Foundation
import RCSServer
import RCSTestSupport
import Testing
import Vapor
import VaporTesting

/// An RCS app in-process over a fresh data directory and keystore, with a
/// small client that speaks its API the way scripts do.
struct TestServer {
    static let keystorePassword = "test keystore password"
    static let adminPassword = "test admin password"

    let directory: TemporaryDirectory
    var configuration: ServerConfiguration

    init() throws {
        directory = try TemporaryDirectory("rcs-server")
        configuration = ServerConfiguration()
        configuration.dataDirectory = directory.file("data")
        configuration.keystoreDirectory = directory.file("keystore")
        configuration.kdfIterations = 10_000 // the default (600k) is checked in KeystoreTests
        configuration.bcryptCost = 4
        configuration.environment = ["RCS_KEYSTORE_PASSWORD": Self.keystorePassword, "RCS_ADMIN_PASSWORD": Self.adminPassword]
    }

    /// Runs `body` against a configured app; the directory stays for a later run.
    func run(_ body: (Client) async throws -> Void) async throws {
        let configuration = self.configuration
        try await withApp(configure: { app in
            try await RCSServer.configure(app, configuration, notices: { _ in })
        }) { app in
            try await body(Client(app: app, tester: try app.testing()))
        }
    }

    struct Client {
        let app: Application
        let tester: TestingApplicationTester

        enum Auth {
            case admin, none
            case basic(String, String)
        }

        struct Part {
            let name: String
            let filename: String?
            let data: Data

            static func file(_ name: String, path: String) throws -> Part {
                Part(name: name, filename: URL(fileURLWithPath: path).lastPathComponent, data: try Data(contentsOf: URL(fileURLWithPath: path)))
            }

            static func text(_ name: String, _ value: String) -> Part { Part(name: name, filename: nil, data: Data(value.utf8)) }
        }

        @discardableResult
        func send(_ method: HTTPMethod, _ path: String, auth: Auth = .admin, json: [String: Any]? = nil,
                  multipart: [Part]? = nil, body: Data? = nil,
                  sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
            var headers = HTTPHeaders()
            switch auth {
            case .admin: headers.basicAuthorization = BasicAuthorization(username: "admin", password: TestServer.adminPassword)
            case let .basic(user, password): headers.basicAuthorization = BasicAuthorization(username: user, password: password)
            case .none: break
            }
            var buffer: ByteBuffer?
            if let json {
                headers.contentType = .json
                buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
            } else if let multipart {
                let boundary = "rcs-test-\(UUID().uuidString)"
                headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
                var data = Data()
                for part in multipart {
                    data += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\"".utf8)
                    if let filename = part.filename {
                        data += Data("; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream".utf8)
                    }
                    data += Data("\r\n\r\n".utf8) + part.data + Data("\r\n".utf8)
                }
                data += Data("--\(boundary)--\r\n".utf8)
                buffer = ByteBuffer(data: data)
            } else if let body {
                buffer = ByteBuffer(data: body)
            }
            return try await tester.sendRequest(method, path, headers: headers, body: buffer)
        }

        /// The JSON body as a dictionary (or array).
        func json(_ response: TestingHTTPResponse) throws -> Any {
            try JSONSerialization.jsonObject(with: Data(buffer: response.body))
        }

        func object(_ response: TestingHTTPResponse) throws -> [String: Any] {
            try #require(try json(response) as? [String: Any], "not a JSON object: \(response.body.string)")
        }

        // Common steps.

        func trust(_ path: String) async throws {
            let response = try await send(.POST, "api/v1/trust", multipart: [try .file("certificate", path: path)])
            #expect([.created, .ok].contains(response.status), "\(response.body.string)")
        }

        func upload(certificate: String, key: String, password: String? = nil, chain: String? = nil) async throws -> TestingHTTPResponse {
            var parts = [try Part.file("certificate", path: certificate), try Part.file("key", path: key)]
            if let password { parts.append(.text("password", password)) }
            if let chain { parts.append(try .file("chain", path: chain)) }
            return try await send(.POST, "api/v1/certificates", multipart: parts)
        }

        func createTenant(_ name: String) async throws {
            let response = try await send(.POST, "api/v1/tenants", json: ["name": name])
            #expect(response.status == .created, "\(response.body.string)")
        }

        func createProfile(tenant: String, name: String) async throws -> String {
            let response = try await send(.POST, "api/v1/profiles", json: ["tenant": tenant, "name": name])
            #expect(response.status == .created, "\(response.body.string)")
            return try #require(try object(response)["id"] as? String)
        }

        func createCredential(role: String, tenant: String) async throws -> (id: String, username: String, secret: String) {
            let response = try await send(.POST, "api/v1/credentials", json: ["role": role, "tenant": tenant])
            #expect(response.status == .created, "\(response.body.string)")
            let body = try object(response)
            return (try #require(body["id"] as? String), try #require(body["username"] as? String), try #require(body["secret"] as? String))
        }

        /// The problem's slug, checking the body is problem+json.
        func problemSlug(_ response: TestingHTTPResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
            #expect(response.headers.contentType?.description.hasPrefix("application/problem+json") == true,
                    "content type \(response.headers.contentType?.description ?? "none")", sourceLocation: sourceLocation)
            let type = try #require(try object(response)["type"] as? String, sourceLocation: sourceLocation)
            return String(type.dropFirst("urn:rcs:problem:".count))
        }
    }
}

/// The fingerprint id of a certificate file, as the API names it.
func fingerprint(_ path: String) throws -> String {
    let output = try Shell.openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256").stdoutText
    return output.split(separator: "=").last!.replacingOccurrences(of: ":", with: "").lowercased()
        .trimmingCharacters(in: .whitespacesAndNewlines)
}
