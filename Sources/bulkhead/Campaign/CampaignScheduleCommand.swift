import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead campaign schedule ID --at TIME`.
struct CampaignScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Schedule a draft: `bulkhead serve` queues its recipients and starts sending at the given time.",
        discussion:
            "Example:\n  bulkhead campaign schedule 1 --at 2026-12-01T09:00:00Z\n  bulkhead campaign abort 1     # still possible until it is sent"
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "When to start, ISO 8601 with a time zone (e.g. 2026-12-01T09:00:00Z).") var at: String

    func run() async throws {
        guard let time = try? Date(at, strategy: .iso8601) else {
            throw CLIError.fail("--at \(at.debugDescription): expected ISO 8601 with a time zone, e.g. 2026-12-01T09:00:00Z", code: 2)
        }
        let scheduled = try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "schedule campaigns", required: true, roles: [.author])
            let current = try await store.existingCampaign(campaign.campaignID)
            var content = current.content
            content.scheduledAt = time
            do {
                _ = try await store.updateDraft(campaign.campaignID, content: content, actor: who)
                return try await store.transition(
                    campaign.campaignID, from: [.draft], to: .scheduled, actor: who,
                    details: ["at": .string(time.formatted(.iso8601))])
            } catch let error as StoreError {
                throw CLIError.fail("campaign \(campaign.id): \(error)", code: 1)
            }
        }
        print("campaign \(campaign.id) scheduled for \(scheduled.content.scheduledAt?.formatted(.iso8601) ?? at) (bulkhead serve sends it)")
    }
}
