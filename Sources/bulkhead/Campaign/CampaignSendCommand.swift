import ArgumentParser

/// `bulkhead campaign send ID`.
struct CampaignSendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Check a campaign against every guardrail, queue its recipients, wait out the undo window, and deliver.",
        discussion: """
            The send runs `bulkhead campaign preflight` first and refuses (exit 3, the finding codes on standard
            error) when any error finding, a missing approval or a missing confirmation remains. From
            guardrails.confirm_recipients up, type the exact eligible count with --confirm N. From
            guardrails.warn_recipients up, the campaign waits guardrails.undo_seconds in `pending` first:
            `bulkhead campaign cancel ID` ends it with nothing sent.
            With no upstream configured, messages go to the capture mailbox (bulkhead capture list): nothing
            leaves the machine. Stop a send from another terminal with `bulkhead campaign pause ID` or `abort ID`
            (acts within a second), or everything with `bulkhead stop --all`.

            Examples:
              bulkhead campaign preflight 1
              bulkhead campaign send 1 --confirm 1234
              bulkhead campaign send 1 --json > summary.json
              bulkhead campaign send 1 --override compliance.postal-address-unset --reason "internal notice to staff" --as ann
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "The exact number of eligible recipients (required from guardrails.confirm_recipients up).") var confirm: Int?
    @Flag(help: "Acknowledge warning findings. Never skips an error, an approval, a confirmation or the undo window.") var force = false
    @Option(name: .customLong("override"), help: "Turn this error finding into one that needs an approval (repeatable; with --reason).")
    var overrides: [String] = []
    @Option(help: "Why the overridden rule does not apply here (for the approver and the audit log).") var reason: String?
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        // Authenticated first once users exist; CampaignDelivery records the proven actor (``ActorOption/audit``).
        var actor = actor
        try await config.withStore { store, _ in
            _ = try await actor.authenticate(store, for: "send campaigns", required: true, roles: [.author])
        }
        try await CampaignDelivery.send(
            config, actor, campaign.campaignID,
            CampaignDelivery.Request(confirm: confirm, force: force, json: json, overrides: overrides, overrideReason: reason))
    }
}
