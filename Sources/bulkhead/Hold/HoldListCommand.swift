import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead hold list [--all] [--json]`.
struct HoldListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List held messages and those in their undo window (newest first), with their finding codes.",
        discussion: "Examples:\n  bulkhead hold list\n  bulkhead hold list --json\n  bulkhead hold list --all --limit 50"
    )

    @OptionGroup var config: ConfigOption
    @Flag(help: "Every relayed message, whatever its state (queued, done, discarded too).") var all = false
    @Option(help: "At most this many.") var limit = 1_000
    @Flag(help: "Print JSON: an array of {id, received_at, state, hold_reason, findings, sender, mail_from, recipients, subject, relay_after}.")
    var json = false

    func run() async throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1 to 100000") }
        let rows = try await config.withStore { store, _ in
            try await store.relayMessages(states: all ? nil : [.held, .waiting], before: nil, limit: limit).map(HoldRow.init)
        }
        if json {
            print(CLIJSON.encode(rows))
        } else if rows.isEmpty {
            print(all ? "the relay has received no message" : "nothing is held")
        } else {
            print(HoldRow.table(rows))
        }
    }
}
