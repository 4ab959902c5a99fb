import ArgumentParser

/// `bulkhead webhook`: the event webhooks' delivery log.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "The event webhooks' delivery log.",
        discussion: """
            `bulkhead serve` POSTs campaign states, brake trips, relay holds, breaker trips and list storms to
            each URL of webhooks: (signed: X-Bulkhead-Signature: sha256=<HMAC-SHA256 of the body>), retrying
            after 1 s, 5 s, 30 s, 2 min and 10 min. Every attempt is logged.

            Examples:
              bulkhead webhook log
              bulkhead webhook log --limit 20 --json
            """,
        subcommands: [WebhookLogCommand.self]
    )
}
