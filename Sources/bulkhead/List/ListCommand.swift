import ArgumentParser

/// `bulkhead list`: create mailing lists and show them with their member counts.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Create and show mailing lists.",
        discussion: """
            Examples:
              bulkhead list create news --description "Monthly product news"
              bulkhead list show
              bulkhead list show news --json
              bulkhead list rename news "Café news"
            """,
        subcommands: [ListCreateCommand.self, ListShowCommand.self, ListRenameCommand.self]
    )
}
