import ArgumentParser
import BulkheadStore

/// `bulkhead hold recall ID`.
struct HoldRecallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract: "Recall a message still in its bulk undo window: it goes to the hold queue instead of out.",
        discussion: """
            Messages with relay.bulk_undo_from_recipients envelope recipients or more wait
            relay.bulk_undo_seconds before the relay sends them. A recalled message is held (reason
            recalled): release or discard it like any other.

            Exit status: 0 recalled, 1 no such message or its window is over.

            Example:
              bulkhead hold recall 13
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var message: RelayMessageArgument

    func run() async throws {
        let record = try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "recall relayed mail", required: false)
            return try await HoldDecision.apply(.recall, to: message.id, store: store, actor: who)
        }
        print("recalled message \(record.id.rawValue): held, nothing was sent (bulkhead hold discard \(record.id.rawValue) to drop it)")
    }
}
