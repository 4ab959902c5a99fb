import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead relay breaker list [--json]`.
struct RelayBreakerListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the senders whose breaker is open (their mail is held), oldest first.",
        discussion: "Example:\n  bulkhead relay breaker list --json"
    )

    @OptionGroup var config: ConfigOption
    @Flag(help: "Print JSON: an array of {sender, kind, name, opened_at, tripped_by, held_messages}.") var json = false

    struct Row: Encodable {
        var sender: String
        var kind: String
        var name: String
        var openedAt: Date
        var trippedBy: Int64
        var heldMessages: Int

        enum CodingKeys: String, CodingKey {
            case sender, kind, name
            case openedAt = "opened_at"
            case trippedBy = "tripped_by"
            case heldMessages = "held_messages"
        }
    }

    func run() async throws {
        let rows = try await config.withStore { store, _ in
            try await store.relayBreakers().map {
                Row(
                    sender: $0.sender.description, kind: $0.sender.kind.rawValue, name: $0.sender.name, openedAt: $0.openedAt,
                    trippedBy: $0.trippedBy.rawValue, heldMessages: $0.heldMessages)
            }
        }
        if json {
            print(CLIJSON.encode(rows))
        } else if rows.isEmpty {
            print("no breaker is open")
        } else {
            for row in rows {
                print(
                    "\(row.sender): open since \(row.openedAt.formatted(.iso8601)), tripped by message \(row.trippedBy), \(row.heldMessages) held"
                )
            }
        }
    }
}
