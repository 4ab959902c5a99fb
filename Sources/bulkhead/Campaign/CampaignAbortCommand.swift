import ArgumentParser
import BulkheadEngine
import Foundation

/// `bulkhead campaign abort ID`: the kill switch.
struct CampaignAbortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abort a campaign for good: the kill switch. Delivery stops within a second; only messages already in flight complete.",
        discussion: """
            A campaign in its undo window is cancelled instead (nothing was sent). Needs no password: stopping never waits.
            The sender records in the audit log how many messages completed after the abort; `bulkhead ledger ID` lists who got what.

            Example:
              bulkhead campaign abort 1 --reason "sent to the wrong list"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Why, for the audit log.") var reason: String?

    func run() async throws {
        // In its undo window nothing has been sent: abort is then a cancel (the lifecycle table).
        let stopped = try await CampaignTransition.apply(config, actor, campaign.campaignID, action: "stop campaigns") { store, who in
            try await store.abortCampaign(campaign.campaignID, actor: who, reason: reason)
        }
        print("campaign \(campaign.id) \(stopped.state.rawValue) at \(stopped.updatedAt.formatted(.iso8601))")
    }
}
