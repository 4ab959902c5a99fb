import ArgumentParser
import BulkheadStore

/// `bulkhead campaign resume ID`.
struct CampaignResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused campaign where it stopped and deliver the rest.",
        discussion: """
            A campaign paused while sending (by a person, a brake, an emergency stop or Ctrl-C) goes on where it
            stopped. One paused before anything was sent (in its undo window, or an overdue schedule) passes the
            preflight again (--confirm N where needed) and gets a new undo window.

            Examples:
              bulkhead campaign resume 1
              bulkhead campaign resume 2 --confirm 1234
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "The exact number of eligible recipients, when the campaign had not started yet.") var confirm: Int?
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        // Authenticated first; CampaignDelivery records the proven actor (``ActorOption/audit``).
        var actor = actor
        try await config.withStore { store, _ in
            _ = try await actor.authenticate(store, for: "resume campaigns", required: true, roles: [.author])
        }
        try await CampaignDelivery.resume(config, actor, campaign.campaignID, CampaignDelivery.Request(confirm: confirm, json: json))
    }
}
