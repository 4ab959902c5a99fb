import ArgumentParser
import BulkheadEngine
import BulkheadStore

/// `bulkhead campaign pause ID`.
struct CampaignPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract:
            "Pause a campaign that is sending, in its canary or hold, or in its undo window: no new message starts (within a second), the rest stay queued.",
        discussion: "Needs no password: stopping never waits.\n\nExample:\n  bulkhead campaign pause 1 && bulkhead campaign resume 1"
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Why, for the audit log.") var reason: String?

    func run() async throws {
        _ = try await CampaignTransition.apply(config, actor, campaign.campaignID, action: "stop campaigns") { store, who in
            try await store.pauseCampaign(campaign.campaignID, actor: who, reason: reason)
        }
        print("campaign \(campaign.id) paused")
    }
}
