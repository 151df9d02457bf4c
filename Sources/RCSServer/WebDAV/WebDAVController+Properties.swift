import Fluent
import RCSCore
import Vapor

extension WebDAVController {
    /// Live properties RCS computes (RFC 4918 section 15); they cannot be set.
    static let liveProperties: [String] = ["creationdate", "getcontentlength", "getcontenttype", "getetag",
                                           "getlastmodified", "lockdiscovery", "resourcetype", "supportedlock"]
    /// Depth: infinity is served up to this many resources, refused beyond.
    static let maxPropfindResources = 5000

    enum PropfindKind {
        case allprop
        case propname
        case prop([DAVXMLElement])
    }

    func propfind(_ context: DAVContext) async throws -> Response {
        _ = try context.evaluateIfHeader()
        let body = try await collectXML(context.request)
        let kind = try parsePropfind(body)
        let depth: Int
        switch context.request.headers.first(name: "Depth")?.lowercased() {
        case "0"?: depth = 0
        case "1"?: depth = 1
        case nil, "infinity"?: depth = Int.max
        default: throw Problem.badRequest("invalid-depth", "Depth is 0, 1 or infinity")
        }
        guard let info = try await context.info(context.path) else { throw Problem.notFound(context.path.href(collection: false)) }
        let resources = try await collect(context, context.path, info, depth: depth)
        let properties = try await DAVPropertyStore.rows(under: context.path, on: context.request.db)
        let byPath = Dictionary(grouping: properties, by: \.path)
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">"
        for (path, info) in resources {
            xml += response(context, path, info, dead: byPath[path.relative] ?? [], kind: kind)
        }
        xml += "</D:multistatus>"
        return Self.multistatus(xml)
    }

    /// The resources a PROPFIND covers, breadth first, bounded.
    private func collect(_ context: DAVContext, _ root: DAVPath, _ info: DAVFileStore.Info,
                         depth: Int) async throws -> [(DAVPath, DAVFileStore.Info)] {
        var result = [(root, info)]
        var frontier = info.isCollection && depth > 0 ? [(root, 1)] : []
        let store = context.store
        while let (collection, level) = frontier.first {
            frontier.removeFirst()
            let members = try await context.blocking { () -> [(DAVPath, DAVFileStore.Info)] in
                try store.children(collection).compactMap { name in
                    let child = collection.appending(name)
                    return try store.info(child).map { (child, $0) }
                }
            }
            for (child, childInfo) in members {
                result.append((child, childInfo))
                guard result.count <= Self.maxPropfindResources else { throw DAVResponseError.finiteDepth }
                if childInfo.isCollection && level < depth { frontier.append((child, level + 1)) }
            }
        }
        return result
    }

