import ArgumentParser
import BulkheadSMTP
import Foundation

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
            ServeCommand.self, ListCommand.self, SubscribersCommand.self, CampaignCommand.self, LedgerCommand.self, IncidentCommand.self,
            SuppressionCommand.self, UserCommand.self, TokenCommand.self, CaptureCommand.self, ConfigCommand.self, InspectCommand.self,
            DKIMCommand.self,
            BenchCommand.self, StopCommand.self, HoldCommand.self, RelayCommand.self, WebhookCommand.self, AutoReplyCommand.self, DrillCommand.self,
        ]
    )

    /// Tasks run on the SMTP client's event loops (no thread switch per message), then the command.
    /// An error that reaches here is printed with the configuration's secrets masked.
    static func main() async {
        ConcurrencyExecutor.unsafeInstallEventLoopsAsGlobalExecutor()
        do {
            var command = try parseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }  // help and --version: stdout, as usual
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((CLISecrets.redact(message) + "\n").utf8)) }
            exit(withError: ExitCode(code.rawValue))
        }
    }
}
