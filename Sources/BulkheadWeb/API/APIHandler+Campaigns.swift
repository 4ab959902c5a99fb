import BulkheadEngine
import BulkheadStore

/// Reading campaigns: the list, one with its counts, audience and approvals, the preflight.
extension APIHandler {
    func listCampaigns(_ input: Operations.ListCampaigns.Input) async throws -> Operations.ListCampaigns.Output {
        let campaigns = try await store.allCampaigns().sorted { $0.id.rawValue > $1.id.rawValue }
        return .ok(.init(body: .json(campaigns.map(Components.Schemas.CampaignSummary.init))))
    }

    func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output {
        let campaign = try await campaign(input.path.id)
        let detail = Components.Schemas.CampaignDetail(
            campaign: .init(campaign), counts: .init(try await store.ledgerCounts(campaign: campaign.id)),
            audience: .init(try await store.audience(campaign: campaign.id)),
            approvals: try await store.approvals(campaign: campaign.id).map(Components.Schemas.Approval.init))
        return .ok(.init(body: .json(detail)))
    }

    func preflightCampaign(_ input: Operations.PreflightCampaign.Input) async throws -> Operations.PreflightCampaign.Output {
        let campaign = try await campaign(input.path.id)
        let confirmed = try input.query.confirm.map { count -> Int in
            guard let count = Int(exactly: count) else { throw APIError.badRequest("confirm \(count) is out of range") }
            return count
        }
        let report = try await CampaignPreflight(environment: environment).run(campaign, confirmed: confirmed)
        return .ok(.init(body: .json(.init(report))))
    }
}
