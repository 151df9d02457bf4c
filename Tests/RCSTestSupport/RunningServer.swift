import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `rcs serve` binary on a free loopback port, with its output
/// captured to a file, for tests that talk HTTP to it with real clients.
public final class RunningServer: @unchecked Sendable {
    // @unchecked Sendable: the process handle is only used from the test that owns it.
    public let port: Int
    public let logPath: String
    public let process: Process
    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }
    let scheme: String

    /// Starts `rcs serve` and waits until `/healthz` answers (or the process exits).
    public init(arguments: [String], environment: [String: String], directory: String, https: Bool = false,
                curlOptions: [String] = []) throws {
        port = try Self.freePort()
        scheme = https ? "https" : "http"
        logPath = "\(directory)/serve-\(port).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: RCSBinary.path)
        process.arguments = ["serve", "--port", String(port)] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RCS_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if !process.isRunning { return }
            let probe = try Shell.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + curlOptions + ["\(baseURL)/healthz"])
            if probe.stdoutText == "200" { return }
            usleep(100_000)
        }
        throw TestFailure("rcs serve did not answer within 60 s; log:\n\(self.log)")
    }

    /// What the server printed so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits for the exit status.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 20) -> Int32? {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// A loopback port nobody listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw TestFailure("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
