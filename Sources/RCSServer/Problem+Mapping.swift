import RCSCore
import Vapor

/// Domain errors to HTTP, in one place.
extension Problem {
    /// A `RCSError` from an upload, blamed on the form field it concerns.
    init(_ error: RCSError, field: String? = nil) {
        switch error.code {
        case .notPEMOrDER, .wrongKind:
            self.init(.badRequest, "not-pem-or-der", "Not a certificate or key", detail: error.reason, field: field)
        case .malformedEnvelope, .truncatedEnvelope:
            self.init(.badRequest, "malformed", "Malformed input", detail: error.reason, field: field)
        case .passwordRequired:
            self.init(.badRequest, "password-required", "Password required", detail: error.reason, field: "password")
        case .wrongPassword:
            self.init(.unprocessableEntity, "wrong-password", "Wrong password", detail: error.reason, field: "password")
        case .unsupportedKeyType:
            self.init(.unprocessableEntity, "unsupported-key-type", "Unsupported key type", detail: error.reason, field: field)
        case .keyMismatch:
            self.init(.unprocessableEntity, "key-mismatch", "Key does not match certificate", detail: error.reason, field: "key")
        case .unsupportedAlgorithm:
            self.init(.unprocessableEntity, "unsupported-algorithm", "Unsupported algorithm", detail: error.reason, field: field)
        case .noMatchingRecipient:
            self.init(.conflict, "no-matching-key", "No private key for any recipient", detail: error.reason, field: field)
        case .decryptionFailed, .authenticationFailed:
            self.init(.unprocessableEntity, "undecryptable", "Content does not decrypt", detail: error.reason, field: field)
        case .certificateInvalid:
            self.init(.unprocessableEntity, "certificate-invalid", "Certificate invalid", detail: error.reason, field: field)
        case .io, .internalError:
            self.init(.internalServerError, "internal", "Internal error", detail: "the server could not complete the request; see its log", field: field)
        }
    }

    /// A chain failure, with a slug per reason.
    init(_ failure: ChainVerifier.Failure) {
        let slug: String
        switch failure.reason {
        case .expired: slug = "certificate-expired"
        case .notYetValid: slug = "certificate-not-yet-valid"
        case .unknownIssuer, .selfSignedNotTrusted: slug = "unknown-ca"
        case .badSignature: slug = "bad-signature"
        case .notACA: slug = "not-a-ca"
        case .keyTooWeak: slug = "weak-key"
        case .other: slug = "chain-invalid"
        }
        self.init(.unprocessableEntity, slug, "Certificate chain refused", detail: failure.message, field: "certificate")
    }
}

/// Turns every error into problem+json; internal details stay in the log.
struct ProblemMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let error as DAVResponseError {
            return error.response()
        } catch {
            let problem = Self.problem(for: error, request: request)
            let body = Problem.Body(type: problem.type, title: problem.title, status: problem.status.code,
                                    detail: problem.detail, field: problem.field, instance: request.url.path)
            let response = Response(status: problem.status)
            try response.content.encode(body, as: .json)
            response.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json")
            if problem.status == .unauthorized && request.headers[.authorization].isEmpty || problem.slug == "unauthorized" {
                response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Basic realm=\"RCS\", charset=\"UTF-8\"")
            }
            if case let abort as AbortError = error {
                for (name, value) in abort.headers where name.lowercased() != "content-type" {
                    response.headers.replaceOrAdd(name: name, value: value)
                }
            }
            return response
        }
    }

    static func problem(for error: Error, request: Request) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as RCSError:
            if error.code == .io || error.code == .internalError {
                request.logger.error("internal error: \(error.description)")
            }
            return Problem(error)
        case let failure as ChainVerifier.Failure:
            return Problem(failure)
        case let error as DecodingError:
            return .badRequest("invalid-body", "the request body is not what this endpoint takes: \(Self.describe(error))")
        case let abort as AbortError:
            let slug = abort.status == .payloadTooLarge ? "too-large" : abort.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "-")
            return Problem(abort.status, slug, abort.status.reasonPhrase, detail: abort.reason)
        default:
            request.logger.error("unexpected error: \(String(reflecting: error))")
            return Problem(.internalServerError, "internal", "Internal error", detail: "the server could not complete the request; see its log")
        }
    }

    /// DecodingError in words, naming the field, never echoing values.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            return names.isEmpty ? "the body" : "'\(names.joined(separator: "."))'"
        }
        switch error {
        case let .keyNotFound(key, context):
            let prefix = context.codingPath.isEmpty ? "" : path(context) + "."
            return "field '\(prefix)\(key.stringValue)' is missing"
        case let .valueNotFound(_, context): return "\(path(context)) is missing"
        case let .typeMismatch(type, context): return "\(path(context)) should be \(type)"
        case let .dataCorrupted(context): return "\(path(context)) is malformed"
        @unknown default: return "malformed"
        }
    }
}
