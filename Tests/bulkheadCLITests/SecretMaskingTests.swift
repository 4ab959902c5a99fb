import Foundation
import Testing

/// Passwords of the configuration appear in no output: not in `config check`, not in the error of a
/// command whose store cannot be opened, not in log lines.
@Suite struct SecretMaskingTests {
    /// Two halves of one password that holds an `@` (so a URL parser may split it): neither may appear.
    static let secretParts = ["S3cr", "tPw9x"]
    static let secret = "S3cr@tPw9x"

    static func expectNoSecret(_ result: CLIRunner.Result, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for part in secretParts + [secret, Data(secret.utf8).base64EncodedString()] {
            #expect(
                !result.stdout.contains(part) && !result.stderr.contains(part),
                "\(what) shows the secret: \(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func malformedPostgresURL() throws {
        let workspace = try CLIWorkspace(
            extraConfiguration: """
                storage:
                  backend: postgres
                  postgres_url: "postgres://:\(Self.secret)@127.0.0.1:1/bulkhead"

                """)
        let check = try workspace.run("config", "check")
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("postgres://:********@127.0.0.1:1/bulkhead"))
        Self.expectNoSecret(check, "config check")

        let list = try workspace.run("list", "show")
        #expect(list.status == 1)
        #expect(list.stderr.contains("no user in postgres://:********@127.0.0.1:1/bulkhead"), "\(list.stderr)")
        Self.expectNoSecret(list, "list show")

        let send = try workspace.run("campaign", "send", "1")
        #expect(send.status == 1)
        Self.expectNoSecret(send, "campaign send")
    }

    /// A well-formed URL to a closed loopback port: the store gives up after its startup timeout.
    @Test func unreachablePostgres() throws {
        let workspace = try CLIWorkspace(
            extraConfiguration: """
                storage:
                  backend: postgres
                  postgres_url: "postgres://bulkhead:\(Self.secret)@127.0.0.1:1/bulkhead"
                logging:
                  level: trace

                """, compliant: true)
        let check = try workspace.run("config", "check")
        #expect(check.status == 0)
        #expect(check.stdout.contains("postgres://bulkhead:********@127.0.0.1:1/bulkhead"), "\(check.stdout)")
        Self.expectNoSecret(check, "config check")
        let list = try workspace.run("list", "show")
        #expect(list.status == 1)
        #expect(list.stderr.contains("127.0.0.1:1"), "\(list.stderr)")
        Self.expectNoSecret(list, "list show")
    }

    /// A file that is not valid YAML: the parser's message quotes the line with the password.
    @Test func unreadableConfiguration() throws {
        let workspace = try CLIWorkspace(
            extraConfiguration: """
                storage:
                  backend: postgres
                  postgres_url: "postgres://bulkhead:\(Self.secret)@127.0.0.1:1/bulkhead
                upstreams: [

                """)
        let check = try workspace.run("config", "check")
        #expect(check.status == 1)
        #expect(check.stderr.contains("cannot read the configuration"), "\(check.stderr)")
        Self.expectNoSecret(check, "config check")
    }

    /// An upstream's AUTH password, at debug level, through a send to an upstream that refuses sessions.
    @Test func upstreamPassword() throws {
        let server = try GreetingServer(greeting: "421 4.3.2 busy\r\n")
        defer { server.stop() }
        let workspace = try CLIWorkspace(
            extraConfiguration: """
                upstreams:
                  - name: relay
                    host: 127.0.0.1
                    port: \(server.port)
                    tls: off
                    username: mailer
                    password: "\(Self.secret)"
                delivery:
                  max_attempts: 1
                logging:
                  level: trace

                """, compliant: true)
        let check = try workspace.run("config", "check")
        #expect(check.status == 0, "\(check.stderr)")
        Self.expectNoSecret(check, "config check")
        try workspace.write("email\nada@example.org\n", to: "people.csv")
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try workspace.run("list", "create", "news").status == 0)
        #expect(try workspace.run("subscribers", "import", "people.csv", "--list", "news").status == 0)
        #expect(try workspace.run("campaign", "create", "--name", "c", "--list", "news", "--subject", "S", "--text", "body.txt").status == 0)
        let send = try workspace.run("campaign", "send", "1")
        #expect(send.stderr.contains("SMTP"), "the pool logged at trace level: \(send.stderr)")
        Self.expectNoSecret(send, "campaign send")
    }
}
