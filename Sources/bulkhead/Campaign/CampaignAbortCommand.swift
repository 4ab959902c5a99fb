import ArgumentParser
import Foundation

/// `bulkhead campaign abort ID`: the kill switch.
struct CampaignAbortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abort a campaign for good: the kill switch. Delivery stops within a second; only messages already in flight complete.",
        discussion: """
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
        let aborted = try await CampaignTransition.apply(
            config, actor, campaign.campaignID, from: [.canary, .canaryHold, .sending, .paused],
            to: .aborted, reason: reason)
        print("campaign \(campaign.id) aborted at \(aborted.updatedAt.formatted(.iso8601))")
    }
}
