import Fluent
import RCSCore
import Vapor

/// `/webdav/<tenant>/...`: RFC 4918 classes 1 and 2 over the tenant's
/// storage directory. Recorders reach only their own tenant (anything else
/// is 404, whether it exists or not); admins reach every tenant; players
/// have no WebDAV access. Bodies stream: memory does not grow with uploads.
struct WebDAVController {
    static let methods: [HTTPMethod] = [.OPTIONS, .GET, .HEAD, .PUT, .DELETE, .MKCOL, .COPY, .MOVE,
                                        .PROPFIND, .PROPPATCH, .LOCK, .UNLOCK]
    static let allow = methods.map(\.rawValue).joined(separator: ", ")

    func register(_ routes: any RoutesBuilder) {
        for method in Self.methods {
            routes.on(method, "webdav", body: .stream, use: handle)
            routes.on(method, "webdav", "**", body: .stream, use: handle)
        }
    }

    /// Stored files are the recorders' bytes: a browser must never run them
    /// as this origin's pages (a recorder's `.xml` or `.html` with a script
    /// would otherwise reach the admin pages' session). Sandboxed, not sniffed.
    static let contentSecurityPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'"

    func handle(_ request: Request) async throws -> Response {
        let response = try await serve(request)
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    private func serve(_ request: Request) async throws -> Response {
        guard let principal = request.principal else {
            throw Problem(.unauthorized, "unauthorized", "Unauthorized", detail: "sign in with a recorder credential or an admin account (HTTP Basic)")
        }
        if case let .credential(_, _, role, _, _) = principal, role != .recorder {
            throw Problem(.forbidden, "forbidden", "Forbidden", detail: "player credentials have no WebDAV access: play recordings through /rcs/api/v1")
        }
        // Vapor splits a fragment off the path; a request URI must not carry one.
        guard request.url.fragment == nil else {
            throw Problem.badRequest("invalid-path", "a request URI must not contain a fragment (#)")
        }
        let path: DAVPath?
        do {
            path = try DAVPath.parse(urlPath: request.url.path)
        } catch let error as RCSError {
            throw Problem.badRequest("invalid-path", error.reason)
        }
        guard let path else { return try await serviceRoot(request, principal: principal) }
        let tenant = try await Self.authorize(request, principal: principal, tenant: path.tenant)
        let context = DAVContext(request: request, path: path, tenant: tenant)
        switch request.method {
        case .OPTIONS: return options()
        case .GET: return try await get(context, head: false)
        case .HEAD: return try await get(context, head: true)
        case .PUT: return try await put(context)
        case .DELETE: return try await delete(context)
        case .MKCOL: return try await makeCollection(context)
        case .COPY: return try await copyOrMove(context, move: false)
        case .MOVE: return try await copyOrMove(context, move: true)
        case .PROPFIND: return try await propfind(context)
        case .PROPPATCH: return try await proppatch(context)
        case .LOCK: return try await lock(context)
        case .UNLOCK: return try await unlock(context)
        default: throw Problem(.methodNotAllowed, "method-not-allowed", "Method not allowed", detail: "WebDAV here speaks \(Self.allow)")
        }
    }

    /// The tenant, if this caller may see it: a recorder of another tenant gets
    /// the same 404 whether that tenant exists or not.
    static func authorize(_ request: Request, principal: Principal, tenant name: String) async throws -> Tenant {
        if case let .credential(_, _, _, _, tenantName) = principal, tenantName != name {
            throw Problem.notFound("/webdav/\(name)/")
        }
        guard let tenant = try await Tenant.query(on: request.db).filter(\.$name == name).first() else {
            throw Problem.notFound("/webdav/\(name)/")
        }
        return tenant
    }

    /// `/webdav/` itself: OPTIONS for everyone signed in; admins may list the tenants.
    func serviceRoot(_ request: Request, principal: Principal) async throws -> Response {
        switch request.method {
        case .OPTIONS:
            return options()
        case .PROPFIND where principal.isAdmin:
            return try await propfindServiceRoot(request)
        default:
            throw Problem(.forbidden, "forbidden", "Forbidden", detail: "use /webdav/<tenant>/")
        }
    }

    func options() -> Response {
        let response = Response(status: .ok)
        response.headers.replaceOrAdd(name: "DAV", value: "1, 2")
        response.headers.replaceOrAdd(name: .allow, value: Self.allow)
        response.headers.replaceOrAdd(name: "MS-Author-Via", value: "DAV")
        return response
    }
}

/// Methods outside WebDAV's set get 405 with `Allow` (the router alone would say 404).
struct WebDAVMethodGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        let path = request.url.path
        if (path == "/webdav" || path.hasPrefix("/webdav/")) && !WebDAVController.methods.contains(request.method) {
            let response = Response(status: .methodNotAllowed)
            response.headers.replaceOrAdd(name: .allow, value: WebDAVController.allow)
            return response
        }
        return try await next.respond(to: request)
    }
}

/// One WebDAV request, resolved: the path, the tenant, storage and locks.
struct DAVContext {
    let request: Request
    let path: DAVPath
    let tenant: Tenant

    var store: DAVFileStore { request.application.davStore }
    var locks: DAVLockManager { request.application.davLocks }
    var resource: String { path.resource }

