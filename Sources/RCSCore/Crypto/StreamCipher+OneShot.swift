extension StreamCipher {
    /// AES-GCM decryption of a message held in memory: the plaintext is
    /// returned only when the tag verifies, otherwise nothing is.
    public static func openAESGCM(key: [UInt8], nonce: [UInt8], aad: [UInt8], ciphertext: [UInt8], tag: [UInt8]) throws -> [UInt8] {
        guard [16, 24, 32].contains(key.count) else { throw CryptoError(.unsupportedAlgorithm, "AES keys are 16, 24 or 32 bytes") }
        let cipher = try StreamCipher(name: "AES-\(key.count * 8)-GCM", key: key, iv: nonce, encrypting: false)
        if !aad.isEmpty { try cipher.authenticate(aad) }
        try cipher.setExpectedTag(tag)
        return try cipher.process(ciphertext)
    }

    /// AES-CBC with PKCS#7 padding, decrypting a message held in memory.
    public static func decryptAESCBC(key: [UInt8], iv: [UInt8], ciphertext: [UInt8]) throws -> [UInt8] {
        guard [16, 24, 32].contains(key.count) else { throw CryptoError(.unsupportedAlgorithm, "AES keys are 16, 24 or 32 bytes") }
        return try StreamCipher(name: "AES-\(key.count * 8)-CBC", key: key, iv: iv, encrypting: false).process(ciphertext)
    }
}
