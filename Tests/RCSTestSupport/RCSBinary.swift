import Foundation

/// The `rcs` executable built beside the test bundle (`swift test` builds every
/// product), or the one named by `RCS_BINARY`.
public enum RCSBinary {
    public static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["RCS_BINARY"] { return explicit }
        let testExecutable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: testExecutable).deletingLastPathComponent()
        // On Linux the test binary sits in .build/<config>/; step out of any bundle.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("rcs").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return "rcs"
    }()

    @discardableResult
    public static func run(_ arguments: [String], stdinFile: String? = nil) throws -> Shell.Output {
        try Shell.run([path] + arguments, stdinFile: stdinFile)
    }

    /// Runs `rcs` with a real pipe on standard input, fed from `file`.
    @discardableResult
    public static func runPiped(from file: String, _ arguments: [String]) throws -> Shell.Output {
        try Shell.runPiped(from: file, [path] + arguments)
    }
}
