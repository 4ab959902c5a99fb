import ArgumentParser
import BulkheadPolicy
import BulkheadStore

/// `bulkhead relay breaker close SENDER`.
struct RelayBreakerCloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a sender's breaker: its new mail passes again, counted from now. Mail held meanwhile stays held.",
        discussion: """
            SENDER is a user name, or a MAIL FROM address (it has an @; `<>` for the null sender), as
            `bulkhead relay breaker list` shows it. Once users exist, closing needs an approver or admin.

            Exit status: 0 closed, 1 that sender's breaker is not open.

            Examples:
              bulkhead relay breaker close ann
              bulkhead relay breaker close reports@shop.example
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The sender: a user name or a MAIL FROM address.") var sender: String

    func run() async throws {
        let who: RelaySender =
            sender == "<>" ? .mailFrom("") : (sender.contains("@") ? .mailFrom(sender) : .user(sender))
        let closed = try await config.withStore { store, _ in
            let actor = try await actor.authenticated(store, for: "close a relay breaker", required: true, roles: [.approver, .admin])
            return try await store.closeRelayBreaker(who, actor: actor)
        }
        guard closed else { throw CLIError.fail("the breaker of \(who) is not open (bulkhead relay breaker list)", code: 1) }
        print("closed the breaker of \(who): its new mail passes again; what it held stays in `bulkhead hold list`")
    }
}
