import ArgumentParser
import BulkheadStore

/// `bulkhead suppression remove ADDRESS`.
struct SuppressionRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Lift a suppression (audited); the address can be mailed again if it is a confirmed member.",
        discussion: """
            Exit status: 0 removed, 1 not suppressed, not an address, or the store cannot be opened.

            Example:
              bulkhead suppression remove ann@example.com --as ann
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The e-mail address.") var address: String

    func run() async throws {
        let normalized = try AddressArgument.normalized(address)
        let removed = try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "lift suppressions", required: true, roles: [.author, .admin])
            return try await store.removeSuppression(normalized, actor: who)
        }
        guard removed else { throw CLIError.fail("\(normalized.value) is not suppressed", code: 1) }
        print("\(normalized.value) is no longer suppressed")
    }
}
