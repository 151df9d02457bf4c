import NIOCore
import RCSCore
import Vapor

extension WebDAVController {
    /// PUT: streamed to a temporary file beside the target, fsynced, renamed.
    /// Readers never see a partial file; memory stays at one 1 MiB buffer.
    func put(_ context: DAVContext) async throws -> Response {
        let tokens = try context.evaluateIfHeader()
        let request = context.request
        guard request.headers.first(name: .contentRange) == nil else {
            throw Problem.badRequest("partial-put", "PUT with Content-Range is not supported: send the whole file")
        }
        let existing = try await context.info(context.path)
        if existing?.isCollection == true {
            throw Problem(.methodNotAllowed, "is-a-collection", "Method not allowed", detail: "\(context.path) is a collection")
        }
        try context.checkEntityTags(existing)
        try await requireParentCollection(context, context.path)
        try context.checkLocks(context.path, tokens: tokens, parent: existing == nil)
        let limit = request.application.rcsConfiguration.maxUploadBytes
        if let declared = request.headers.first(name: .contentLength).flatMap(Int64.init), declared > limit {
            throw Problem(.payloadTooLarge, "too-large", "Payload too large", detail: "uploads are limited to \(limit) bytes")
        }
        let store = context.store
        let path = context.path
        let upload = try await context.blocking { try store.beginUpload(path) }
        var pending = ByteBufferAllocator().buffer(capacity: 1 << 20)
        var total: Int64 = 0
        for try await chunk in request.body {
            total += Int64(chunk.readableBytes)
            guard total <= limit else {
                throw Problem(.payloadTooLarge, "too-large", "Payload too large", detail: "uploads are limited to \(limit) bytes")
            }
            var chunk = chunk
            pending.writeBuffer(&chunk)
            if pending.readableBytes >= 1 << 20 {
                let full = pending
                try await context.blocking { try full.withUnsafeReadableBytes { try upload.write($0) } }
                pending.clear()
            }
        }
        let last = pending
        try await context.blocking {
            try last.withUnsafeReadableBytes { try upload.write($0) }
            try upload.commit()
        }
        do {
            try await context.indexer.index(path, tenant: context.tenant)
        } catch {
            request.logger.error("catalog: cannot index \(path): \(error)")
        }
        await context.audit("recording.upload", target: path.relative, detail: "\(total) bytes")
        let response = Response(status: existing == nil ? .created : .noContent)
        if let info = try await context.info(path) { response.headers.replaceOrAdd(name: .eTag, value: info.etag) }
        return response
    }

    func delete(_ context: DAVContext) async throws -> Response {
        let tokens = try context.evaluateIfHeader()
        guard let info = try await context.info(context.path) else { throw Problem.notFound(context.path.href(collection: false)) }
        guard !context.path.isTenantRoot else {
            throw Problem(.forbidden, "forbidden", "Forbidden", detail: "the tenant's root collection cannot be deleted")
        }
        if info.isCollection, let depth = context.request.headers.first(name: "Depth"), depth.lowercased() != "infinity" {
            throw Problem.badRequest("invalid-depth", "DELETE of a collection takes Depth: infinity")
        }
        try context.checkEntityTags(info)
        try context.checkLocks(context.path, tokens: tokens, descendants: info.isCollection, parent: true)
        let store = context.store
        let path = context.path
        try await context.blocking { try store.delete(path) }
        try await forget(context, path)
        await context.audit("recording.delete", target: path.relative, detail: info.isCollection ? "collection" : "\(info.size) bytes")
        return Response(status: .noContent)
    }

    func makeCollection(_ context: DAVContext) async throws -> Response {
        let tokens = try context.evaluateIfHeader()
        if try await hasBody(context.request) {
            throw Problem(.unsupportedMediaType, "mkcol-body", "Unsupported media type", detail: "MKCOL with a body is not supported")
        }
        if try await context.info(context.path) != nil {
            throw Problem(.methodNotAllowed, "exists", "Method not allowed", detail: "\(context.path) already exists")
        }
        try await requireParentCollection(context, context.path)
        try context.checkLocks(context.path, tokens: tokens, parent: true)
        let store = context.store
        let path = context.path
        try await context.blocking { try store.makeCollection(path) }
        return Response(status: .created)
    }

