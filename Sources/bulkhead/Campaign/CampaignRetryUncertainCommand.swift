import ArgumentParser

/// `bulkhead campaign retry-uncertain ID`.
struct CampaignRetryUncertainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-uncertain",
        abstract:
            "Queue the campaign's uncertain recipients again (they may already have the message: a crash or a dropped connection came after DATA started).",
        discussion:
            "Example:\n  bulkhead ledger 1 --state uncertain   # look first\n  bulkhead campaign retry-uncertain 1 && bulkhead campaign resume 1"
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument

    func run() async throws {
        let count = try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "queue recipients again", required: true, roles: [.author])
            return try await store.requeueUncertain(campaign: campaign.campaignID, actor: who)
        }
        print("\(count) uncertain recipient\(count == 1 ? "" : "s") of campaign \(campaign.id) queued again")
    }
}
