import ArgumentParser
import BulkheadEngine
import BulkheadSMTP
import Foundation

/// `bulkhead capture`: the local capture mailbox, where mail goes when no upstream is configured.
struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "List and show the messages in the capture mailbox (<data directory>/capture).",
        discussion: """
            With no upstream configured, nothing leaves the machine: every message is written to the capture \
            mailbox instead, where these commands read it, like a development mail catcher.

            Examples:
              bulkhead capture list --limit 20
              bulkhead capture show 01763912345678901-0a1b2c3d
              bulkhead capture show 01763912345678901-0a1b2c3d --raw > message.eml
            """,
        subcommands: [CaptureListCommand.self, CaptureShowCommand.self]
    )

    /// The capture mailbox of the configuration `--config` names.
    static func mailbox(_ config: ConfigOption) throws(ExitCode) -> CaptureMailbox {
        CaptureMailbox(directory: try config.load().path("capture"))
    }
}
