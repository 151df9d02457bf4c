import Foundation

/// Runs real programs (openssl, the built `rcs`) for tests.
public enum Shell {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
        public var succeeded: Bool { status == 0 }
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `arguments[0]` (looked up in PATH unless it has a slash) with the
    /// rest as arguments, optionally feeding `stdin` from a file.
    @discardableResult
    public static func run(_ arguments: [String], stdinFile: String? = nil, environment: [String: String]? = nil) throws -> Output {
        let process = Process()
        let executable = arguments[0]
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = Array(arguments.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
        }
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("rcs-test-\(UUID().uuidString).out")
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("rcs-test-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let outHandle = try FileHandle(forWritingTo: outFile)
        let errHandle = try FileHandle(forWritingTo: errFile)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdinFile {
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinFile))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Output(status: process.terminationStatus,
                      stdout: try Data(contentsOf: outFile),
                      stderr: String(decoding: try Data(contentsOf: errFile), as: UTF8.self))
    }

    /// Runs a command whose standard input is a real pipe fed from `file`
    /// (so the command cannot learn the input's size).
    @discardableResult
    public static func runPiped(from file: String, _ arguments: [String]) throws -> Output {
        try run(["/bin/sh", "-c", "cat \"$0\" | \"$@\"", file] + arguments)
    }

    /// Runs the openssl CLI and fails with its error text unless it succeeds.
    @discardableResult
    public static func openssl(_ arguments: String..., stdinFile: String? = nil) throws -> Output {
        try opensslArgs(arguments, stdinFile: stdinFile)
    }

    @discardableResult
    public static func opensslArgs(_ arguments: [String], stdinFile: String? = nil) throws -> Output {
        let output = try run(["openssl"] + arguments, stdinFile: stdinFile)
        guard output.succeeded else {
            throw TestFailure("openssl \(arguments.joined(separator: " ")) failed (\(output.status)): \(output.stderr)")
        }
        return output
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
