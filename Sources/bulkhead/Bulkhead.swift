import ArgumentParser
import BulkheadSMTP

/// The `bulkhead` command: one subcommand per job.
@main
struct Bulkhead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "A safe mass-mail engine: lists, campaigns and one message per recipient, with guardrails.",
        discussion: """
        Examples:
          bulkhead inspect message.eml
          bulkhead dkim keygen --algorithm ed25519 --selector s1 --domain example.com --out keys/
        """,
        version: BulkheadVersion.current,
        subcommands: [
            ServeCommand.self, ListCommand.self, SubscribersCommand.self, CampaignCommand.self, LedgerCommand.self,
            SuppressionCommand.self, CaptureCommand.self, ConfigCommand.self, InspectCommand.self, DKIMCommand.self, BenchCommand.self,
        ]
    )

    /// Tasks run on the SMTP client's event loops (no thread switch per message), then the command.
    static func main() async {
        ConcurrencyExecutor.unsafeInstallEventLoopsAsGlobalExecutor()
        await main(nil)
    }
}
