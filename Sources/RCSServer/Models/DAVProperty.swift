import Fluent
import Vapor

/// A WebDAV dead property (set with PROPPATCH), kept as the property element's XML.
final class DAVProperty: Model, @unchecked Sendable {
    static let schema = "dav_properties"

    @ID(key: .id) var id: UUID?
    @Field(key: "tenant") var tenant: String
    /// Tenant-relative path, "" for the tenant root.
    @Field(key: "path") var path: String
    @Field(key: "namespace") var namespace: String
    @Field(key: "name") var name: String
    /// The whole property element, serialized with its namespace declarations.
    @Field(key: "xml") var xml: String
    /// The element's text, for the catalog's metadata.
    @Field(key: "text") var text: String

    init() {}

    init(tenant: String, path: String, namespace: String, name: String, xml: String, text: String) {
        self.tenant = tenant
        self.path = path
        self.namespace = namespace
        self.name = name
        self.xml = xml
        self.text = text
    }
}
