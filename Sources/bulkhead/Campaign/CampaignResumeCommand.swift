import ArgumentParser

/// `bulkhead campaign resume ID`.
struct CampaignResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused campaign and deliver the rest.",
        discussion: "Example:\n  bulkhead campaign resume 1"
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        try await CampaignDelivery.start(
            config, actor, campaign.campaignID, from: [.paused, .canary, .canaryHold, .sending], force: true, json: json)
    }
}
