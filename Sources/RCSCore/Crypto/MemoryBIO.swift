internal import COpenSSL

/// Runs `body` with a read-only memory BIO over `bytes`, freed afterwards.
func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) throws -> T {
    try bytes.withUnsafeBytes { raw in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
            throw OpenSSLErrorQueue.error(.internalError, "cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }
}

/// Runs `body` with a writable memory BIO and returns what it wrote.
func collectMemoryBIO(_ body: (OpaquePointer) throws -> Void) throws -> [UInt8] {
    guard let bio = BIO_new(BIO_s_mem()) else {
        throw OpenSSLErrorQueue.error(.internalError, "cannot allocate a memory BIO")
    }
    defer { BIO_free(bio) }
    try body(bio)
    var data: UnsafePointer<CChar>?
    let length = rcs_BIO_get_mem_data(bio, &data)
    guard length > 0, let data else { return [] }
    return Array(UnsafeRawBufferPointer(start: data, count: Int(length)))
}

/// Lowercase hexadecimal, as used for fingerprints and key identifiers.
func hexString<C: Collection>(_ bytes: C, separator: String = "") -> String where C.Element == UInt8 {
    bytes.map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined(separator: separator)
}
