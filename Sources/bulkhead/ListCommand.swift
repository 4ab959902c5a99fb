import ArgumentParser
import BulkheadStore
import Foundation

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

/// `bulkhead list create NAME`.
struct ListCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a mailing list.",
        discussion: """
        Exit status: 0 created, 1 the name is taken or the store cannot be opened.

        Example:
          bulkhead list create news --description "Monthly product news"
        """
    )

    @OptionGroup var config: ConfigOption
    @Argument(help: "The list's name (used as --list NAME by other commands).") var name: String
    @Option(help: "A free-form description.") var description = ""
    @Flag(help: "Print the new list as JSON.") var json = false

    func run() async throws {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CLIError.fail("the list name must not be empty", code: 1) }
        try await StoreOpening.withStore(config: config.path) { store, _ in
            let list: MailingList
            do {
                list = try await store.createList(name: name, description: description)
            } catch StoreError.duplicate {
                throw CLIError.fail("a list named \"\(name)\" already exists", code: 1)
            }
            print(json ? CLIJSON.encode(ListSummary(list: list, counts: [:])) : "created list \(list.name) (id \(list.id.rawValue))")
        }
    }
}

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
        try await StoreOpening.withStore(config: config.path) { store, _ in
            let lists: [MailingList]
            if let name {
                lists = [try await StoreOpening.list(named: name, in: store)]
            } else {
                lists = try await store.allLists()
            }
            var summaries: [ListSummary] = []
            for list in lists {
                summaries.append(ListSummary(list: list, counts: try await store.membershipCounts(list: list.id)))
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

/// A list and how many members it has in each status.
struct ListSummary: Encodable {
    var id: Int64
    var name: String
    var description: String
    var createdAt: String
    var confirmed: Int
    var unconfirmed: Int
    var unsubscribed: Int

    init(list: MailingList, counts: [MembershipStatus: Int]) {
        id = list.id.rawValue
        name = list.name
        description = list.description
        createdAt = CLITime.format(list.createdAt)
        confirmed = counts[.confirmed] ?? 0
        unconfirmed = counts[.unconfirmed] ?? 0
        unsubscribed = counts[.unsubscribed] ?? 0
    }

    var text: String {
        var line = "\(name)  confirmed \(confirmed), unconfirmed \(unconfirmed), unsubscribed \(unsubscribed)  (id \(id), created \(createdAt))"
        if !description.isEmpty { line += "\n  \(description)" }
        return line
    }
}
