import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead suppression`: the global list of addresses no send path may mail.
struct SuppressionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppression",
        abstract: "Block addresses from every send path, lift a block, list the suppression list.",
        discussion: """
        Every campaign skips suppressed addresses when it queues recipients. Unsubscribes, hard bounces
        and complaints land here by themselves; `add` is for an operator's block (or a request that
        came by phone or letter). Every change is in the audit log.

        Examples:
          bulkhead suppression add ann@example.com --note "asked by phone, ticket 4411"
          bulkhead suppression remove ann@example.com
          bulkhead suppression list --json
        """,
        subcommands: [SuppressionAddCommand.self, SuppressionRemoveCommand.self, SuppressionListCommand.self]
    )

    static func address(_ text: String) throws -> NormalizedAddress {
        do { return try NormalizedAddress(text) } catch {
            throw CLIError.fail("\(text.debugDescription): \(error)", code: 1)
        }
    }
}

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

    @OptionGroup var options: EngineOptions
    @Argument(help: "The e-mail address.") var address: String
    @Option(help: "Why: manual, unsubscribed, hard-bounce or complaint.") var reason: String = SuppressionReason.manual.rawValue
    @Option(help: "A note for the audit log and `subscribers show`.") var note: String?

    func run() async throws {
        let normalized = try SuppressionCommand.address(address)
        guard let why = SuppressionReason(rawValue: reason) else {
            throw CLIError.fail("--reason \(reason.debugDescription): one of \(SuppressionReason.allCases.map(\.rawValue).joined(separator: ", "))", code: 2)
        }
        let actor = options.actorName
        let added = try await options.withStore { store in
            try await store.addSuppression(Suppression(address: normalized, reason: why, at: Date(), source: "cli:\(actor)", note: note),
                                           actor: .human(actor))
        }
        print(added ? "suppressed \(normalized.value) (\(why.rawValue))" : "\(normalized.value) was already suppressed")
    }
}

/// `bulkhead suppression remove ADDRESS`.
struct SuppressionRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Lift a suppression (audited); the address can be mailed again if it is a confirmed member.",
        discussion: """
        Exit status: 0 removed, 1 not suppressed, not an address, or the store cannot be opened.

        Example:
          bulkhead suppression remove ann@example.com --actor "ann (support)"
        """
    )

    @OptionGroup var options: EngineOptions
    @Argument(help: "The e-mail address.") var address: String

    func run() async throws {
        let normalized = try SuppressionCommand.address(address)
        let actor = options.actorName
        let removed = try await options.withStore { store in try await store.removeSuppression(normalized, actor: .human(actor)) }
        guard removed else { throw CLIError.fail("\(normalized.value) is not suppressed", code: 1) }
        print("\(normalized.value) is no longer suppressed")
    }
}

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

    @OptionGroup var options: EngineOptions
    @Option(help: "Show at most this many (1-10000).") var limit = 1_000
    @Option(help: "Start after this address (for paging).") var after: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard (1...10_000).contains(limit) else { throw CLIError.fail("--limit must be 1 to 10000", code: 2) }
        let start = try after.map(SuppressionCommand.address)
        let page = try await options.withStore { store in try await store.suppressions(after: start, limit: limit) }
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
