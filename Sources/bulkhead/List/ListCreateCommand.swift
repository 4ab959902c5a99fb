import ArgumentParser
import BulkheadStore
import Foundation

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
    @OptionGroup var actor: ActorOption
    @Argument(help: "The list's name (used as --list NAME by other commands).") var name: String
    @Option(help: "A free-form description.") var description = ""
    @Flag(help: "Print the new list as JSON.") var json = false

    func run() async throws {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CLIError.fail("the list name must not be empty", code: 1) }
        try await config.withStore { store, _ in
            _ = try await actor.authenticated(store, for: "create lists", required: true, roles: [.author, .admin])
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
