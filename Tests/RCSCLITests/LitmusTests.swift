import Foundation
import RCSTestSupport
import Testing

/// litmus, the WebDAV conformance suite (Debian `litmus`), against the real
/// server: basic, copymove, props, locks and http must all pass, without warnings.
@Suite struct LitmusTests {
    static let installed = (try? Shell.run(["sh", "-c", "command -v litmus"]).succeeded) ?? false
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil

    @Test(.enabled(if: installed || inCI, "litmus is not installed (apt-get install litmus); CI installs it"))
    func everySuitePasses() throws {
        try #require(Self.installed, "litmus must be installed in CI (.ci/run installs it)")
        let dir = try TemporaryDirectory("rcs-litmus")
        defer { dir.remove() }
        let server = try RunningServer(arguments: [], environment: [
            "RCS_KEYSTORE_PASSWORD": "litmus", "RCS_ADMIN_PASSWORD": "litmus-admin",
            "RCS_KDF_ITERATIONS": "10000", "RCS_BCRYPT_COST": "4",
        ], directory: dir.path)
        defer { server.stop() }
        let tenant = try Shell.run(["curl", "-s", "-u", "admin:litmus-admin", "-H", "Content-Type: application/json",
                                    "-d", #"{"name":"litmus"}"#, "\(server.baseURL)/api/v1/tenants"])
        #expect(tenant.stdoutText.contains("\"name\":\"litmus\""))
        // litmus writes debug.log and child.log where it runs: in the scratch directory.
        let run = try Shell.run(["sh", "-c", "cd \"$0\" && exec litmus \"$1\" admin litmus-admin", dir.path, "\(server.baseURL)/webdav/litmus/"],
                                environment: ["TESTS": "basic copymove props locks http", "HOME": dir.path])
        let output = run.stdoutText
        let summaries = output.split(separator: "\n").filter { $0.contains("<- summary for") }
        #expect(summaries.count == 5, "\(output.suffix(3000))")
        for summary in summaries {
            #expect(summary.contains(" 0 failed"), "\(summary)")
        }
        #expect(!output.contains("WARNING"), "litmus warned: \(output.split(separator: "\n").filter { $0.contains("WARNING") })")
        #expect(run.status == 0, "litmus exit \(run.status)")
    }
}
