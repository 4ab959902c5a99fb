import ArgumentParser

/// `bulkhead autoreply`: the auto-responders of `autoresponders:`.
struct AutoReplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoreply",
        abstract: "Connect a mailbox to an auto-responder without answering its backlog; show the responders; resume after the breaker.",
        discussion: """
            Examples:
              bulkhead autoreply import support@shop.example --mbox backlog.mbox --dry-run
              bulkhead autoreply import support@shop.example --maildir /var/mail/support
              bulkhead autoreply status
              bulkhead autoreply resume
            """,
        subcommands: [AutoReplyImportCommand.self, AutoReplyStatusCommand.self, AutoReplyResumeCommand.self]
    )
}
