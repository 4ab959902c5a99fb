import ArgumentParser

/// `bulkhead list`: create mailing lists and show them with their member counts.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Create and show mailing lists and hosted lists; manage their seed addresses and emergency switches.",
        discussion: """
            Examples:
              bulkhead list create news --description "Monthly product news"
              bulkhead list show
              bulkhead list show news --json
              bulkhead list rename news "Café news"
              bulkhead list seeds news add me@shop.example
              bulkhead list create all --address all@lists.shop.example --policy members
              bulkhead list emergency all on
            """,
        subcommands: [
            ListCreateCommand.self, ListShowCommand.self, ListRenameCommand.self, ListSeedsCommand.self, ListEmergencyCommand.self,
        ]
    )
}
