import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP listener beyond loopback: HTTPS with `listener_tls` (curl checks the session cookie is
/// `Secure`), and a plain-HTTP address beyond loopback refused by the configuration check.
@Suite("End to end: the dashboard over TLS", .serialized)
struct DashboardTLSTests {
    @Test func httpsServesTheDashboardWithASecureCookie() async throws {
        let workspace = try await Workspace(.sqlite)
        let port = try Loopback.freePort()
        let listenerTLS = try await workspace.selfSignedListenerTLS()
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.extraYAML = """
            http:
              listen: ["127.0.0.1:\(port)"]
              tls: true
            \(listenerTLS)

            """
        try workspace.writeConfiguration(settings)
        let created = try await workspace.start(["user", "create", "ann", "--role", "admin", "--password-stdin"], input: "ann-pw-1\n")
            .finish(timeout: .seconds(60))
        #expect(created.status == 0, "\(created.summary)")
        _ = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "5"]) { serve in
            try await Loopback.waitForListener(port: port, process: serve)
            let plain = try await Self.curl(workspace, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/login"])
            #expect(plain.status != 0 || plain.stdout != "200", "plain HTTP is not served on the TLS listener: \(plain.summary)")
            let page = try await Self.curl(workspace, ["-sS", "-k", "https://127.0.0.1:\(port)/login"])
            #expect(page.status == 0 && page.stdout.contains("Log in to Bulkhead"), "\(page.summary)")
            let login = try await Self.curl(
                workspace, ["-sS", "-k", "-D", "-", "-o", "/dev/null", "--data", "user=ann&password=ann-pw-1", "https://127.0.0.1:\(port)/login"])
            let cookie = login.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") } ?? ""
            #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(login.summary)")
        }
    }

    @Test func plainHTTPBeyondLoopbackIsRefused() async throws {
        let workspace = try await Workspace(.sqlite)
        defer { Task { await workspace.discard() } }
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.extraYAML = "http:\n  listen: [\"0.0.0.0:8080\"]\n"
        try workspace.writeConfiguration(settings)
        let check = try await workspace.start(["config", "check"]).finish(timeout: .seconds(60))
        #expect(check.status != 0)
        #expect(check.stderr.contains("0.0.0.0:8080 is not loopback"), "\(check.summary)")
        settings.extraYAML = "http:\n  listen: [\"0.0.0.0:8080\"]\n  behind_tls_proxy: true\n"
        try workspace.writeConfiguration(settings)
        let proxied = try await workspace.start(["config", "check"]).finish(timeout: .seconds(60))
        #expect(proxied.status == 0, "\(proxied.summary)")
    }

    static func curl(_ workspace: Workspace, _ arguments: [String]) async throws -> CommandResult {
        let child = try ChildProcess(
            name: "curl", executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["curl", "--max-time", "20"] + arguments,
            directory: workspace.root, logPrefix: workspace.root.appendingPathComponent("curl-\(UUID().uuidString.prefix(6))").path)
        return try await child.finish(timeout: .seconds(60))
    }
}
