import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// Reads a campaign id argument.
struct CampaignIDArgument: ParsableArguments {
    @Argument(help: "The campaign's id (see `bulkhead campaign show`).") var id: Int64

    var campaignID: CampaignID { CampaignID(rawValue: id) }
}

/// `bulkhead campaign show [ID]`.
struct CampaignShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one campaign (state, ledger counts, audit trail) or list them all.",
        discussion: "Examples:\n  bulkhead campaign show\n  bulkhead campaign show 1 --json"
    )

    @OptionGroup var options: EngineOptions
    @Argument(help: "A campaign id; all campaigns when absent.") var id: Int64?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let views: [CampaignView] = try await options.withStore { store in
            if let id {
                let campaignID = CampaignID(rawValue: id)
                guard let campaign = try await store.campaign(id: campaignID) else {
                    throw CLIError.fail("no campaign \(id)", code: 1)
                }
                let events = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id)"))
                return [CampaignView(campaign: campaign, counts: try await store.ledgerCounts(campaign: campaignID), events: events)]
            }
            var views: [CampaignView] = []
            for campaign in try await store.allCampaigns() {
                views.append(CampaignView(campaign: campaign, counts: try await store.ledgerCounts(campaign: campaign.id), events: []))
            }
            return views
        }
        if json {
            print(id == nil ? CLIJSON.encode(views) : CLIJSON.encode(views[0]))
        } else if views.isEmpty {
            print("no campaigns (bulkhead campaign create --help)")
        } else {
            print(views.map(\.text).joined(separator: "\n"))
        }
    }
}

/// One state change, audited with the acting person.
enum CampaignTransition {
    static func apply(_ options: EngineOptions, _ id: CampaignID, from: Set<CampaignState>, to: CampaignState, reason: String?) async throws -> Campaign {
        try await options.withStore { store in
            do {
                var details: [String: JSONValue] = [:]
                if let reason { details["reason"] = .string(reason) }
                return try await store.transition(id, from: from, to: to, actor: .human(options.actorName), details: details)
            } catch let error as StoreError {
                throw CLIError.fail("campaign \(id.rawValue): \(error)", code: 1)
            }
        }
    }
}

/// `bulkhead campaign pause ID`.
struct CampaignPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a sending campaign: no new message starts (within a second), the rest stay queued.",
        discussion: "Example:\n  bulkhead campaign pause 1 && bulkhead campaign resume 1"
    )

    @OptionGroup var options: EngineOptions
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Why, for the audit log.") var reason: String?

    func run() async throws {
        _ = try await CampaignTransition.apply(options, campaign.campaignID, from: [.sending], to: .paused, reason: reason)
        print("campaign \(campaign.id) paused")
    }
}

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

    @OptionGroup var options: EngineOptions
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Why, for the audit log.") var reason: String?

    func run() async throws {
        let aborted = try await CampaignTransition.apply(options, campaign.campaignID, from: [.draft, .scheduled, .sending, .paused],
                                                         to: .aborted, reason: reason)
        print("campaign \(campaign.id) aborted at \(aborted.updatedAt.formatted(.iso8601))")
    }
}

/// `bulkhead campaign retry-uncertain ID`.
struct CampaignRetryUncertainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-uncertain",
        abstract: "Queue the campaign's uncertain recipients again (they may already have the message: a crash or a dropped connection came after DATA started).",
        discussion: "Example:\n  bulkhead ledger 1 --state uncertain   # look first\n  bulkhead campaign retry-uncertain 1 && bulkhead campaign resume 1"
    )

    @OptionGroup var options: EngineOptions
    @OptionGroup var campaign: CampaignIDArgument

    func run() async throws {
        let count = try await options.withStore { store in
            try await store.requeueUncertain(campaign: campaign.campaignID, actor: .human(options.actorName))
        }
        print("\(count) uncertain recipient\(count == 1 ? "" : "s") of campaign \(campaign.id) queued again")
    }
}

/// `bulkhead campaign schedule ID --at TIME`.
struct CampaignScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Schedule a draft: `bulkhead serve` queues its recipients and starts sending at the given time.",
        discussion: "Example:\n  bulkhead campaign schedule 1 --at 2026-12-01T09:00:00Z\n  bulkhead campaign abort 1     # still possible until it is sent"
    )

    @OptionGroup var options: EngineOptions
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "When to start, ISO 8601 with a time zone (e.g. 2026-12-01T09:00:00Z).") var at: String

    func run() async throws {
        guard let time = try? Date(at, strategy: .iso8601) else {
            throw CLIError.fail("--at \(at.debugDescription): expected ISO 8601 with a time zone, e.g. 2026-12-01T09:00:00Z", code: 2)
        }
        let scheduled = try await options.withStore { store in
            guard let current = try await store.campaign(id: campaign.campaignID) else {
                throw CLIError.fail("no campaign \(campaign.id)", code: 1)
            }
            var content = current.content
            content.scheduledAt = time
            do {
                _ = try await store.updateDraft(campaign.campaignID, content: content, actor: .human(options.actorName))
                return try await store.transition(campaign.campaignID, from: [.draft], to: .scheduled, actor: .human(options.actorName),
                                                  details: ["at": .string(time.formatted(.iso8601))])
            } catch let error as StoreError {
                throw CLIError.fail("campaign \(campaign.id): \(error)", code: 1)
            }
        }
        print("campaign \(campaign.id) scheduled for \(scheduled.content.scheduledAt?.formatted(.iso8601) ?? at) (bulkhead serve sends it)")
    }
}
