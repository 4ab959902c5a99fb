import ArgumentParser
import BulkheadEngine
import Foundation

/// `bulkhead drill [--config FILE] [--json]`.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Replay the accidents Bulkhead exists for against this configuration, in a throwaway copy: what stops each, what gets through.",
        discussion: """
            Each story runs in its own temporary directory with a fresh SQLite store, the capture mailbox and a
            simulated clock: nothing leaves the machine and the configured store is never opened. Everything else
            (guardrails, relay, lists, identity, DKIM keys) is the configuration's, and the policy is judged as if
            mail went to a real upstream. The table shows, per accident, the guardrail that stopped it and the harm
            that got through (messages that left, people whose address others saw); story 003 runs a scaled-down
            list and says how its figure follows. Raise a threshold and run it again to see what it costs.

            Exit status: 0 no harm got through, 1 some did, 2 an error (e.g. a configuration that cannot be read).

            Examples:
              bulkhead drill
              bulkhead drill --config loosened.yaml --json
            """
    )

    @OptionGroup var config: ConfigOption
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let configuration: BulkheadConfiguration
        do {
            configuration = try BulkheadConfiguration.load(path: config.path)
            CLISecrets.register(configuration)
        } catch {
            throw CLIError.fail("\(config.path ?? BulkheadConfiguration.defaultFileName): \(error)", code: 2)
        }
        let report: DrillReport
        do {
            report = try await Drill(configuration: configuration).run { story in
                FileHandle.standardError.write(Data("drill: \(story.id) \(story.title)\n".utf8))
            }
        } catch {
            throw CLIError.fail("the drill failed: \(error)", code: 2)
        }
        print(json ? CLIJSON.encode(report) : DrillTable.render(report))
        if report.harmful { throw ExitCode(1) }
    }
}
