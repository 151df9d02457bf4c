#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Changing the keystore password, crash-safe.
///
/// 1. Every key is re-encrypted under the new password into `X.key.pem.next`
///    (the keystore key last), each fsynced, then the directory.
/// 2. Commit point: `keystore.key.pem.next` is renamed over `keystore.key.pem`.
/// 3. Every other `.next` is renamed over its key.
///
/// A crash before 2 leaves the old password working (and, once the keystore
/// key's `.next` is complete, the new one too: opening with it rolls the change
/// forward). A crash after 2 leaves the new password working; opening with it
/// finishes step 3.
extension Keystore {
    /// Re-encrypts every key under `newPassword`; `progress` hears (done, total).
    public func changePassword(to newPassword: String, progress: ((Int, Int) -> Void)? = nil) throws {
        guard !newPassword.isEmpty else { throw RCSError(.passwordRequired, "the new keystore password is empty") }
        guard newPassword != password else { throw RCSError(.wrongPassword, "the new password is the same as the old one") }
        let keyFiles = try fingerprints().filter { FileManager.default.fileExists(atPath: path($0, .key)) }
        let total = keyFiles.count + 1
        for (index, fingerprint) in keyFiles.enumerated() {
            let key = try privateKey(fingerprint)
            try Self.writeFile(path(fingerprint, .key) + Self.nextSuffix,
                               try key.encryptedPKCS8PEM(password: newPassword, iterations: kdfIterations))
            progress?(index + 1, total)
        }
        let keystoreKeyPath = "\(directory)/\(Self.keystoreKeyFile)"
        try Self.writeFile(keystoreKeyPath + Self.nextSuffix,
                           try keystoreKey.encryptedPKCS8PEM(password: newPassword, iterations: kdfIterations))
        Self.syncDirectory(directory)
        try Self.rename(keystoreKeyPath + Self.nextSuffix, keystoreKeyPath) // the commit point
        try Self.finishRenames(directory: directory)
        Self.syncDirectory(directory)
        progress?(total, total)
        // The keys themselves did not change: the cache stays valid.
        password = newPassword
    }

    /// Brings a keystore left by an interrupted change to a consistent state
    /// for `password`, and returns the keystore key it opens.
    static func recoverPasswordChange(directory: String, password: String) throws -> PrivateKey {
        let path = "\(directory)/\(keystoreKeyFile)"
        let next = path + nextSuffix
        if let key = try? PrivateKey.load(path: path, password: password) {
            // Current password. `.next` files: the rest of a committed change whose
            // renames this key already saw (they open with it), or debris of a change
            // that never reached its commit point (they do not): finish or drop each.
            if FileManager.default.fileExists(atPath: next) { try FileManager.default.removeItem(atPath: next) }
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(Keystore.FileKind.key.suffix + nextSuffix) {
                let pending = "\(directory)/\(name)"
                if (try? PrivateKey.load(path: pending, password: password)) != nil {
                    try rename(pending, String(pending.dropLast(nextSuffix.count)))
                } else {
                    try FileManager.default.removeItem(atPath: pending)
                }
            }
            try removeUnfinishedNextFiles(directory: directory)
            syncDirectory(directory)
            return key
        }
        if FileManager.default.fileExists(atPath: next), let key = try? PrivateKey.load(path: next, password: password) {
            // The new password of a change that stopped before its commit point: roll forward.
            try rename(next, path)
            try finishRenames(directory: directory)
            try removeUnfinishedNextFiles(directory: directory)
            syncDirectory(directory)
            return key
        }
        throw RCSError(.wrongPassword, "the keystore password does not open \(path): check RCS_KEYSTORE_PASSWORD or RCS_KEYSTORE_PASSWORD_FILE (nothing was changed)")
    }

    /// Drops the temporary files of `.next` writes a crash cut short (AtomicOutput's
    /// hidden `.…key.pem.next.rcs-XXXXXX`): never renamed, so never part of the keystore,
    /// yet each holds (part of) an encrypted key. Only the lock holder writes here.
    static func removeUnfinishedNextFiles(directory: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory)
        where name.hasPrefix(".") && name.contains(Keystore.FileKind.key.suffix + nextSuffix + ".rcs-") {
            try FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    static func finishRenames(directory: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(Keystore.FileKind.key.suffix + nextSuffix) {
            let pending = "\(directory)/\(name)"
            try rename(pending, String(pending.dropLast(nextSuffix.count)))
        }
    }

    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            throw RCSError(.io, "cannot rename \(from): \(String(cString: strerror(errno)))")
        }
    }
}
