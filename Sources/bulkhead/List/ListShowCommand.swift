import ArgumentParser
import BulkheadStore

/// `bulkhead list show [NAME]`.
struct ListShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show all lists, or one, with member counts by status.",
        discussion: """
            Exit status: 0 shown, 1 no list with that name or the store cannot be opened.

            Examples:
              bulkhead list show
              bulkhead list show news --json
            """
    )

    @OptionGroup var config: ConfigOption
    @Argument(help: "Show only this list.") var name: String?
    @Flag(help: "Print JSON (an array of lists) instead of text.") var json = false

    func run() async throws {
        try await config.withStore { store, configuration in
            let lists: [MailingList]
            if let name {
                lists = [try await store.existingList(named: name)]
            } else {
                lists = try await store.allLists()
            }
            var summaries: [ListSummary] = []
            for list in lists {
                summaries.append(
                    ListSummary(
                        list: list, counts: try await store.membershipCounts(list: list.id), hosted: try await store.hostedList(list.id),
                        moderateFrom: configuration.lists.moderateFromMembers))
            }
            if json {
                print(CLIJSON.encode(summaries))
            } else if summaries.isEmpty {
                print("no lists (create one with: bulkhead list create NAME)")
            } else {
                for summary in summaries { print(summary.text) }
            }
        }
    }
}