    private func parsePropfind(_ body: [UInt8]) throws -> PropfindKind {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .allprop }
        let root = try parseXML(body)
        guard root.isDAV("propfind") else { throw Problem.badRequest("invalid-xml", "a PROPFIND body is a DAV:propfind element") }
        if root.child(dav: "allprop") != nil { return .allprop }
        if root.child(dav: "propname") != nil { return .propname }
        if let prop = root.child(dav: "prop") { return .prop(prop.children) }
        throw Problem.badRequest("invalid-xml", "DAV:propfind holds allprop, propname or prop")
    }

    func parseXML(_ body: [UInt8]) throws -> DAVXMLElement {
        do {
            return try DAVXML.parse(body)
        } catch let error as RCSError {
            throw Problem.badRequest("invalid-xml", error.reason)
        }
    }

    /// One `<D:response>` for a resource.
    private func response(_ context: DAVContext, _ path: DAVPath, _ info: DAVFileStore.Info, dead: [DAVProperty],
                          kind: PropfindKind) -> String {
        var found: [String] = []
        var missing: [String] = []
        let live = liveValues(context, path, info)
        switch kind {
        case .allprop:
            found = Self.liveProperties.compactMap { live[$0] } + dead.map(\.xml)
        case .propname:
            found = Self.liveProperties.filter { live[$0] != nil }.map { "<D:\($0)/>" } + dead.map { Self.emptyElement($0.namespace, $0.name) }
        case let .prop(requested):
            for element in requested {
                if element.namespace == "DAV:", let value = live[element.name] {
                    found.append(value)
                } else if let property = dead.first(where: { $0.namespace == (element.namespace ?? "") && $0.name == element.name }) {
                    found.append(property.xml)
                } else {
                    missing.append(Self.emptyElement(element.namespace ?? "", element.name))
                }
            }
        }
        var xml = "<D:response><D:href>\(DAVXML.escape(path.href(collection: info.isCollection)))</D:href>"
        if !found.isEmpty { xml += "<D:propstat><D:prop>\(found.joined())</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>" }
        if !missing.isEmpty { xml += "<D:propstat><D:prop>\(missing.joined())</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>" }
        return xml + "</D:response>"
    }

    private func liveValues(_ context: DAVContext, _ path: DAVPath, _ info: DAVFileStore.Info) -> [String: String] {
        var values: [String: String] = [
            "creationdate": "<D:creationdate>\(ISO8601DateFormatter().string(from: info.created))</D:creationdate>",
            "getlastmodified": "<D:getlastmodified>\(HTTPDate.format(info.modified))</D:getlastmodified>",
            "getetag": "<D:getetag>\(DAVXML.escape(info.etag))</D:getetag>",
            "resourcetype": info.isCollection ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>",
            "supportedlock": "<D:supportedlock>"
                + "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
                + "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
                + "</D:supportedlock>",
        ]
        let locks = context.locks.locks(covering: path.resource)
        values["lockdiscovery"] = "<D:lockdiscovery>" + locks.map {
            $0.activeLockXML(lockRootHref: DAVResponseError.href($0.root))
        }.joined() + "</D:lockdiscovery>"
        if !info.isCollection {
            values["getcontentlength"] = "<D:getcontentlength>\(info.size)</D:getcontentlength>"
            values["getcontenttype"] = "<D:getcontenttype>\(DAVXML.escape(MediaType.guess(path.name)))</D:getcontenttype>"
        }
        return values
    }

    static func emptyElement(_ namespace: String, _ name: String) -> String {
        if namespace == "DAV:" { return "<D:\(name)/>" }
        return "<R:\(name) xmlns:R=\"\(DAVXML.escape(namespace))\"/>".replacingOccurrences(of: " xmlns:R=\"\"", with: "")
            .replacingOccurrences(of: "<R:\(name)/>", with: "<\(name) xmlns=\"\"/>")
    }

    static func multistatus(_ xml: String) -> Response {
        let response = Response(status: .multiStatus, body: .init(string: xml))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "xml", parameters: ["charset": "utf-8"])
        return response
    }

    /// PROPPATCH: all of it or none of it (RFC 4918 section 9.2).
    func proppatch(_ context: DAVContext) async throws -> Response {
        let tokens = try context.evaluateIfHeader()
        guard let info = try await context.info(context.path) else { throw Problem.notFound(context.path.href(collection: false)) }
        try context.checkLocks(context.path, tokens: tokens)
        let root = try parseXML(try await collectXML(context.request))
        guard root.isDAV("propertyupdate") else { throw Problem.badRequest("invalid-xml", "a PROPPATCH body is a DAV:propertyupdate element") }
        var operations: [(set: Bool, property: DAVXMLElement)] = []
        for instruction in root.children where instruction.isDAV("set") || instruction.isDAV("remove") {
            for prop in instruction.children where prop.isDAV("prop") {
                operations += prop.children.map { (instruction.isDAV("set"), $0) }
            }
        }
        guard !operations.isEmpty else { throw Problem.badRequest("invalid-xml", "DAV:propertyupdate has no set or remove") }
        let protected = operations.filter { $0.property.namespace == "DAV:" && Self.liveProperties.contains($0.property.name) }
        let path = context.path
        var statuses: [(String, String)]
        if protected.isEmpty {
            let changes = operations
            try await context.request.db.transaction { db in
                for (set, property) in changes {
                    let namespace = property.namespace ?? ""
                    let existing = try await DAVProperty.query(on: db).filter(\.$tenant == path.tenant).filter(\.$path == path.relative)
                        .filter(\.$namespace == namespace).filter(\.$name == property.name).first()
                    if set {
                        let row = existing ?? DAVProperty(tenant: path.tenant, path: path.relative, namespace: namespace,
                                                          name: property.name, xml: "", text: "")
                        row.xml = property.xml
                        row.text = String(property.text.prefix(4096))
                        try await row.save(on: db)
                    } else if let existing {
                        try await existing.delete(on: db)
                    }
                }
            }
            statuses = operations.map { (Self.emptyElement($0.property.namespace ?? "", $0.property.name), "HTTP/1.1 200 OK") }
            if !info.isCollection {
                do { try await context.indexer.index(path, tenant: context.tenant) } catch {
                    context.request.logger.error("catalog: cannot index \(path): \(error)")
                }
            }
        } else {
            statuses = operations.map { operation in
                let isProtected = protected.contains { $0.property.name == operation.property.name && $0.property.namespace == operation.property.namespace }
                return (Self.emptyElement(operation.property.namespace ?? "", operation.property.name),
                        isProtected ? "HTTP/1.1 403 Forbidden" : "HTTP/1.1 424 Failed Dependency")
            }
        }
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\"><D:response>"
        xml += "<D:href>\(DAVXML.escape(path.href(collection: info.isCollection)))</D:href>"
        for (element, status) in statuses {
            xml += "<D:propstat><D:prop>\(element)</D:prop><D:status>\(status)</D:status></D:propstat>"
        }
        return Self.multistatus(xml + "</D:response></D:multistatus>")
    }

    /// PROPFIND on `/webdav/`: the tenants, for admins.
    func propfindServiceRoot(_ request: Request) async throws -> Response {
        let tenants = try await Tenant.query(on: request.db).sort(\.$name).all()
        let depth = request.headers.first(name: "Depth") ?? "infinity"
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">"
        xml += "<D:response><D:href>/webdav/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
        if depth != "0" {
            for tenant in tenants {
                xml += "<D:response><D:href>\(DAVXML.escape(DAVPath(tenant: tenant.name, segments: []).href(collection: true)))</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
            }
        }
        return Self.multistatus(xml + "</D:multistatus>")
    }
}
