import ArgumentParser
import BulkheadStore

/// `bulkhead hold discard ID`.
struct HoldDiscardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discard",
        abstract: "Discard a held message: it is never sent (it stays on record, audited).",
        discussion: """
            Exit status: 0 discarded, 1 no such message or it is not held.

            Example:
              bulkhead hold discard 12
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var message: RelayMessageArgument

    func run() async throws {
        let record = try await config.withStore { store, _ in
            // Discarding only ever stops mail: like the stop commands, it needs no password.
            let who = try await actor.authenticated(store, for: "discard held mail", required: false)
            return try await HoldDecision.apply(.discard, to: message.id, store: store, actor: who)
        }
        print("discarded message \(record.id.rawValue): it will not be sent to its \(record.recipients.count) recipient(s)")
    }
}