    /// Runs blocking file work on the thread pool.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await request.application.threadPool.runIfActive(body)
    }

    func info(_ path: DAVPath) async throws -> DAVFileStore.Info? {
        let store = self.store
        return try await blocking { try store.info(path) }
    }

    var indexer: RecordingIndexer {
        RecordingIndexer(db: request.db, store: store, threadPool: request.application.threadPool, logger: request.logger)
    }

    /// Evaluates the If header (412 when false, 400 when malformed) and
    /// returns the lock tokens it submits.
    func evaluateIfHeader() throws -> Set<String> {
        guard let header = request.headers.first(name: "If") else { return [] }
        let parsed: DAVIfHeader
        do {
            parsed = try DAVIfHeader(parsing: header)
        } catch {
            throw Problem.badRequest("invalid-if-header", "the If header is malformed (RFC 4918 section 10.4)")
        }
        let store = self.store
        let tenant = path.tenant
        // A list tagged with another tenant's resource sees neither its ETag nor its
        // locks: otherwise the answer would tell whether that resource or lock exists.
        let locks = self.locks
        let holds = parsed.evaluate(requestResource: resource, etag: { resource in
            guard let target = DAVPath.parse(resource: resource), target.tenant == tenant else { return nil }
            return (try? store.info(target))?.etag
        }, lockTokens: { resource in
            guard DAVPath.parse(resource: resource)?.tenant == tenant else { return [] }
            return locks.lockTokens(covering: resource)
        })
        guard holds else {
            throw Problem(.preconditionFailed, "precondition-failed", "Precondition failed", detail: "the If header's conditions do not hold")
        }
        return parsed.submittedTokens
    }

    /// 423 unless every lock on the way is satisfied by a submitted token.
    func checkLocks(_ path: DAVPath, tokens: Set<String>, descendants: Bool = false, parent: Bool = false) throws {
        do {
            try locks.checkWrite(path.resource, includingDescendants: descendants, includingParent: parent, submittedTokens: tokens)
        } catch let error {
            if case let .locked(roots) = error { throw DAVResponseError.locked(roots) }
            throw error
        }
    }

    /// Checks If-Match / If-None-Match (RFC 9110) against a resource's ETag.
    func checkEntityTags(_ info: DAVFileStore.Info?) throws {
        if let match = request.headers.first(name: .ifMatch) {
            let tags = match.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let info, tags.contains("*") || tags.contains(info.etag) else {
                throw Problem(.preconditionFailed, "precondition-failed", "Precondition failed", detail: "If-Match does not match")
            }
        }
        if let noneMatch = request.headers.first(name: .ifNoneMatch), let info {
            let tags = noneMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if tags.contains("*") || tags.contains(info.etag) {
                if request.method == .GET || request.method == .HEAD { throw DAVResponseError.notModified(info.etag) }
                throw Problem(.preconditionFailed, "precondition-failed", "Precondition failed", detail: "If-None-Match matches")
            }
        }
    }

    func audit(_ action: String, target: String, outcome: String = "success", detail: String? = nil) async {
        await request.audit.record(action, outcome: outcome, tenant: tenant.name, target: target, detail: detail)
    }
}

/// WebDAV answers that carry RFC 4918 XML rather than problem+json.
enum DAVResponseError: Error, AbortError {
    case locked([String])
    case lockTokenMismatch
    case finiteDepth
    case notModified(String)

    var status: HTTPResponseStatus {
        switch self {
        case .locked: return .locked
        case .lockTokenMismatch: return .conflict
        case .finiteDepth: return .forbidden
        case .notModified: return .notModified
        }
    }

    var reason: String {
        switch self {
        case .locked: return "the resource is locked: submit the lock token in an If header"
        case .lockTokenMismatch: return "the lock token does not apply to this resource"
        case .finiteDepth: return "PROPFIND with Depth: infinity covers too many resources here"
        case .notModified: return "not modified"
        }
    }

    /// The response, with `<D:error>` bodies as RFC 4918 section 16 defines them.
    func response() -> Response {
        let body: String?
        switch self {
        case let .locked(roots):
            body = "<D:lock-token-submitted>" + roots.map { "<D:href>\(DAVXML.escape(Self.href($0)))</D:href>" }.joined() + "</D:lock-token-submitted>"
        case .lockTokenMismatch: body = "<D:lock-token-matches-request-uri/>"
        case .finiteDepth: body = "<D:propfind-finite-depth/>"
        case .notModified: body = nil
        }
        let response = Response(status: status)
        if case let .notModified(etag) = self { response.headers.replaceOrAdd(name: .eTag, value: etag) }
        if let body {
            response.headers.contentType = HTTPMediaType(type: "application", subType: "xml", parameters: ["charset": "utf-8"])
            response.body = .init(string: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\">\(body)</D:error>")
        }
        return response
    }

    static func href(_ resource: String) -> String {
        DAVPath.parse(resource: resource)?.href(collection: false) ?? resource
    }
}

extension Application {
    private struct DAVStoreKey: StorageKey { typealias Value = DAVFileStore }
    private struct DAVLocksKey: StorageKey { typealias Value = DAVLockManager }

    var davStore: DAVFileStore {
        get { storage[DAVStoreKey.self]! }
        set { storage[DAVStoreKey.self] = newValue }
    }

    var davLocks: DAVLockManager {
        get { storage[DAVLocksKey.self]! }
        set { storage[DAVLocksKey.self] = newValue }
    }
}
