import BulkheadTestSupport
import Foundation
import Testing

/// The guard relay's STARTTLS and AUTH through `serve`, with a real client: with `listener_tls` and no
/// allowed network, swaks authenticates after STARTTLS as a user with the `relay` role and its message
/// reaches the upstream; AUTH on the plain session is refused, and so is a wrong password over TLS.
@Suite("End to end: the guard relay's STARTTLS and AUTH", .serialized)
struct RelayTLSEndToEndTests {
    @Test func aRelayUserAuthenticatesOnlyOverTLS() async throws {
        let workspace = try await Workspace(.sqlite)
        let sink = try await RecordingSink(in: workspace.root)
        let relayPort = try Loopback.freePort()
        let listenerTLS = try await workspace.selfSignedListenerTLS()
        var settings = SendSettings(upstreamPort: sink.port)
        settings.extraYAML = """
            relay:
              listen: ["127.0.0.1:\(relayPort)"]
              allow_networks: ["192.0.2.0/24"]
            \(listenerTLS)

            """
        try workspace.writeConfiguration(settings)
        try await RelayEndToEndTests.createUsers(workspace)
        let note = workspace.root.appendingPathComponent("note.eml")
        try "From: Mailer <mailer@\(Workspace.fromDomain)>\nTo: ops@rcpt.e2e.example\nSubject: over TLS\n\nhello\n".write(
            to: note, atomically: true, encoding: .utf8)
        func swaks(_ extra: [String], name: String) async throws -> CommandResult {
            let child = try ChildProcess(
                name: "swaks", executable: URL(fileURLWithPath: "/usr/bin/env"),
                arguments: [
                    "swaks", "--server", "127.0.0.1", "--port", "\(relayPort)", "--from", "mailer@\(Workspace.fromDomain)",
                    "--to", "ops@rcpt.e2e.example", "--data", "@\(note.path)", "--helo", "client.example",
                ] + extra,
                directory: workspace.root, logPrefix: workspace.root.appendingPathComponent(name).path)
            return try await child.finish(timeout: .seconds(60))
        }
        let stopped = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "0.2"]) { serve in
            try await Loopback.waitForListener(port: relayPort, process: serve)
            // In the clear: the server does not offer AUTH, so swaks cannot authenticate (and gives up).
            let plain = try await swaks(["--auth", "PLAIN", "--auth-user", "mailer", "--auth-password", "mailer-pw"], name: "swaks-plain")
            #expect(plain.status != 0 && (plain.stdout + plain.stderr).contains("Host did not advertise authentication"), "\(plain.summary)")
            // Over TLS with a wrong password: 535.
            let wrong = try await swaks(
                ["--tls", "--auth", "PLAIN", "--auth-user", "mailer", "--auth-password", "wrong"], name: "swaks-wrong")
            #expect(wrong.status != 0 && wrong.stdout.contains("535"), "\(wrong.summary)")
            // Over TLS with the relay user's password: relayed.
            let good = try await swaks(
                ["--tls", "--auth", "PLAIN", "--auth-user", "mailer", "--auth-password", "mailer-pw"], name: "swaks-tls")
            #expect(good.status == 0 && good.stdout.contains("STARTTLS") && good.stdout.contains("235"), "\(good.summary)")
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(60)) { sink.count() >= 1 }
            let records = try sink.records()
            #expect(records.map(\.rcpts) == [["ops@rcpt.e2e.example"]], "only the authenticated message went out: \(records)")
        }
        #expect(stopped.status == 0, "\(stopped.summary)")
    }
}
