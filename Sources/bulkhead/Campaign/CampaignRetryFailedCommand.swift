import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead campaign retry-failed ID [--code NNN]`.
struct CampaignRetryFailedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-failed",
        abstract: "Queue the campaign's failed recipients again (all, or those whose last reply had one code), with fresh attempts.",
        discussion: """
            For failures that were not the recipients' fault (a relay misconfigured, a policy rejection fixed
            since). People who opted out meanwhile, and addresses on the suppression list (hard bounces), are
            never sent to: they become `suppressed` when their turn comes. A sent campaign is reopened as paused.

            Examples:
              bulkhead ledger 1 --state failed            # look first
              bulkhead campaign retry-failed 1 --code 451
              bulkhead campaign resume 1
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Only recipients whose last reply had this code (e.g. 421, 550).") var code: Int?

    func run() async throws {
        if let code, !(0...999).contains(code) {
            throw CLIError.fail("--code \(code): a reply code has three digits", code: 2)
        }
        let count = try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "queue recipients again", required: true, roles: [.author])
            return try await store.requeueFailed(campaign: campaign.campaignID, replyCode: code, actor: who)
        }
        let which = code.map { " with reply code \($0)" } ?? ""
        print(
            "\(count) failed recipient\(count == 1 ? "" : "s")\(which) of campaign \(campaign.id) queued again\(count > 0 ? " (send them with: bulkhead campaign resume \(campaign.id))" : "")"
        )
    }
}
