import ArgumentParser
import BulkheadStore

/// `bulkhead token revoke ID`.
struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke an API token: it stops working at once (it stays listed, audited). Needs an admin (--as ADMIN).",
        discussion: "Exit status: 0 revoked (or already revoked), 1 no such token or not allowed.\n\nExample:\n  bulkhead token revoke 3 --as root"
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The token's id (bulkhead token list).") var id: Int64

    func run() async throws {
        let revoked = try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "revoke API tokens", required: true, roles: [.admin])
            do {
                return try await store.revokeAPIToken(id: id, actor: who)
            } catch StoreError.notFound {
                throw CLIError.fail("no API token \(id)", code: 1)
            }
        }
        print(revoked ? "token \(id) revoked" : "token \(id) was already revoked")
    }
}
