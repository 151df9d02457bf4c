import Fluent
import RCSCore

/// Dead properties in the catalog database, following their resources
/// through COPY, MOVE and DELETE.
enum DAVPropertyStore {
    /// Rows at `path` or below it (exact prefix test: LIKE only narrows).
    static func rows(under path: DAVPath, on db: Database) async throws -> [DAVProperty] {
        let query = DAVProperty.query(on: db).filter(\.$tenant == path.tenant)
        if path.isTenantRoot { return try await query.all() }
        let prefix = path.relative + "/"
        return try await query.group(.or) { group in
            group.filter(\.$path == path.relative).filter(\.$path, .custom("LIKE"), prefix + "%")
        }.all().filter { $0.path == path.relative || $0.path.hasPrefix(prefix) }
    }

    static func delete(under path: DAVPath, on db: Database) async throws {
        let ids = try await rows(under: path, on: db).compactMap(\.id)
        if !ids.isEmpty { try await DAVProperty.query(on: db).filter(\.$id ~~ ids).delete() }
    }

    /// Copies (or moves) the properties of `source` and its members to `destination`.
    static func transfer(from source: DAVPath, to destination: DAVPath, move: Bool, on db: Database) async throws {
        try await db.transaction { db in
            try await delete(under: destination, on: db)
            for row in try await rows(under: source, on: db) {
                let suffix = String(row.path.dropFirst(source.relative.count))
                let newPath = destination.relative.isEmpty ? String(suffix.drop { $0 == "/" }) : destination.relative + suffix
                if move {
                    row.path = newPath
                    try await row.save(on: db)
                } else {
                    try await DAVProperty(tenant: destination.tenant, path: newPath, namespace: row.namespace, name: row.name,
                                          xml: row.xml, text: row.text).create(on: db)
                }
            }
        }
    }
}
