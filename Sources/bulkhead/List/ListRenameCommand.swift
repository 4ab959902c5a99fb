import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead list rename OLD NEW`.
struct ListRenameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename",
        abstract: "Rename a mailing list; its List-Id identifier stays the same.",
        discussion: """
            The List-Id identifier (<label.your-domain>) is permanent (RFC 2919): people's mail filters
            rely on it, so a rename changes only the name commands and the List-Id description use.
            Exit status: 0 renamed, 1 no such list, the new name is taken, or the store cannot be opened.

            Example:
              bulkhead list rename news "Café news"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The list's current name.") var old: String
    @Argument(help: "Its new name.") var new: String

    func run() async throws {
        let name = new.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CLIError.fail("the list name must not be empty", code: 1) }
        try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "rename lists", required: true, roles: [.author, .admin])
            let list = try await store.existingList(named: old)
            let renamed: MailingList
            do {
                renamed = try await store.renameList(list.id, to: name, actor: who)
            } catch StoreError.duplicate {
                throw CLIError.fail("a list named \"\(name)\" already exists", code: 1)
            }
            print("renamed list \(list.name) to \(renamed.name) (id \(renamed.id.rawValue), List-Id label \(renamed.listIDLabel) kept)")
        }
    }
}
