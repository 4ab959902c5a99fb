import ArgumentParser

/// `bulkhead suppression`: the global list of addresses no send path may mail.
struct SuppressionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppression",
        abstract: "Block addresses from every send path, lift a block, list the suppression list.",
        discussion: """
            Every send path skips suppressed addresses: campaigns, the relay, hosted lists, auto-replies
            and notices. Hard bounces and complaints land here by themselves. An unsubscribe takes the
            person off that one list only (an unsubscribe whose campaign or list is gone lands here);
            `add` is for an operator's block everywhere (or a request that came by phone or letter).
            Every change is in the audit log.

            Examples:
              bulkhead suppression add ann@example.com --note "asked by phone, ticket 4411"
              bulkhead suppression remove ann@example.com
              bulkhead suppression list --json
            """,
        subcommands: [SuppressionAddCommand.self, SuppressionRemoveCommand.self, SuppressionListCommand.self]
    )
}