    func copyOrMove(_ context: DAVContext, move: Bool) async throws -> Response {
        let tokens = try context.evaluateIfHeader()
        let request = context.request
        let destination = try destinationPath(context)
        let depth = request.headers.first(name: "Depth")?.lowercased()
        let depthInfinity: Bool
        switch (move, depth) {
        case (_, nil), (_, "infinity"?): depthInfinity = true
        case (false, "0"?): depthInfinity = false
        default: throw Problem.badRequest("invalid-depth", move ? "MOVE takes Depth: infinity" : "COPY takes Depth: 0 or infinity")
        }
        let overwrite: Bool
        switch request.headers.first(name: "Overwrite")?.uppercased() {
        case nil, "T"?: overwrite = true
        case "F"?: overwrite = false
        default: throw Problem.badRequest("invalid-overwrite", "Overwrite is T or F")
        }
        let source = context.path
        guard let sourceInfo = try await context.info(source) else { throw Problem.notFound(source.href(collection: false)) }
        guard source != destination else {
            throw Problem(.forbidden, "same-resource", "Forbidden", detail: "the source and the destination are the same")
        }
        guard !source.contains(destination), !destination.contains(source) else {
            throw Problem(.forbidden, "overlapping", "Forbidden", detail: "a collection cannot be copied or moved into itself or onto its own ancestor")
        }
        try await requireParentCollection(context, destination)
        let destinationInfo = try await context.info(destination)
        if destinationInfo != nil && !overwrite {
            throw Problem(.preconditionFailed, "destination-exists", "Precondition failed", detail: "the destination exists and Overwrite is F")
        }
        if move { try context.checkLocks(source, tokens: tokens, descendants: sourceInfo.isCollection, parent: true) }
        try context.checkLocks(destination, tokens: tokens, descendants: destinationInfo?.isCollection ?? false, parent: true)

        let store = context.store
        if destinationInfo != nil {
            try await context.blocking { try store.delete(destination) }
            try await forget(context, destination)
        }
        if move {
            try await context.blocking { try store.move(source, to: destination) }
            context.locks.removeLocks(within: source.resource)
        } else {
            try await context.blocking { try store.copy(source, to: destination, depthInfinity: depthInfinity) }
        }
        try await DAVPropertyStore.transfer(from: source, to: destination, move: move, on: request.db)
        do {
            if move { try await context.indexer.remove(under: source, tenant: context.tenant) }
            try await context.indexer.indexTree(destination, tenant: context.tenant)
        } catch {
            request.logger.error("catalog: cannot index \(destination): \(error)")
        }
        await context.audit(move ? "recording.move" : "recording.copy", target: source.relative, detail: "to \(destination.relative)")
        return Response(status: destinationInfo == nil ? .created : .noContent)
    }

    /// The Destination header as a path of the same tenant (RFC 4918 section 10.3).
    private func destinationPath(_ context: DAVContext) throws -> DAVPath {
        guard let header = context.request.headers.first(name: "Destination") else {
            throw Problem.badRequest("destination-required", "COPY and MOVE need a Destination header")
        }
        guard let url = URLComponents(string: header) else { throw Problem.badRequest("invalid-destination", "the Destination header is not a URI") }
        if let host = url.host {
            let requestHost = context.request.headers.first(name: .host)?.split(separator: ":").first.map(String.init)
            guard host == requestHost || requestHost == nil else {
                throw Problem(.badGateway, "other-server", "Bad gateway", detail: "the Destination is on another server")
            }
        }
        let destination: DAVPath?
        do {
            destination = try DAVPath.parse(urlPath: url.percentEncodedPath)
        } catch let error as RCSError {
            throw Problem.badRequest("invalid-destination", error.reason)
        }
        guard let destination, destination.tenant == context.path.tenant else {
            throw Problem(.forbidden, "other-tenant", "Forbidden", detail: "the Destination must be in the same tenant's storage")
        }
        guard !destination.isTenantRoot else {
            throw Problem(.forbidden, "forbidden", "Forbidden", detail: "the tenant's root collection cannot be replaced")
        }
        return destination
    }

    func requireParentCollection(_ context: DAVContext, _ path: DAVPath) async throws {
        guard let parent = path.parent, try await context.info(parent)?.isCollection == true else {
            throw Problem(.conflict, "no-parent", "Conflict", detail: "the parent collection of \(path) does not exist: create it with MKCOL first")
        }
    }

    /// Forgets a deleted resource everywhere: locks, dead properties, catalog.
    func forget(_ context: DAVContext, _ path: DAVPath) async throws {
        context.locks.removeLocks(within: path.resource)
        try await DAVPropertyStore.delete(under: path, on: context.request.db)
        try await context.indexer.remove(under: path, tenant: context.tenant)
    }

    /// True when the request carries body bytes (consumed; small bodies only).
    func hasBody(_ request: Request) async throws -> Bool {
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init) { if length > 0 { return true } }
        var seen = false
        for try await chunk in request.body where chunk.readableBytes > 0 { seen = true }
        return seen
    }

    /// The whole (small) XML body, bounded.
    func collectXML(_ request: Request) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in request.body {
            bytes += chunk.readableBytesView
            guard bytes.count <= DAVXML.maxBytes else {
                throw Problem(.payloadTooLarge, "too-large", "Payload too large", detail: "XML bodies are limited to \(DAVXML.maxBytes >> 20) MiB")
            }
        }
        return bytes
    }
}
