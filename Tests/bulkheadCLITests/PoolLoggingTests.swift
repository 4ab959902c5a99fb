import Foundation
import Testing

/// The SMTP connection pool logs through the configured logger: `logging.level` silences it, and
/// addresses in its lines are masked above debug, like every other line.
@Suite struct PoolLoggingTests {
    /// One campaign to one recipient through an upstream that refuses every session with a greeting
    /// naming an address; returns what `campaign send` printed on stderr.
    static func sendThroughRefusingUpstream(level: String) throws -> (stderr: String, captured: String) {
        let server = try GreetingServer(greeting: "421 4.3.2 too busy, write to postmaster@relay.example\r\n")
        defer { server.stop() }
        let workspace = try CLIWorkspace(
            extraConfiguration: """
                upstreams:
                  - name: relay
                    host: 127.0.0.1
                    port: \(server.port)
                    tls: off
                delivery:
                  max_attempts: 1
                logging:
                  level: \(level)

                """, compliant: true)
        try workspace.write("email\nada@example.org\n", to: "people.csv")
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try workspace.run("list", "create", "news").status == 0)
        #expect(try workspace.run("subscribers", "import", "people.csv", "--list", "news").status == 0)
        let created = try workspace.run("campaign", "create", "--name", "c", "--list", "news", "--subject", "S", "--text", "body.txt")
        #expect(created.status == 0, "\(created.stderr)")
        let sent = try workspace.run("campaign", "send", "1")
        let ledger = try workspace.run("ledger", "1", "--format", "json")
        return (sent.stderr, ledger.stdout)
    }

    @Test func levelErrorSilencesThePool() throws {
        let (stderr, ledger) = try Self.sendThroughRefusingUpstream(level: "error")
        #expect(
            ledger.contains("postmaster@relay.example"),
            "the refusal reached the ledger (the recipient stays queued, not charged): the pool did try (\(ledger))")
        #expect(!stderr.contains("SMTP session failed"), "a warning at logging.level error: \(stderr)")
        #expect(!stderr.contains("postmaster@relay.example"), "\(stderr)")
    }

    @Test func poolLinesMaskAddressesAboveDebug() throws {
        let (stderr, _) = try Self.sendThroughRefusingUpstream(level: "warning")
        let lines = stderr.split(separator: "\n").filter { $0.contains("SMTP session failed") }
        #expect(!lines.isEmpty, "the pool's lines, in the configured format: \(stderr)")
        #expect(lines.allSatisfy { $0.contains(" warning bulkhead: SMTP session failed") && $0.contains("upstream=127.0.0.1:") })
        #expect(lines.allSatisfy { $0.contains("addr:") }, "the address in the server's reply is tagged: \(stderr)")
        #expect(!stderr.contains("postmaster@relay.example"), "\(stderr)")
    }
}
