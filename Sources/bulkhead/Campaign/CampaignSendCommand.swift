import ArgumentParser

/// `bulkhead campaign send ID`.
struct CampaignSendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Queue a campaign's recipients, check a sample message against the guardrails, and deliver.",
        discussion: """
            With no upstream configured, messages go to the capture mailbox (bulkhead capture list): nothing
            leaves the machine. Error findings on the sample message stop a send to a real upstream unless --force.
            Stop it from another terminal with `bulkhead campaign pause ID` or `abort ID` (acts within a second).

            Examples:
              bulkhead campaign send 1
              bulkhead campaign send 1 --json > summary.json
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Flag(help: "Send even when the sample message has error findings.") var force = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        try await CampaignDelivery.start(config, actor, campaign.campaignID, from: [.draft, .scheduled, .paused], force: force, json: json)
    }
}
