import Fluent

/// WebDAV dead properties and the recording catalog.
struct CreateStorageSchema: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(DAVProperty.schema)
            .id()
            .field("tenant", .string, .required)
            .field("path", .string, .required)
            .field("namespace", .string, .required)
            .field("name", .string, .required)
            .field("xml", .string, .required)
            .field("text", .string, .required)
            .unique(on: "tenant", "path", "namespace", "name")
            .create()
        try await database.schema(Recording.schema)
            .id()
            .field("tenant_id", .uuid, .required, .references(Tenant.schema, "id"))
            .field("path", .string, .required)
            .field("size", .int64, .required)
            .field("modified_at", .datetime, .required)
            .field("indexed_at", .datetime)
            .field("layout", .string, .required)
            .field("encrypted", .bool, .required)
            .field("envelope_json", .string)
            .field("note", .string)
            .field("metadata_json", .string, .required)
            .unique(on: "tenant_id", "path")
            .create()
        try await database.schema(RecordingRecipient.schema)
            .id()
            .field("recording_id", .uuid, .required, .references(Recording.schema, "id", onDelete: .cascade))
            .field("issuer_dn", .string)
            .field("serial_number", .string)
            .field("subject_key_identifier", .string)
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema(RecordingRecipient.schema).delete()
        try await database.schema(Recording.schema).delete()
        try await database.schema(DAVProperty.schema).delete()
    }
}

/// What playback learns once and keeps: the content map, the plaintext
/// length, the GCM tag's outcome, the sniffed media type.
struct AddPlaybackFields: AsyncMigration {
    static let fields: [(FieldKey, DatabaseSchema.DataType)] = [
        ("content_map_json", .string), ("plaintext_length", .int64), ("tag_verified", .bool), ("content_type", .string),
    ]

    // One column per ALTER TABLE: SQLite takes no more.
    func prepare(on database: Database) async throws {
        for (name, type) in Self.fields {
            try await database.schema(Recording.schema).field(name, type).update()
        }
    }

    func revert(on database: Database) async throws {
        for (name, _) in Self.fields {
            try await database.schema(Recording.schema).deleteField(name).update()
        }
    }
}

/// Recordings kept on a profile's remote WebDAV destination.
struct AddRemoteSource: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(Recording.schema).field("remote_profile_id", .uuid).update()
    }

    func revert(on database: Database) async throws {
        try await database.schema(Recording.schema).deleteField("remote_profile_id").update()
    }
}

/// Search by agent, customer and time; the duration the audio tells.
struct AddSearchFields: AsyncMigration {
    static let fields: [(FieldKey, DatabaseSchema.DataType)] = [
        ("agent_id", .string), ("customer_id", .string), ("recorded_at", .datetime), ("duration_seconds", .double),
    ]

    func prepare(on database: Database) async throws {
        for (name, type) in Self.fields {
            try await database.schema(Recording.schema).field(name, type).update()
        }
    }

    func revert(on database: Database) async throws {
        for (name, _) in Self.fields {
            try await database.schema(Recording.schema).deleteField(name).update()
        }
    }
}
