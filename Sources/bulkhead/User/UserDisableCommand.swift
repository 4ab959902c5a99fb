import ArgumentParser
import BulkheadStore

/// `bulkhead user disable NAME --as ADMIN`.
struct UserDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Disable a user: they can no longer authenticate (the audit log keeps their name). Needs an admin.",
        discussion: "The last enabled admin cannot be disabled.\n\nExample:\n  BULKHEAD_PASSWORD=... bulkhead user disable bob --as ann"
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The user to disable.") var user: String

    func run() async throws {
        try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "disable users", required: true, roles: [.admin])
            do {
                let disabled = try await store.disableUser(named: user, actor: who)
                print("user \(disabled.name) disabled")
            } catch StoreError.notFound(.user) {
                throw CLIError.fail("no user \(user)", code: 1)
            }
        }
    }
}
