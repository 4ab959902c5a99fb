import ArgumentParser
import BulkheadEngine
import BulkheadStore

/// `bulkhead autoreply status [--json]`.
struct AutoReplyStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each auto-responder: since when it answers, what became of its mail, and whether the breaker paused it.",
        discussion: """
            One line per responder the store knows (enabled by `bulkhead serve` or an import): the time it was
            enabled, the senders seen, and its messages by outcome (replied, once-per-sender, backlog,
            imported, auto-submitted, …).

            Exit status: 0, 1 the store cannot be opened.
            """
    )

    @OptionGroup var config: ConfigOption
    @Flag(help: "Print JSON.") var json = false

    struct Row: Encodable {
        var address: String
        var enabledAt: String
        var senders: Int
        var outcomes: [String: Int]
    }

    struct Status: Encodable {
        var paused: Bool
        var pausedSince: String?
        var responders: [Row]
    }

    func run() async throws {
        try await config.withStore { store, _ in
            let latch = try await store.latch(named: Latch.autoReplyBreaker)
            let rows = try await store.autoResponders().map {
                Row(address: $0.address, enabledAt: $0.enabledAt.formatted(.iso8601), senders: $0.senders, outcomes: $0.outcomes)
            }
            if json {
                print(CLIJSON.encode(Status(paused: latch != nil, pausedSince: latch?.setAt.formatted(.iso8601), responders: rows)))
                return
            }
            if let latch {
                print("PAUSED since \(latch.setAt.formatted(.iso8601)): \(latch.reason); no auto-reply goes out until `bulkhead autoreply resume`")
            }
            if rows.isEmpty { print("no auto-responder has been enabled (autoresponders in the configuration, then bulkhead serve)") }
            for row in rows {
                let outcomes = row.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print("\(row.address)  enabled \(row.enabledAt)  senders \(row.senders)  \(outcomes.isEmpty ? "no mail yet" : outcomes)")
            }
        }
    }
}
