import ArgumentParser

/// `bulkhead suppression list`.
struct SuppressionListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List suppressed addresses, by address.",
        discussion: """
            Example:
              bulkhead suppression list --limit 100 --after m@example.com
            """
    )

    @OptionGroup var config: ConfigOption
    /// Accepted as it always was; showing changes nothing, so nothing is audited.
    @OptionGroup var actor: ActorOption
    @Option(help: "Show at most this many (1-10000).") var limit = 1_000
    @Option(help: "Start after this address (for paging).") var after: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard (1...10_000).contains(limit) else { throw CLIError.fail("--limit must be 1 to 10000", code: 2) }
        let start = try after.map(AddressArgument.normalized)
        let page = try await config.withStore { store, _ in try await store.suppressions(after: start, limit: limit) }
        let rows = page.map { SubscriberView.SuppressionView($0, withAddress: true) }
        if json {
            print(CLIJSON.encode(rows))
            return
        }
        if rows.isEmpty { print("no suppressed addresses") }
        for row in rows {
            print("\(row.address ?? "")  \(row.reason)  \(row.at)  \(row.source)" + (row.note.map { "  \($0)" } ?? ""))
        }
    }
}
