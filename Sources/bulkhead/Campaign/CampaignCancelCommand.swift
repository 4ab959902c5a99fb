import ArgumentParser
import BulkheadEngine

/// `bulkhead campaign cancel ID`: call off a campaign before anything was sent.
struct CampaignCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Call off a campaign before anything is sent: a draft, a scheduled one, one in its undo window, or a paused one that sent nothing.",
        discussion: """
            The campaign becomes `cancelled` (final) with 0 sent. Once messages have gone out, use
            `bulkhead campaign abort ID` instead. Needs no password: stopping never waits.

            Example:
              bulkhead campaign cancel 1 --reason "wrong list"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Why, for the audit log.") var reason: String?

    func run() async throws {
        _ = try await CampaignTransition.apply(config, actor, campaign.campaignID, action: "cancel campaigns") { store, who in
            try await store.cancelCampaign(campaign.campaignID, actor: who, reason: reason)
        }
        print("campaign \(campaign.id) cancelled: nothing was sent")
    }
}
