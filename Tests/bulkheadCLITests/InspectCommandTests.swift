import Foundation
import Testing

@Suite struct InspectCommandTests {
    @Test func versionAndHelp() throws {
        let version = try CLIRunner.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        for command in [["inspect"], ["dkim", "sign"], ["bench", "mail"]] {
            let help = try CLIRunner.run(["help"] + command)
            #expect(help.status == 0)
            #expect(help.stdout.contains("Example"), "help for \(command) has an example")
        }
    }

    @Test func inspectsASafeMessageAndReportsStructure() throws {
        let result = try CLIRunner.run(["inspect", "Tests/BulkheadMailTests/Fixtures/dsn/postfix-multi-rcpt.eml"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("1 multipart/report"))
        #expect(result.stdout.contains("report: delivery-status"))
        #expect(result.stdout.contains("kim@reject.example.test: failed 5.2.1 (hard)"))
    }

    @Test func exitCodesSayWhatWentWrong() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let malformed = directory.appendingPathComponent("bad.eml")
        try Data("From: a@example.com\nContent-Type: multipart/mixed\n\nbody\n".utf8).write(to: malformed)
        let bad = try CLIRunner.run(["inspect", malformed.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("has no boundary parameter"))

        let missing = try CLIRunner.run(["inspect", directory.appendingPathComponent("none.eml").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read"))

        let exposed = try CLIRunner.run(["inspect", "--fail-on", "error", "docs/examples/exposed-recipients.eml"])
        #expect(exposed.status == 3)
        #expect(exposed.stdout.contains("error recipients.exposed: 11 recipients in To/Cc can all see each other"))
    }

    @Test func jsonOutputIsOneDocument() throws {
        let result = try CLIRunner.run(["inspect", "--json", "docs/examples/exposed-recipients.eml"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.contains { $0["code"] as? String == "recipients.exposed" && $0["severity"] as? String == "error" })
    }
}
