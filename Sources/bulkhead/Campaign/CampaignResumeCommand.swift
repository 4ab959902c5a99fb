import ArgumentParser
import BulkheadStore

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
        // Authenticated first; CampaignDelivery records the proven actor (``ActorOption/audit``).
        var actor = actor
        try await config.withStore { store, _ in
            _ = try await actor.authenticate(store, for: "resume campaigns", required: true, roles: [.author])
        }
        try await CampaignDelivery.start(config, actor, campaign.campaignID, from: [.paused, .sending], force: true, json: json)
    }
}
