import ArgumentParser
import BulkheadEngine
import BulkheadStore

/// `bulkhead campaign promote ID`.
struct CampaignPromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "End a campaign's canary hold now: the rest of its recipients go out (canary-hold → sending).",
        discussion: """
            The canary wave (the list's seed addresses and a random sample) went out and the brakes are judging
            it. Promote when you have looked at the seeds and the numbers; the run waiting through the hold
            (or bulkhead serve) sends the rest. Exit status: 0 promoted, 1 not in canary-hold or no such campaign.

            Example:
              bulkhead campaign promote 1
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument

    func run() async throws {
        let id = campaign.campaignID
        try await config.withStore { store, configuration in
            let current = try await store.existingCampaign(id)
            guard current.state == .canaryHold else {
                throw CLIError.fail("campaign \(id.rawValue) is \(current.state.rawValue); only a campaign in canary-hold can be promoted", code: 1)
            }
            let staging = CampaignLaunch(
                store: store, canary: configuration.guardrails.canary.rule, holdSeconds: configuration.guardrails.canary.holdSeconds,
                brakes: nil, clock: store.clock)
            do {
                _ = try await staging.promote(id, actor: actor.audit)
            } catch let StoreError.invalidTransition(_, now, _) {
                throw CLIError.fail("campaign \(id.rawValue) is \(now.rawValue); only a campaign in canary-hold can be promoted", code: 1)
            }
            print("campaign \(id.rawValue) promoted: sending to the rest")
        }
    }
}
