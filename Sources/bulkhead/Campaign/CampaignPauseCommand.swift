import ArgumentParser

/// `bulkhead campaign pause ID`.
struct CampaignPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a sending campaign: no new message starts (within a second), the rest stay queued.",
        discussion: "Example:\n  bulkhead campaign pause 1 && bulkhead campaign resume 1"
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Why, for the audit log.") var reason: String?

    func run() async throws {
        _ = try await CampaignTransition.apply(
            config, actor, campaign.campaignID, from: [.canary, .canaryHold, .sending], to: .paused, reason: reason)
        print("campaign \(campaign.id) paused")
    }
}
