import ArgumentParser
import BulkheadEngine
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
        let views: [CampaignView] = try await config.withStore { store, configuration in
            if let id {
                let campaignID = CampaignID(rawValue: id)
                let campaign = try await store.existingCampaign(campaignID)
                let events = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id)"))
                var view = CampaignView(campaign: campaign, counts: try await store.ledgerCounts(campaign: campaignID), events: events)
                let decisions = try await store.approvals(campaign: campaignID)
                view.add(
                    decisions: decisions, overrides: try await store.overrides(campaign: campaignID),
                    status: decisions.isEmpty ? nil : try await Self.approvalStatus(campaign, store, configuration))
                return [view]
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

    /// The current approval status as one line; a campaign whose fingerprint cannot be taken now (an
    /// attachment changed or vanished, a DKIM key missing) says so instead.
    private static func approvalStatus(_ campaign: Campaign, _ store: any MailStore, _ configuration: BulkheadConfiguration) async throws -> String {
        let eligible = try await store.audience(campaign: campaign.id).eligible
        do {
            return "\(try await BulkheadEnvironment.approvalStatus(for: campaign, eligible: eligible, store: store, configuration: configuration))"
        } catch let error as StoreError {
            throw error
        } catch {
            return "cannot be checked: \(error)"
        }
    }
}
