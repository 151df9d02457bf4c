import RCSCore
import Vapor

extension WebDAVController {
    /// LOCK: a new exclusive or shared write lock, or the refresh of one
    /// (empty body, its token in the If header). Locking an unmapped URL
    /// creates an empty resource (RFC 4918 section 7.3).
    func lock(_ context: DAVContext) async throws -> Response {
        let tokens = try context.evaluateIfHeader()
        let body = try await collectXML(context.request)
        let timeout = context.locks.parseTimeout(context.request.headers.first(name: "Timeout"))
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard !tokens.isEmpty else {
                throw Problem.badRequest("lock-refresh", "a LOCK without a body refreshes a lock: give its token in an If header")
            }
            let lock: DAVLock
            do {
                lock = try context.locks.refresh(anyOf: tokens, resource: context.resource, timeout: timeout)
            } catch {
                throw Problem(.preconditionFailed, "precondition-failed", "Precondition failed", detail: "no lock with that token covers this resource")
            }
            return lockResponse(lock, status: .ok, includeToken: false)
        }
        let root = try parseXML(body)
        guard root.isDAV("lockinfo"), let scope = root.child(dav: "lockscope"), let type = root.child(dav: "locktype") else {
            throw Problem.badRequest("invalid-xml", "a LOCK body is a DAV:lockinfo with lockscope and locktype")
        }
        guard type.child(dav: "write") != nil else { throw Problem.badRequest("invalid-lock-type", "only write locks exist") }
        let exclusive: Bool
        if scope.child(dav: "exclusive") != nil { exclusive = true }
        else if scope.child(dav: "shared") != nil { exclusive = false }
        else { throw Problem.badRequest("invalid-lock-scope", "the lock scope is exclusive or shared") }
        let depthInfinity: Bool
        switch context.request.headers.first(name: "Depth")?.lowercased() {
        case nil, "infinity"?: depthInfinity = true
        case "0"?: depthInfinity = false
        default: throw Problem.badRequest("invalid-depth", "LOCK takes Depth: 0 or infinity")
        }
        let existing = try await context.info(context.path)
        if existing == nil {
            try await requireParentCollection(context, context.path)
            try context.checkLocks(context.path, tokens: tokens, parent: true)
        }
        let lock: DAVLock
        do {
            lock = try context.locks.lock(context.resource, exclusive: exclusive, depthInfinity: depthInfinity,
                                          owner: root.child(dav: "owner")?.xml, timeout: timeout,
                                          principal: context.request.actorName)
        } catch {
            if case let .locked(roots) = error { throw DAVResponseError.locked(roots) }
            throw Problem.badRequest("invalid-lock", "the lock cannot be granted")
        }
        if existing == nil {
            let store = context.store
            let path = context.path
            do {
                try await context.blocking {
                    let upload = try store.beginUpload(path)
                    try upload.commit()
                }
            } catch {
                try? context.locks.unlock(token: lock.token, resource: context.resource)
                throw error
            }
        }
        return lockResponse(lock, status: existing == nil ? .created : .ok, includeToken: true)
    }

    private func lockResponse(_ lock: DAVLock, status: HTTPResponseStatus, includeToken: Bool) -> Response {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>"
            + lock.activeLockXML(lockRootHref: DAVResponseError.href(lock.root))
            + "</D:lockdiscovery></D:prop>"
        let response = Response(status: status, body: .init(string: xml))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "xml", parameters: ["charset": "utf-8"])
        if includeToken { response.headers.replaceOrAdd(name: "Lock-Token", value: lock.lockTokenHeaderValue) }
        return response
    }

    func unlock(_ context: DAVContext) async throws -> Response {
        guard let header = context.request.headers.first(name: "Lock-Token") else {
            throw Problem.badRequest("lock-token-required", "UNLOCK needs a Lock-Token header")
        }
        let token = header.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
        do {
            try context.locks.unlock(token: token, resource: context.resource)
        } catch {
            throw DAVResponseError.lockTokenMismatch
        }
        return Response(status: .noContent)
    }
}
