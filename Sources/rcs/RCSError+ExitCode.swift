import ArgumentParser
import RCSCore
#if canImport(Glibc)
import Glibc
#endif

extension RCSError.Code {
    /// The documented exit status for each failure (see `rcs --help`).
    var exitCode: Int32 {
        switch self {
        case .notPEMOrDER, .wrongKind, .malformedEnvelope, .truncatedEnvelope, .unsupportedAlgorithm: return 2
        case .passwordRequired, .wrongPassword, .unsupportedKeyType, .keyMismatch: return 3
        case .noMatchingRecipient: return 4
        case .decryptionFailed, .authenticationFailed: return 5
        case .certificateInvalid: return 6
        case .io: return 7
        case .internalError: return 1
        }
    }
}

/// Runs a command body, turning a `RCSError` into one line on standard
/// error and its documented exit code.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as RCSError {
        printError("rcs: error: \(error.description)")
        throw ExitCode(error.code.exitCode)
    } catch let error as KeystoreError {
        printError("rcs: error: \(error.description)")
        throw ExitCode(2)
    }
}

/// The same, for async command bodies.
func reportingErrorsAsync(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RCSError {
        printError("rcs: error: \(error.description)")
        throw ExitCode(error.code.exitCode)
    }
}

func printError(_ message: String) {
    var line = message
    if !line.hasSuffix("\n") { line += "\n" }
    line.utf8CString.withUnsafeBufferPointer { buffer in
        _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count - 1)
    }
}
