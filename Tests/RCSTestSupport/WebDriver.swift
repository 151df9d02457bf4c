import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small W3C WebDriver client: chromedriver on a free loopback port driving
/// one headless Chromium session, for browser tests.
///
/// Media: with no sound card Chromium plays `<audio>` into a fake output and
/// `currentTime` advances in real time; seeking past what is buffered needs a
/// server that answers `Range` with 206 (Chromium asks `bytes=N-`).
public final class WebDriver: @unchecked Sendable {
    // @unchecked Sendable: one test owns it, every call is a blocking round trip,
    // and the only mutable state (`session`) changes in init and quit().
    private let driver: Process
    private let port: Int
    private let scratch: TemporaryDirectory
    private var session: String?
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// Whether `chromium` and `chromedriver` are installed (on PATH or in /usr/bin).
    public static var isAvailable: Bool { executable("chromium") != nil && executable("chromedriver") != nil }

    /// Starts chromedriver, waits until it is ready and opens a headless Chromium
    /// session whose window is `windowWidth`×`windowHeight`. `extraArguments` go to Chromium.
    public init(windowWidth: Int = 1280, windowHeight: Int = 900, extraArguments: [String] = []) throws {
        guard let chromium = Self.executable("chromium"), let chromedriver = Self.executable("chromedriver") else {
            throw TestFailure("WebDriver needs chromium and chromedriver (Debian: chromium chromium-driver)")
        }
        scratch = try TemporaryDirectory("rcs-webdriver")
        port = try RunningServer.freePort()
        _ = FileManager.default.createFile(atPath: scratch.file("chromedriver.log"), contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("chromedriver.log")))
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: chromedriver)
        driver.arguments = ["--port=\(port)"]
        driver.standardOutput = log
        driver.standardError = log
        driver.standardInput = FileHandle.nullDevice
        // Chromium's and chromedriver's temporary files go into scratch, which quit() removes
        // (left in /tmp, about one session in five leaves an empty scoped_dir behind).
        driver.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch.path]) { $1 }
        do {
            try driver.run()
            let deadline = Date().addingTimeInterval(30)
            while ((try? call("GET", "/status", timeout: 2)) as? [String: Any])?["ready"] as? Bool != true {
                guard driver.isRunning, Date() < deadline else { throw TestFailure("chromedriver did not start:\n\(driverLog)") }
                usleep(50_000)
            }
            let arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--autoplay-policy=no-user-gesture-required", "--window-size=\(windowWidth),\(windowHeight)",
                             "--user-data-dir=\(scratch.file("profile"))"] + extraArguments
            let capabilities: [String: Any] = ["browserName": "chrome", "acceptInsecureCerts": true,
                                               "goog:chromeOptions": ["binary": chromium, "args": arguments]]
            let created = try call("POST", "/session", ["capabilities": ["alwaysMatch": capabilities]], timeout: 60)
            guard let id = (created as? [String: Any])?["sessionId"] as? String else {
                throw TestFailure("chromedriver gave no session id: \(String(describing: created))")
            }
            session = id
        } catch {
            quit()
            throw error
        }
    }

    deinit { quit() }

    /// Ends the session and kills chromedriver with everything it started. Safe to call twice.
    public func quit() {
        if let id = session { _ = try? call("DELETE", "/session/\(id)", timeout: 15) }
        session = nil
        if driver.isRunning {
            // Foundation's Process makes the child a process-group leader on Linux, and
            // Chromium stays in that group: killing the group ends any Chromium left over.
            let pid = driver.processIdentifier
            kill(getpgid(pid) == pid ? -pid : pid, SIGKILL)
            driver.waitUntilExit()
        }
        scratch.remove()
    }

    /// What chromedriver printed so far.
    public var driverLog: String { (try? String(contentsOfFile: scratch.file("chromedriver.log"), encoding: .utf8)) ?? "" }

    // MARK: Navigation and page

    /// Loads `url` and waits for the page load to finish. A network error (connection refused)
    /// does not throw: Chromium shows its error page, so check `title` or an element.
    public func navigate(to url: String) throws { try command("POST", "/url", ["url": url]) }
    /// The current page's URL, `document.title` and serialized DOM.
    public var currentURL: String { get throws { try command("GET", "/url") as? String ?? "" } }
    public var title: String { get throws { try command("GET", "/title") as? String ?? "" } }
    public var pageSource: String { get throws { try command("GET", "/source") as? String ?? "" } }

    /// Resizes the browser window (e.g. to a phone's size before a screenshot).
    public func setWindowSize(width: Int, height: Int) throws {
        try command("POST", "/window/rect", ["width": width, "height": height])
    }

    /// Writes a PNG of the viewport to `path`.
    public func screenshot(to path: String) throws {
        guard let text = try command("GET", "/screenshot") as? String, let png = Data(base64Encoded: text) else {
            throw TestFailure("WebDriver screenshot: no base64 PNG in the answer")
        }
        try png.write(to: URL(fileURLWithPath: path))
    }

    /// All cookies visible to the current page, HttpOnly ones included (W3C cookie objects:
    /// `name`, `value`, `domain`, `path`, `httpOnly`, `secure`, `sameSite`, `expiry`).
    public func cookies() throws -> [[String: Any]] { try command("GET", "/cookie") as? [[String: Any]] ?? [] }

    /// The value of the current page's cookie called `name`, if there is one.
    public func cookie(_ name: String) throws -> String? {
        try cookies().first { $0["name"] as? String == name }?["value"] as? String
    }

    // MARK: Elements

    /// The first element matching the CSS `selector`; throws naming the selector if none does.
    public func findElement(css selector: String) throws -> Element {
        guard let element = try findElements(css: selector).first else {
            throw TestFailure("no element matches CSS selector `\(selector)` on \((try? currentURL) ?? "?")")
        }
        return element
    }

    /// Every element matching the CSS `selector`, in document order.
    public func findElements(css selector: String) throws -> [Element] {
        let found = try command("POST", "/elements", ["using": "css selector", "value": selector]) as? [[String: Any]] ?? []
        return found.compactMap { ($0[Self.elementKey] as? String).map { Element(id: $0, driver: self) } }
    }

    /// Polls until an element matches `selector` and returns it.
    @discardableResult
    public func waitFor(css selector: String, timeout: TimeInterval = 10) throws -> Element {
        var found: Element?
        try wait(timeout: timeout, for: "an element matching CSS selector `\(selector)`") {
            found = try findElements(css: selector).first
            return found != nil
        }
        return found!
    }

    /// Polls `condition` every 100 ms until it is true; throws after `timeout` seconds.
    public func wait(timeout: TimeInterval = 10, for description: String = "a condition", _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            guard Date() < deadline else { throw TestFailure("timed out after \(timeout) s waiting for \(description)") }
            usleep(100_000)
        }
    }

    /// An element of the current page, as WebDriver refers to it.
    public struct Element: Sendable {
        public let id: String
        let driver: WebDriver

        public func click() throws { try driver.command("POST", "/element/\(id)/click") }
        public func clear() throws { try driver.command("POST", "/element/\(id)/clear") }
        /// Types `text`; for `<input type=file>` give an absolute path (several: joined by "\n").
        public func sendKeys(_ text: String) throws { try driver.command("POST", "/element/\(id)/value", ["text": text]) }
        /// The rendered, visible text.
        public var text: String { get throws { try driver.command("GET", "/element/\(id)/text") as? String ?? "" } }
        /// The HTML attribute as written in the markup (nil when absent).
        public func attribute(_ name: String) throws -> String? { try driver.command("GET", "/element/\(id)/attribute/\(name)") as? String }
        /// The live DOM property (e.g. `value`, `checked`, `files`), as JSON-decoded.
        public func property(_ name: String) throws -> Any? { try driver.command("GET", "/element/\(id)/property/\(name)") }
        /// The live `value` property of an input, select or textarea.
        public var value: String { get throws { try property("value") as? String ?? "" } }
    }

    // MARK: Scripts

    /// Runs `script` as a function body (`arguments[i]` are `args`; Elements may be passed)
    /// and returns its JSON-decoded result, with element references as `Element`s.
    @discardableResult
    public func executeScript(_ script: String, _ args: [Any] = []) throws -> Any? {
        unwrap(try command("POST", "/execute/sync", ["script": script, "args": args.map(wrap)]))
    }

    /// Like `executeScript`, but the script finishes by calling `arguments[arguments.length - 1](result)`
    /// (within chromedriver's 30 s script timeout), e.g. after a promise settles.
    @discardableResult
    public func executeAsyncScript(_ script: String, _ args: [Any] = []) throws -> Any? {
        unwrap(try command("POST", "/execute/async", ["script": script, "args": args.map(wrap)]))
    }

    private func wrap(_ value: Any) -> Any {
        switch value {
        case let element as Element: return [Self.elementKey: element.id]
        case let array as [Any]: return array.map(wrap)
        default: return value
        }
    }

    private func unwrap(_ value: Any?) -> Any? {
        switch value {
        case let object as [String: Any]:
            if object.count == 1, let id = object[Self.elementKey] as? String { return Element(id: id, driver: self) }
            return object.mapValues { unwrap($0) ?? NSNull() }
        case let array as [Any]: return array.map { unwrap($0) ?? NSNull() }
        default: return value
        }
    }

    // MARK: HTTP

    /// A command of the current session.
    @discardableResult
    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        guard let session else { throw TestFailure("WebDriver \(method) \(path): the session has ended") }
        return try call(method, "/session/\(session)\(path)", body)
    }

    /// One request to chromedriver; returns the answer's `value` or throws its `error: message`.
    @discardableResult
    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil, timeout: Int = 120) throws -> Any? {
        let payload = method == "POST" ? try JSONSerialization.data(withJSONObject: body ?? [:]) : Data()
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        let (status, data) = try exchange(Data(head.utf8) + payload, timeout: timeout)
        let value = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["value"]
        guard status == 200, let value else {
            let fault = value as? [String: Any]
            let message = fault.map { "\($0["error"] ?? "?"): \($0["message"] ?? "")" } ?? String(decoding: data, as: UTF8.self)
            throw TestFailure("WebDriver \(method) \(path) failed (HTTP \(status)): \(message)")
        }
        return value is NSNull ? nil : value
    }

    /// Sends `request` over a fresh loopback connection and reads the answer. A raw socket, not
    /// URLSession: swift-corelibs-foundation before PR #5527 rejects chromedriver's headers,
    /// which have no space after the colon ("Content-Length:249"): "Failed writing header".
    private func exchange(_ request: Data, timeout: Int) throws -> (status: Int, body: Data) {
        let connection: LoopbackSocket
        do {
            connection = try LoopbackSocket(port: port, timeout: timeout)
        } catch {
            throw TestFailure("cannot connect to chromedriver on port \(port)")
        }
        guard connection.send(request) == request.count else { throw TestFailure("cannot send to chromedriver") }
        var answer = Data(), closed = false
        while true {
            // The answer is complete when the Content-Length bytes after the head have come (or at EOF).
            if let headEnd = answer.range(of: Data("\r\n\r\n".utf8))?.upperBound {
                let head = String(decoding: answer[..<headEnd], as: UTF8.self).lowercased()
                let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) }
                if let length, answer.count - headEnd >= length { return (status, Data(answer[headEnd..<headEnd + length])) }
                if closed { return (status, Data(answer[headEnd...])) }
            } else if closed {
                throw TestFailure("chromedriver closed the connection without an answer")
            }
            guard let chunk = connection.receive() else { throw TestFailure("no answer from chromedriver within \(timeout) s") }
            answer.append(contentsOf: chunk)
            closed = chunk.isEmpty
        }
    }

    static func executable(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
