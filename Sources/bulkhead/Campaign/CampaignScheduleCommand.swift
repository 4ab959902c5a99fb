import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `bulkhead campaign schedule ID --at TIME`.
struct CampaignScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Schedule a draft: `bulkhead serve` queues its recipients and starts sending at the given time.",
        discussion: """
            The campaign passes the same preflight as `send` now (--confirm N from guardrails.confirm_recipients up;
            exit 3 when refused) and its audience is queued now: who joins the list later is not added. When its time
            comes, `serve` checks it again (errors and approval) and starts it at once (cancelling before its time is its
            undo window), or pauses it (reason `preflight`) when it no longer passes. A campaign found more
            than guardrails.overdue_schedule_seconds past its time (the machine was down) is paused, reason `overdue`,
            and waits for `bulkhead campaign resume`.

            Examples:
              bulkhead campaign schedule 1 --at 2026-12-01T09:00:00Z --confirm 1234
              bulkhead campaign cancel 1     # any time before it starts
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "When to start, ISO 8601 with a time zone (e.g. 2026-12-01T09:00:00Z).") var at: String
    @Option(help: "The exact number of eligible recipients (required from guardrails.confirm_recipients up).") var confirm: Int?

    func run() async throws {
        guard let time = try? Date(at, strategy: .iso8601) else {
            throw CLIError.fail("--at \(at.debugDescription): expected ISO 8601 with a time zone, e.g. 2026-12-01T09:00:00Z", code: 2)
        }
        let scheduled = try await config.withEnvironment { environment in
            let store = environment.store
            let who = try await actor.authenticated(store, for: "schedule campaigns", required: true, roles: [.author])
            let current = try await store.existingCampaign(campaign.campaignID)
            guard current.state == .draft else {
                throw CLIError.fail("campaign \(campaign.id) is \(current.state.rawValue); only a draft can be scheduled", code: 1)
            }
            let report = try await CampaignPreflight(environment: environment).run(
                current, confirmed: confirm)
            try CampaignDelivery.enforce(report, verb: "scheduled")
            var content = current.content
            content.scheduledAt = time
            do {
                _ = try await store.updateDraft(campaign.campaignID, content: content, actor: who)
                // The audience is taken now, when it is confirmed: who joins later is not added at the
                // scheduled time (counts only fall after --confirm); who opts out meanwhile is still left out.
                let queued = try await store.enqueueRecipients(campaign: campaign.campaignID, atMost: report.audience.eligible)
                var details: [String: JSONValue] = ["at": .string(time.formatted(.iso8601)), "queued_now": .number(Double(queued))]
                if let confirm { details["confirmed"] = .number(Double(confirm)) }
                return try await store.transition(campaign.campaignID, from: [.draft], to: .scheduled, actor: who, details: details)
            } catch StoreError.refused(let why) {
                throw CLIError.fail("campaign \(campaign.id) not scheduled: \(why)", code: 3)
            } catch let error as StoreError {
                throw CLIError.fail("campaign \(campaign.id): \(error)", code: 1)
            }
        }
        print("campaign \(campaign.id) scheduled for \(scheduled.content.scheduledAt?.formatted(.iso8601) ?? at) (bulkhead serve sends it)")
    }
}
