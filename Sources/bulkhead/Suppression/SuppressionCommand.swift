import ArgumentParser

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
}
