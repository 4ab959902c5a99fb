import Foundation
import Testing

/// The errors scripts rely on, compared whole: the message on stderr, nothing on stdout, the exit code.
@Suite struct ErrorMessageTests {
    /// `result` is exactly `stderr` on stderr with nothing on stdout, and ended with `status`.
    static func expectFailure(
        _ result: CLIRunner.Result, _ status: Int32, _ stderr: String, _ what: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == status, "\(what)", sourceLocation: sourceLocation)
        #expect(result.stderr == stderr, "\(what)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(what): \(result.stdout)", sourceLocation: sourceLocation)
    }

    /// Every command that names a list by name says the same when there is none.
    @Test func noSuchList() throws {
        let workspace = try CLIWorkspace.withNewsList()
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        let commands = [
            ["list", "show", "nope"],
            ["list", "rename", "nope", "other"],
            ["subscribers", "import", "people.csv", "--list", "nope"],
            ["subscribers", "export", "--list", "nope"],
            ["subscribers", "unsubscribe", "ada@example.org", "--list", "nope", "--source", "phone"],
            ["campaign", "create", "--name", "c", "--list", "nope", "--subject", "S", "--text", "body.txt"],
        ]
        for command in commands {
            Self.expectFailure(
                try workspace.run(command), 1,
                "bulkhead: no list named \"nope\" (create it with: bulkhead list create nope)\n", command)
        }
    }

    /// Every command that takes a campaign id says the same when there is none.
    @Test func noSuchCampaign() throws {
        let workspace = try CLIWorkspace.withNewsList()
        let commands = [
            ["campaign", "show", "9"],
            ["campaign", "show", "9", "--json"],
            ["campaign", "send", "9"],
            ["campaign", "resume", "9"],
            ["campaign", "pause", "9"],
            ["campaign", "abort", "9"],
            ["campaign", "schedule", "9", "--at", "2030-01-01T00:00:00Z"],
            ["campaign", "retry-uncertain", "9"],
            ["campaign", "retry-failed", "9", "--code", "550"],
            ["ledger", "9"],
        ]
        for command in commands {
            Self.expectFailure(try workspace.run(command), 1, "bulkhead: no campaign 9\n", command)
        }
    }

    /// A configuration that cannot be read stops every command that reads one, before anything else:
    /// those that read only the configuration, those that open the store, those that open the engine.
    @Test func badConfiguration() throws {
        let directory = try CLIRunner.temporaryDirectory()
        try Data("storage:\n  backend: oracle\n".utf8).write(to: directory.appendingPathComponent("bulkhead.yaml"))
        let invalid =
            "bulkhead: bulkhead.yaml: cannot read the configuration: storage.backend: Cannot initialize Backend from invalid String value oracle\n"
        for command in [
            ["config", "check"], ["capture", "list"], ["list", "show"], ["campaign", "abort", "1"], ["ledger", "1"],
            ["campaign", "send", "1"], ["serve", "--once"],
        ] {
            Self.expectFailure(try CLIRunner.run(command, in: directory), 1, invalid, command)
        }
        for command in [["list", "show"], ["campaign", "send", "1"]] {
            Self.expectFailure(
                try CLIRunner.run(command + ["--config", "nowhere.yaml"], in: directory), 1,
                "bulkhead: nowhere.yaml: cannot read the configuration: no such file: nowhere.yaml\n", command)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(".bulkhead").path), "nothing was created")
    }

    /// A store that cannot be opened (the data directory is a file) is named, whichever command opens
    /// it; a command that opens the engine says so.
    @Test func storeThatCannotBeOpened() throws {
        let directory = try CLIRunner.temporaryDirectory()
        try Data("not a directory\n".utf8).write(to: directory.appendingPathComponent("file"))
        try Data("data_directory: file\n".utf8).write(to: directory.appendingPathComponent("bulkhead.yaml"))
        let reason = "cannot create file/bulkhead.sqlite: Not a directory"
        // `campaign send` opens the store first, to know whether users exist (then --as is needed).
        for command in [["list", "show"], ["campaign", "show"], ["suppression", "add", "ada@example.org"], ["campaign", "send", "1"]] {
            Self.expectFailure(
                try CLIRunner.run(command, in: directory), 1,
                "bulkhead: cannot open the database file/bulkhead.sqlite: \(reason)\n", command)
        }
        for command in [["serve", "--once"]] {
            Self.expectFailure(try CLIRunner.run(command, in: directory), 1, "bulkhead: cannot open the engine: \(reason)\n", command)
        }
    }

    /// Arguments the commands check themselves (exit 1 or 2, as each documents), and arguments the
    /// parser refuses (exit 64, with the usage).
    @Test func invalidArguments() throws {
        let workspace = try CLIWorkspace()
        let cases: [([String], Int32, String)] = [
            (
                ["ledger", "1", "--state", "delivered"], 1,
                "bulkhead: unknown state \"delivered\" (use queued, sending, sent, deferred, failed, uncertain, suppressed)\n"
            ),
            (
                ["suppression", "add", "ann@example.org", "--reason", "whim"], 2,
                "bulkhead: --reason \"whim\": one of unsubscribed, hard-bounce, complaint, manual\n"
            ),
            (["suppression", "add", "not an address"], 1, "bulkhead: \"not an address\": invalid address \"not an address\": no @\n"),
            (["suppression", "list", "--limit", "0"], 2, "bulkhead: --limit must be 1 to 10000\n"),
            (
                ["campaign", "schedule", "1", "--at", "tomorrow"], 2,
                "bulkhead: --at \"tomorrow\": expected ISO 8601 with a time zone, e.g. 2026-12-01T09:00:00Z\n"
            ),
            (["campaign", "retry-failed", "1", "--code", "5500"], 2, "bulkhead: --code 5500: a reply code has three digits\n"),
            (["list", "create", " "], 1, "bulkhead: the list name must not be empty\n"),
            (
                ["ledger", "1", "--format", "xml"], 64,
                """
                Error: The value 'xml' is invalid for '--format <format>'. Please provide one of 'csv' and 'json'.
                Help:  --format <format>  csv or json.
                Usage: bulkhead ledger [--config <config>] <campaign> [--format <format>] [--state <state> ...]
                  See 'bulkhead ledger --help' for more information.

                """
            ),
            (
                ["subscribers", "import", "people.csv", "--list", "news", "--status", "unsubscribed"], 64,
                """
                Error: The value 'unsubscribed' is invalid for '--status <status>'. Please provide one of 'confirmed' and 'unconfirmed'.
                Help:  --status <status>  Status of rows without one: confirmed or unconfirmed.
                Usage: bulkhead subscribers import [--config <config>] [--as <name>] <file> --list <list> [--status <status>] [--source <source>] [--consent-text <consent-text>] [--channel <channel>] [--json]
                  See 'bulkhead subscribers import --help' for more information.

                """
            ),
            (
                ["campaign", "pause", "one"], 64,
                """
                Error: The value 'one' is invalid for '<id>'
                Help:  <id>  The campaign's id (see `bulkhead campaign show`).
                Usage: bulkhead campaign pause [--config <config>] [--as <name>] <id> [--reason <reason>]
                  See 'bulkhead campaign pause --help' for more information.

                """
            ),
        ]
        for (arguments, status, stderr) in cases {
            Self.expectFailure(try workspace.run(arguments), status, stderr, arguments)
        }
    }
}
