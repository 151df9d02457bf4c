/// An error from the crypto core: a stable `code` callers can match on, a
/// `reason` a person can act on, and OpenSSL's error-queue text when OpenSSL
/// was the one that failed. Never carries key material or passwords.
public struct RCSError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Stable error codes. Their raw values appear in `--json` output and logs.
    public enum Code: String, Sendable, CaseIterable {
        /// The input is neither PEM nor DER of the expected kind.
        case notPEMOrDER
        /// The input parsed, but is not what was asked for (a key where a certificate was expected...).
        case wrongKind
        /// An encrypted private key was given without a password.
        case passwordRequired
        /// The password does not open the private key.
        case wrongPassword
        /// A key type RCS does not support (only RSA).
        case unsupportedKeyType
        /// The private key does not belong to the certificate.
        case keyMismatch
        /// The envelope is not well-formed CMS/PKCS#7.
        case malformedEnvelope
        /// The envelope ends before its structure does.
        case truncatedEnvelope
        /// An algorithm or structure RCS does not support.
        case unsupportedAlgorithm
        /// None of the envelope's recipients matches the key.
        case noMatchingRecipient
        /// The content did not decrypt (wrong key, damaged ciphertext).
        case decryptionFailed
        /// AES-GCM authentication failed: the content was tampered with.
        case authenticationFailed
        /// A certificate chain did not verify.
        case certificateInvalid
        /// Reading or writing a file failed.
        case io
        /// OpenSSL failed where it should not have.
        case internalError
    }

    public let code: Code
    public let reason: String
    /// OpenSSL's error queue at the time of failure, oldest first.
    public let openSSLErrors: [String]

    public init(_ code: Code, _ reason: String, openSSLErrors: [String] = []) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        openSSLErrors.isEmpty ? reason : "\(reason) (OpenSSL: \(openSSLErrors.joined(separator: "; ")))"
    }
}
