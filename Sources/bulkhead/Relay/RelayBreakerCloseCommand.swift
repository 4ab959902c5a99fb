import ArgumentParser
import BulkheadPolicy
import BulkheadStore

/// `bulkhead relay breaker close SENDER`.
struct RelayBreakerCloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a sender's breaker: its new mail passes again, counted from now. Mail held meanwhile stays held.",
        discussion: """
            SENDER is written as `bulkhead relay breaker list` shows it: `user NAME` or `mail-from ADDRESS`
            (`mail-from <>` for the null sender), in quotes. A bare SENDER is a MAIL FROM address when it
            has an @ (or is `<>`), else a user name; a user name with an @ needs the `user ` form. Once
            users exist, closing needs an approver or admin.

            Exit status: 0 closed, 1 that sender's breaker is not open.

            Examples:
              bulkhead relay breaker close ann
              bulkhead relay breaker close reports@shop.example
              bulkhead relay breaker close "user ann@corp.example"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The sender, as `relay breaker list` shows it (\"user NAME\", \"mail-from ADDRESS\"), or a bare name or address.")
    var sender: String

    func run() async throws {
        let who = RelaySender(named: sender)
        let closed = try await config.withStore { store, _ in
            let actor = try await actor.authenticated(store, for: "close a relay breaker", required: true, roles: [.approver, .admin])
            return try await store.closeRelayBreaker(who, actor: actor)
        }
        guard closed else { throw CLIError.fail("the breaker of \(who) is not open (bulkhead relay breaker list)", code: 1) }
        print("closed the breaker of \(who): its new mail passes again; what it held stays in `bulkhead hold list`")
    }
}
