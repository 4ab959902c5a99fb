import ArgumentParser

/// The `bulkhead` command: one subcommand per job.
@main
struct Bulkhead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "A safe mass-mail engine: build, sign, inspect and (soon) send mail with guardrails.",
        discussion: """
        Examples:
          bulkhead inspect message.eml
          bulkhead dkim keygen --algorithm ed25519 --selector s1 --domain example.com --out keys/
        """,
        version: BulkheadVersion.current,
        subcommands: [
            ServeCommand.self, ListCommand.self, SubscribersCommand.self, CampaignCommand.self, LedgerCommand.self,
            CaptureCommand.self, ConfigCommand.self, InspectCommand.self, DKIMCommand.self, BenchCommand.self,
        ]
    )
}
