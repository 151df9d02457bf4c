extension StreamCipher {
    /// AES-GCM decryption of a message held in memory: the plaintext is
    /// returned only when the tag verifies, otherwise nothing is.
    public static func openAESGCM(key: [UInt8], nonce: [UInt8], aad: [UInt8], ciphertext: [UInt8], tag: [UInt8]) throws -> [UInt8] {
        guard [16, 24, 32].contains(key.count) else { throw RCSError(.unsupportedAlgorithm, "AES keys are 16, 24 or 32 bytes") }
        let cipher = try StreamCipher(name: "AES-\(key.count * 8)-GCM", key: key, iv: nonce, encrypting: false)
        if !aad.isEmpty { try cipher.authenticate(aad) }
        try cipher.setExpectedTag(tag)
        return try cipher.process(ciphertext)
    }

    /// AES-256-GCM sealing of a small secret: nonce (12) ‖ ciphertext ‖ tag (16).
    public static func sealAESGCM(key: [UInt8], plaintext: [UInt8], aad: [UInt8] = []) throws -> [UInt8] {
        let nonce = try randomBytes(12)
        let cipher = try StreamCipher(name: "AES-256-GCM", key: key, iv: nonce, encrypting: true)
        if !aad.isEmpty { try cipher.authenticate(aad) }
        let ciphertext = try cipher.process(plaintext)
        return nonce + ciphertext + (try cipher.tag())
    }

    /// Opens what `sealAESGCM` made; nothing comes out unless the tag verifies.
    public static func openAESGCM(key: [UInt8], sealed: [UInt8], aad: [UInt8] = []) throws -> [UInt8] {
        guard sealed.count >= 28 else { throw RCSError(.authenticationFailed, "the sealed secret is too short") }
        return try openAESGCM(key: key, nonce: Array(sealed.prefix(12)), aad: aad,
                              ciphertext: Array(sealed.dropFirst(12).dropLast(16)), tag: Array(sealed.suffix(16)))
    }

    /// AES-CBC with PKCS#7 padding, decrypting a message held in memory.
    public static func decryptAESCBC(key: [UInt8], iv: [UInt8], ciphertext: [UInt8]) throws -> [UInt8] {
        guard [16, 24, 32].contains(key.count) else { throw RCSError(.unsupportedAlgorithm, "AES keys are 16, 24 or 32 bytes") }
        return try StreamCipher(name: "AES-\(key.count * 8)-CBC", key: key, iv: iv, encrypting: false).process(ciphertext)
    }
}
