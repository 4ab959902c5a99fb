import ArgumentParser
import BulkheadStore

/// `bulkhead campaign show [ID]`.
struct CampaignShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one campaign (state, ledger counts, audit trail) or list them all.",
        discussion: "Examples:\n  bulkhead campaign show\n  bulkhead campaign show 1 --json"
    )

    @OptionGroup var config: ConfigOption
    /// Accepted as it always was; showing changes nothing, so nothing is audited.
    @OptionGroup var actor: ActorOption
    @Argument(help: "A campaign id; all campaigns when absent.") var id: Int64?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let views: [CampaignView] = try await config.withStore { store, _ in
            if let id {
                let campaignID = CampaignID(rawValue: id)
                let campaign = try await store.existingCampaign(campaignID)
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
