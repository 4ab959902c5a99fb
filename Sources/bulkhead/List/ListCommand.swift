import ArgumentParser

/// `bulkhead list`: create mailing lists and show them with their member counts.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Create and show mailing lists; manage their seed addresses.",
        discussion: """
            Examples:
              bulkhead list create news --description "Monthly product news"
              bulkhead list show
              bulkhead list show news --json
              bulkhead list rename news "Café news"
              bulkhead list seeds news add me@shop.example
            """,
        subcommands: [ListCreateCommand.self, ListShowCommand.self, ListRenameCommand.self, ListSeedsCommand.self]
    )
}
