import ArgumentParser

/// `bulkhead subscribers`: import, export and show subscribers.
struct SubscribersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribers",
        abstract: "Import, export and show subscribers.",
        discussion: """
            Examples:
              bulkhead subscribers import people.csv --list news --source "signup form export 2026-05"
              bulkhead subscribers export --list news --output news.csv
              bulkhead subscribers show ann@example.com
            """,
        subcommands: [SubscribersImportCommand.self, SubscribersExportCommand.self, SubscribersShowCommand.self, SubscribersUnsubscribeCommand.self]
    )
}
