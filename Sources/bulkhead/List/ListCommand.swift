import ArgumentParser

/// `bulkhead list`: create mailing lists and show them with their member counts.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Create and show mailing lists and hosted lists; manage their seed addresses, emergency switches and public sign-up.",
        discussion: """
            Examples:
              bulkhead list create news --description "Monthly product news"
              bulkhead list show
              bulkhead list show news --json
              bulkhead list rename news "Café news"
              bulkhead list seeds news add me@shop.example
              bulkhead list create all --address all@lists.shop.example --policy members
              bulkhead list emergency all on
              bulkhead list sign-up news --double-opt-in
            """,
        subcommands: [
            ListCreateCommand.self, ListShowCommand.self, ListRenameCommand.self, ListSeedsCommand.self, ListEmergencyCommand.self,
            ListSignUpCommand.self,
        ]
    )
}
