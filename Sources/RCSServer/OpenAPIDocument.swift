/// The OpenAPI 3 description of the admin API (and the recorders' bundle).
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.0.3
info:
  title: RCS admin API
  version: 0.2.0
  description: |
    Recording Crypto Server: certificates and keys, trusted CAs, tenants,
    recording profiles, credentials and the audit log. Every route takes HTTP
    Basic: admin accounts everywhere, recorder credentials on
    /profiles/{profileID}/recording-certificates of their own tenant.
    Errors are application/problem+json (RFC 9457) with a stable `type`
    (urn:rcs:problem:<slug>) and a `detail` that says what to do.
servers:
  - url: /
security:
  - basic: []
paths:
  /api/v1/certificates:
    get:
      summary: List recording certificates
      responses:
        "200": {description: The certificates, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Certificate"}}}}}
        default: {$ref: "#/components/responses/Problem"}
    post:
      summary: Upload a certificate with its private key
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {$ref: "#/components/schemas/CertificateUpload"}
      responses:
        "201": {description: Stored, content: {application/json: {schema: {$ref: "#/components/schemas/Certificate"}}}}
        "409": {$ref: "#/components/responses/Problem"}
        "422": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/certificates/preview:
    post:
      summary: Parse a certificate (and optionally its key) without storing anything
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {$ref: "#/components/schemas/CertificateUpload"}
      responses:
        "200": {description: What an upload would say, content: {application/json: {schema: {$ref: "#/components/schemas/Preview"}}}}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/certificates/{certificateID}:
    parameters: [{$ref: "#/components/parameters/certificateID"}]
    get:
      summary: One certificate, with the profiles it is deployed to
      responses:
        "200": {description: The certificate, content: {application/json: {schema: {$ref: "#/components/schemas/Certificate"}}}}
        default: {$ref: "#/components/responses/Problem"}
    delete:
      summary: Delete a certificate and its key (deployed ones need force=true, audited)
      parameters:
        - {name: force, in: query, schema: {type: boolean}}
      responses:
        "204": {description: Deleted}
        "409": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/certificates/{certificateID}/pem:
    parameters: [{$ref: "#/components/parameters/certificateID"}]
    get:
      summary: The certificate as PEM
      responses:
        "200": {description: PEM, content: {application/x-pem-file: {schema: {type: string}}}}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/trust:
    get:
      summary: List trusted CA certificates
      responses:
        "200": {description: The CAs, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/TrustedCA"}}}}}
        default: {$ref: "#/components/responses/Problem"}
    post:
      summary: Trust a CA certificate or a PEM bundle of them
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [certificate]
              properties:
                certificate: {type: string, format: binary}
      responses:
        "201": {description: Added, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/TrustedCA"}}}}}
        "200": {description: All were already trusted, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/TrustedCA"}}}}}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/trust/{caID}:
    parameters: [{name: caID, in: path, required: true, schema: {type: string, pattern: "^[0-9a-f]{64}$"}}]
    get:
      summary: One trusted CA
      responses:
        "200": {description: The CA, content: {application/json: {schema: {$ref: "#/components/schemas/TrustedCA"}}}}
        default: {$ref: "#/components/responses/Problem"}
    delete:
      summary: Stop trusting a CA
      responses:
        "204": {description: Removed}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/tenants:
    get:
      summary: List tenants
      responses:
        "200": {description: The tenants, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Tenant"}}}}}
        default: {$ref: "#/components/responses/Problem"}
    post:
      summary: Create a tenant
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, pattern: "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"}
      responses:
        "201": {description: Created, content: {application/json: {schema: {$ref: "#/components/schemas/Tenant"}}}}
        "409": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/tenants/{tenantID}:
    parameters: [{name: tenantID, in: path, required: true, description: id or name, schema: {type: string}}]
    get:
      summary: One tenant
      responses:
        "200": {description: The tenant, content: {application/json: {schema: {$ref: "#/components/schemas/Tenant"}}}}
        default: {$ref: "#/components/responses/Problem"}
    delete:
      summary: Delete a tenant without profiles or active credentials
      responses:
        "204": {description: Deleted}
        "409": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/profiles:
    get:
      summary: List recording profiles
      parameters:
        - {name: tenant, in: query, description: tenant id or name, schema: {type: string}}
      responses:
        "200": {description: The profiles, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Profile"}}}}}
        default: {$ref: "#/components/responses/Problem"}
    post:
      summary: Create a recording profile
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [tenant, name]
              properties:
                tenant: {type: string, description: tenant id or name}
                name: {type: string}
                storage: {$ref: "#/components/schemas/StorageInput"}
      responses:
        "201": {description: Created, content: {application/json: {schema: {$ref: "#/components/schemas/Profile"}}}}
        "409": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/profiles/{profileID}:
    parameters: [{$ref: "#/components/parameters/profileID"}]
    get:
      summary: One recording profile
      responses:
        "200": {description: The profile, content: {application/json: {schema: {$ref: "#/components/schemas/Profile"}}}}
        default: {$ref: "#/components/responses/Problem"}
    patch:
      summary: Rename a profile or change its storage destination
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
                storage: {$ref: "#/components/schemas/StorageInput"}
      responses:
        "200": {description: The profile, content: {application/json: {schema: {$ref: "#/components/schemas/Profile"}}}}
        default: {$ref: "#/components/responses/Problem"}
    delete:
      summary: Delete a profile and its deployments
      responses:
        "204": {description: Deleted}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/profiles/{profileID}/certificates:
    parameters: [{$ref: "#/components/parameters/profileID"}]
    get:
      summary: Certificates deployed to the profile
      responses:
        "200": {description: The deployments, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Deployment"}}}}}
        default: {$ref: "#/components/responses/Problem"}
    post:
      summary: Deploy a certificate to the profile
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [certificate]
              properties:
                certificate: {type: string, description: the certificate id (SHA-256 fingerprint)}
      responses:
        "201": {description: Deployed, content: {application/json: {schema: {$ref: "#/components/schemas/Deployment"}}}}
        "409": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/profiles/{profileID}/certificates/{certificateID}:
    parameters: [{$ref: "#/components/parameters/profileID"}, {$ref: "#/components/parameters/certificateID"}]
    delete:
      summary: Remove a certificate from the profile
      responses:
        "204": {description: Removed}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/profiles/{profileID}/sync:
    parameters: [{$ref: "#/components/parameters/profileID"}]
    post:
      summary: Catalogue the recordings on the profile's remote WebDAV destination (then they play like local ones)
      responses:
        "200": {description: What the catalog now holds for it, content: {application/json: {schema: {type: object, properties: {recordings: {type: integer}, removed: {type: integer}}}}}}
        "400": {$ref: "#/components/responses/Problem"}
        "502": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/profiles/{profileID}/recording-certificates:
    parameters: [{$ref: "#/components/parameters/profileID"}]
    get:
      summary: PEM bundle of the profile's certificates that are usable now (what a recorder encrypts to)
      description: Admins, or recorder credentials of the profile's tenant. Each deployed certificate is re-validated (dates, chain, key) at every call.
      responses:
        "200": {description: PEM bundle, content: {application/x-pem-file: {schema: {type: string}}}}
        "409": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/credentials:
    get:
      summary: List recorder and player credentials (never their secrets)
      parameters:
        - {name: tenant, in: query, schema: {type: string}}
      responses:
        "200": {description: The credentials, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Credential"}}}}}
        default: {$ref: "#/components/responses/Problem"}
    post:
      summary: Create a credential; the answer holds its secret, shown this once
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [role, tenant]
              properties:
                role: {type: string, enum: [recorder, player]}
                tenant: {type: string}
      responses:
        "201": {description: Created, content: {application/json: {schema: {$ref: "#/components/schemas/Credential"}}}}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/credentials/{credentialID}:
    parameters: [{name: credentialID, in: path, required: true, schema: {type: string, format: uuid}}]
    delete:
      summary: Revoke a credential
      responses:
        "204": {description: Revoked}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/audit:
    get:
      summary: The audit log, newest first
      parameters:
        - {name: actor, in: query, schema: {type: string}}
        - {name: action, in: query, description: "an action, or a prefix ending in . such as certificate.", schema: {type: string}}
        - {name: tenant, in: query, schema: {type: string}}
        - {name: outcome, in: query, schema: {type: string, enum: [success, failure]}}
        - {name: since, in: query, schema: {type: string, format: date-time}}
        - {name: until, in: query, schema: {type: string, format: date-time}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per, in: query, schema: {type: integer, minimum: 1, maximum: 500}}
      responses:
        "200": {description: A page of events, content: {application/json: {schema: {$ref: "#/components/schemas/AuditPage"}}}}
        default: {$ref: "#/components/responses/Problem"}
  /api/v1/keystore/export:
    get:
      summary: Backup archive of the keystore (keys stay encrypted; audited)
      responses:
        "200": {description: The archive, content: {application/x-pem-file: {schema: {type: string}}}}
        default: {$ref: "#/components/responses/Problem"}
  /rcs/api/v1/recordings:
    get:
      summary: List recordings (admins, or player credentials of their own tenant)
      parameters:
        - {name: tenant, in: query, schema: {type: string}}
        - {name: agent, in: query, description: the recorder's agent id, schema: {type: string}}
        - {name: customer, in: query, description: the recorder's customer id, schema: {type: string}}
        - {name: since, in: query, description: recorded at or after (ISO 8601), schema: {type: string, format: date-time}}
        - {name: until, in: query, description: recorded at or before (ISO 8601), schema: {type: string, format: date-time}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per, in: query, schema: {type: integer, minimum: 1, maximum: 500}}
      responses:
        "200": {description: A page of recordings, content: {application/json: {schema: {type: object, properties: {items: {type: array, items: {$ref: "#/components/schemas/Recording"}}, page: {type: integer}, per: {type: integer}, total: {type: integer}}}}}}
        default: {$ref: "#/components/responses/Problem"}
  /rcs/api/v1/recordings/{recordingID}:
    parameters: [{$ref: "#/components/parameters/recordingID"}]
    get:
      summary: One recording's metadata, envelope cipher and recipients
      responses:
        "200": {description: The recording, content: {application/json: {schema: {$ref: "#/components/schemas/Recording"}}}}
        default: {$ref: "#/components/responses/Problem"}
    delete:
      summary: Deletes a recording kept in RCS storage (file, sidecar, properties, catalog row); admins only, audited
      responses:
        "204": {description: Deleted}
        "409": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /rcs/api/v1/recordings/{recordingID}/audio:
    parameters: [{$ref: "#/components/parameters/recordingID"}]
    get:
      summary: The decrypted audio, streamed, with Range; credentials or a signed URL (expires, signature)
      security: [{basic: []}, {}]
      parameters:
        - {name: Range, in: header, schema: {type: string, example: "bytes=0-1023"}}
        - {name: expires, in: query, schema: {type: integer}}
        - {name: signature, in: query, schema: {type: string}}
      responses:
        "200": {description: The audio, content: {audio/wav: {schema: {type: string, format: binary}}}}
        "206": {description: A range of it, content: {audio/wav: {schema: {type: string, format: binary}}}}
        "409": {$ref: "#/components/responses/Problem"}
        "416": {description: The range is beyond the audio}
        "422": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
  /rcs/api/v1/recordings/{recordingID}/playback-url:
    parameters: [{$ref: "#/components/parameters/recordingID"}]
    post:
      summary: A signed URL that plays this one recording without credentials until it expires
      parameters:
        - {name: lifetime, in: query, description: seconds (1 to 3600; default 300), schema: {type: integer}}
      responses:
        "200": {description: The URL, content: {application/json: {schema: {type: object, properties: {url: {type: string}, expiresAt: {type: string, format: date-time}}}}}}
        default: {$ref: "#/components/responses/Problem"}
  /rcs/api/v1/decrypt:
    get:
      summary: The decrypt proxy - fetch an encrypted file from a configured storage location and answer it decrypted
      parameters:
        - {name: uri, in: query, required: true, description: "the file's URL, under one of RCS_DECRYPT_URI_PREFIXES", schema: {type: string}}
      responses:
        "200": {description: The decrypted content, content: {application/octet-stream: {schema: {type: string, format: binary}}}}
        "403": {$ref: "#/components/responses/Problem"}
        "409": {$ref: "#/components/responses/Problem"}
        "502": {$ref: "#/components/responses/Problem"}
        default: {$ref: "#/components/responses/Problem"}
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
  parameters:
    certificateID: {name: certificateID, in: path, required: true, description: SHA-256 fingerprint, schema: {type: string, pattern: "^[0-9a-f]{64}$"}}
    profileID: {name: profileID, in: path, required: true, schema: {type: string, format: uuid}}
    recordingID: {name: recordingID, in: path, required: true, schema: {type: string, format: uuid}}
  responses:
    Problem:
      description: An RFC 9457 problem
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
  schemas:
    Recording:
      type: object
      properties:
        id: {type: string, format: uuid}
        tenant: {type: string}
        path: {type: string}
        size: {type: integer}
        modifiedAt: {type: string, format: date-time}
        indexedAt: {type: string, format: date-time}
        encrypted: {type: boolean}
        layout: {type: string, enum: [envelope, externalEnvelope, plain]}
        envelope: {type: object, description: "content type, cipher, length encoding, recipients (issuer DN and serial, or subject key identifier)"}
        note: {type: string}
        duration: {type: number, description: "seconds, when the header of the audio tells it (WAV)"}
        agentId: {type: string}
        customerId: {type: string}
        recordedAt: {type: string, format: date-time}
        metadata: {type: object, description: the recorder's sidecar JSON and WebDAV properties}
    Problem:
      type: object
      required: [type, title, status, detail]
      properties:
        type: {type: string, example: "urn:rcs:problem:unknown-ca"}
        title: {type: string}
        status: {type: integer}
        detail: {type: string}
        field: {type: string, description: the form field the problem concerns}
        instance: {type: string}
    CertificateUpload:
      type: object
      required: [certificate]
      properties:
        certificate: {type: string, format: binary, description: "PEM (one or many: the first is the certificate, the rest intermediates) or DER"}
        key: {type: string, format: binary, description: "PKCS#1 or PKCS#8, PEM or DER, encrypted or not"}
        password: {type: string, description: the private key's password}
        chain: {type: string, format: binary, description: intermediate CA certificates}
    Certificate:
      type: object
      required: [id, subjectName, serialNumber, subjectDN, issuerDN, notBefore, notAfter, keyDetails, status, deployedCount]
      properties:
        id: {type: string}
        subjectName: {type: string}
        serialNumber: {type: string}
        subjectDN: {type: string}
        issuerDN: {type: string}
        issuerName: {type: string, description: "the issuer's common name (the Issued By column)"}
        notBefore: {type: string, format: date-time}
        notAfter: {type: string, format: date-time}
        keyDetails: {type: string}
        keyType: {type: string}
        keyBits: {type: integer}
        sha256Fingerprint: {type: string}
        status: {type: string, enum: [valid, notYetValid, expired]}
        deployedCount: {type: integer}
        chain: {type: array, items: {type: string}}
        uploadedBy: {type: string}
        uploadedAt: {type: string, format: date-time}
        profiles:
          type: array
          items:
            type: object
            properties: {id: {type: string, format: uuid}, name: {type: string}, tenant: {type: string}}
    Preview:
      type: object
      properties:
        certificate: {$ref: "#/components/schemas/Certificate"}
        keyDetails: {type: string}
        keyMatches: {type: boolean}
        problems:
          type: array
          items:
            type: object
            properties: {type: {type: string}, field: {type: string}, detail: {type: string}}
    TrustedCA:
      type: object
      properties:
        id: {type: string}
        subjectDN: {type: string}
        issuerDN: {type: string}
        notBefore: {type: string, format: date-time}
        notAfter: {type: string, format: date-time}
        isRoot: {type: boolean}
        sha256Fingerprint: {type: string}
        added: {type: boolean}
    Tenant:
      type: object
      required: [id, name]
      properties:
        id: {type: string, format: uuid}
        name: {type: string}
        createdAt: {type: string, format: date-time}
    StorageInput:
      type: object
      required: [kind]
      properties:
        kind: {type: string, enum: [local, webdav]}
        url: {type: string}
        username: {type: string}
        password: {type: string, description: kept encrypted at rest; never returned}
    Profile:
      type: object
      required: [id, tenant, name]
      properties:
        id: {type: string, format: uuid}
        tenant: {type: string}
        tenantID: {type: string, format: uuid}
        name: {type: string}
        storage:
          type: object
          properties: {kind: {type: string}, url: {type: string}, username: {type: string}, hasPassword: {type: boolean}}
        certificates: {type: array, items: {type: string}}
        createdAt: {type: string, format: date-time}
    Deployment:
      type: object
      properties:
        id: {type: string, format: uuid}
        profile: {type: string, format: uuid}
        certificate: {type: string}
        deployedBy: {type: string}
        createdAt: {type: string, format: date-time}
        status: {type: string, enum: [valid, notYetValid, expired]}
    Credential:
      type: object
      required: [id, username, role, tenant]
      properties:
        id: {type: string, format: uuid}
        username: {type: string}
        role: {type: string, enum: [recorder, player]}
        tenant: {type: string}
        createdBy: {type: string}
        createdAt: {type: string, format: date-time}
        revokedAt: {type: string, format: date-time}
        secret: {type: string, description: only in the answer to the creation}
    AuditPage:
      type: object
      properties:
        page: {type: integer}
        per: {type: integer}
        total: {type: integer}
        items:
          type: array
          items:
            type: object
            properties:
              id: {type: string, format: uuid}
              at: {type: string, format: date-time}
              actor: {type: string}
              action: {type: string}
              tenant: {type: string}
              target: {type: string}
              outcome: {type: string}
              remoteAddress: {type: string}
              requestID: {type: string}
              detail: {type: string}
"""#
}
