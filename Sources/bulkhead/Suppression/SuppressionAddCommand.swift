import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead suppression add ADDRESS`.
struct SuppressionAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Suppress an address (reason manual unless given).",
        discussion: """
            Exit status: 0 added, or already suppressed (said so), 1 not an address or the store cannot be opened.

            Example:
              bulkhead suppression add ann@example.com --reason complaint --note "forwarded by the abuse desk"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The e-mail address.") var address: String
    @Option(help: "Why: manual, unsubscribed, hard-bounce or complaint.") var reason: String = SuppressionReason.manual.rawValue
    @Option(help: "A note for the audit log and `subscribers show`.") var note: String?

    func run() async throws {
        let normalized = try AddressArgument.normalized(address)
        guard let why = SuppressionReason(rawValue: reason) else {
            throw CLIError.fail(
                "--reason \(reason.debugDescription): one of \(SuppressionReason.allCases.map(\.rawValue).joined(separator: ", "))", code: 2)
        }
        let added = try await config.withStore { store, _ in
            // Blocking an address only ever stops mail: like the stop commands, it needs no password.
            let who = try await actor.authenticated(store, for: "suppress addresses", required: false)
            return try await store.addSuppression(
                Suppression(address: normalized, reason: why, at: store.clock.date, source: "cli:\(who.displayName)", note: note),
                actor: who)
        }
        print(added ? "suppressed \(normalized.value) (\(why.rawValue))" : "\(normalized.value) was already suppressed")
    }
}
