import Vapor

/// An RFC 9457 problem: the only error shape the APIs answer with.
/// `type` is stable (`urn:rcs:problem:<slug>`); `detail` says what to do.
public struct Problem: AbortError, Sendable {
    public let slug: String
    public let title: String
    public let status: HTTPResponseStatus
    public let detail: String
    /// Field-level hints for forms ("certificate", "key", "password", ...).
    public let field: String?

    public init(_ status: HTTPResponseStatus, _ slug: String, _ title: String, detail: String, field: String? = nil) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.field = field
    }

    public var type: String { "urn:rcs:problem:\(slug)" }
    public var reason: String { detail }

    /// The JSON body.
    struct Body: Content {
        let type: String
        let title: String
        let status: UInt
        let detail: String
        let field: String?
        let instance: String?
    }

    static func badRequest(_ slug: String, _ detail: String, field: String? = nil) -> Problem {
        Problem(.badRequest, slug, "Bad request", detail: detail, field: field)
    }

    static func notFound(_ what: String) -> Problem {
        Problem(.notFound, "not-found", "Not found", detail: "\(what) does not exist (or is not yours)")
    }

    static func conflict(_ slug: String, _ detail: String) -> Problem {
        Problem(.conflict, slug, "Conflict", detail: detail)
    }

    static func unprocessable(_ slug: String, _ detail: String, field: String? = nil) -> Problem {
        Problem(.unprocessableEntity, slug, "Unusable input", detail: detail, field: field)
    }
}
