import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One request for `DAVServer.send`.
public struct HTTPCall: Sendable {
    public let method: String
    public let path: String
    public var headers: [String] = []
    public var body: Data?

    public init(_ method: String, _ path: String, headers: [String] = [], body: Data? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}


/// A response as curl saw it.
public struct Reply: CustomStringConvertible, Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: Data
    public var curlError = ""

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var description: String {
        let shown = headers.map { "\($0.name): \($0.value)" }.joined(separator: "; ")
        return "\(status) [\(shown)] \(text.prefix(400))\(curlError.isEmpty ? "" : " curl: \(curlError)")"
    }

    /// Status, headers (minus the ones that differ on every request) and
    /// body (JSON with sorted keys), with `substitutions` applied: two answers
    /// with equal fingerprints are indistinguishable to a client.
    public func fingerprint(_ substitutions: [(String, String)]) -> String {
        var bodyText = text
        if let object = try? JSONSerialization.jsonObject(with: body),
           let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            bodyText = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
        }
        let volatile: Set<String> = ["date", "x-request-id", "content-length"]
        let kept = headers.filter { !volatile.contains($0.name.lowercased()) }
            .map { "\($0.name.lowercased()): \($0.value)" }.sorted()
        var result = "\(status)\n\(kept.joined(separator: "\n"))\n\n\(bodyText)"
        for (from, to) in substitutions { result = result.replacingOccurrences(of: from, with: to) }
        return result
    }
}

/// The real `rcs serve` in a scratch directory, driven with curl (one
/// process per request, started with posix_spawn).
public final class DAVServer: @unchecked Sendable {
    // @unchecked Sendable: used by the one test that owns it.
    public let directory: TemporaryDirectory
    /// curl's files, apart from the server's.
    public let scratch: TemporaryDirectory
    public let running: RunningServer
    public var base: String { running.baseURL }
    private var counter = 0

    public init(name: String, adminPassword: String, environment: [String: String] = [:]) throws {
        directory = try TemporaryDirectory("rcs-\(name)")
        scratch = try TemporaryDirectory("rcs-\(name)-curl")
        let env = ["RCS_KEYSTORE_PASSWORD": "\(name) keystore password", "RCS_ADMIN_PASSWORD": adminPassword,
                   "RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4"].merging(environment) { $1 }
        do {
            running = try RunningServer(arguments: [], environment: env, directory: directory.path)
        } catch {
            directory.remove()
            scratch.remove()
            throw error
        }
        guard running.process.isRunning else {
            let log = running.log
            directory.remove()
            scratch.remove()
            throw TestFailure("rcs serve exited at start:\n\(log)")
        }
    }

    public func stop() {
        running.stop()
        directory.remove()
        scratch.remove()
    }

    /// Sends one request with curl (`--path-as-is`: the path goes out exactly as given).
    public func send(_ call: HTTPCall, user: String?, extraCurl: [String] = []) throws -> Reply {
        counter += 1
        let n = counter
        let headerFile = scratch.file("curl-\(n).headers")
        let bodyFile = scratch.file("curl-\(n).body")
        defer {
            try? FileManager.default.removeItem(atPath: headerFile)
            try? FileManager.default.removeItem(atPath: bodyFile)
        }
        var arguments = [curlPath, "-sS", "--path-as-is", "--max-time", "30", "-D", headerFile, "-o", bodyFile, "-w", "%{http_code}"]
        arguments += call.method == "HEAD" ? ["-I"] : ["-X", call.method]
        if let user { arguments += ["-u", user] }
        for header in call.headers { arguments += ["-H", header] }
        if let body = call.body {
            let requestFile = scratch.file("curl-\(n).request")
            try body.write(to: URL(fileURLWithPath: requestFile))
            arguments += ["--data-binary", "@\(requestFile)"]
            if !call.headers.contains(where: { $0.lowercased().hasPrefix("content-type:") }) {
                arguments += ["-H", "Content-Type: application/octet-stream"]
            }
        }
        arguments += extraCurl
        arguments.append(call.path.hasPrefix("/") ? base + call.path : call.path)
        let outFile = scratch.file("curl-\(n).out"), errFile = scratch.file("curl-\(n).err")
        defer {
            try? FileManager.default.removeItem(atPath: outFile)
            try? FileManager.default.removeItem(atPath: errFile)
            try? FileManager.default.removeItem(atPath: scratch.file("curl-\(n).request"))
        }
        let exitStatus = try spawn(arguments, stdout: outFile, stderr: errFile)
        let output = (stdout: (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")
        let rawHeaders = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        let blocks = rawHeaders.components(separatedBy: "\r\n\r\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        var headers: [(String, String)] = []
        var status = Int(output.stdout.trimmingCharacters(in: .whitespaces)) ?? 0
        if let last = blocks.last {
            var lines = last.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst()
            if let code = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) { status = code }
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        // With -I curl writes the head into the output file too: a HEAD answer has no body.
        let body = call.method == "HEAD" ? Data() : FileManager.default.contents(atPath: bodyFile) ?? Data()
        return Reply(status: status, headers: headers, body: body, curlError: exitStatus == 0 ? "" : output.stderr)
    }

    public func health() throws -> Int { try send(HTTPCall("GET", "/healthz"), user: nil).status }
}

/// curl, found on PATH once.
private let curlPath: String = {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return directories.map { "\($0)/curl" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/curl"
}()

/// Runs a program with stdout and stderr to files and returns its exit
/// status. posix_spawn: Foundation's Process costs ~50 ms a start here, and
/// these tests send hundreds of requests.
private func spawn(_ arguments: [String], stdout: String, stderr: String) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let started = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
    guard started == 0 else { throw TestFailure("cannot start \(arguments[0]): \(String(cString: strerror(started)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

