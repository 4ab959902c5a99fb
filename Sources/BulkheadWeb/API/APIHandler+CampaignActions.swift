import BulkheadEngine
import BulkheadStore

/// Acting on campaigns: the gated send, the stops, promote, and the second person's decision.
extension APIHandler {
    func sendCampaign(_ input: Operations.SendCampaign.Input) async throws -> Operations.SendCampaign.Output {
        let grant = try APICaller.current()
        let actor = APICaller.actor(grant)
        let campaign = try await campaign(input.path.id)
        let confirm: Int?
        if case .json(let body) = input.body { confirm = body.confirm } else { confirm = nil }
        let requested: SendRequested
        do {
            // Warnings are never acknowledged here (no `force`): that stays a person's call at the CLI.
            requested = try await environment.requestSend(campaign, actor: actor, confirmed: confirm)
        } catch let refused as SendRefused {
            guard let report = refused.report else { throw APIError.conflict(refused.reason, code: "stopped") }
            return .unprocessableContent(
                .init(
                    body: .json(
                        .init(
                            error: refused.reason, code: "refused", findings: report.findings.map(Components.Schemas.Finding.init),
                            requirements: .init(report.requirements)))))
        }
        // No undo window: launched now (its canary, or sending); `bulkhead serve` delivers it. With a
        // window it waits in `pending` and `serve` launches it when the deadline passes.
        let now =
            requested.undoDeadline == nil
            ? try await environment.launch(campaign.id, actor: actor, details: ["reason": "launched"])
            : try await self.campaign(input.path.id)
        return .accepted(.init(body: .json(.init(campaign: .init(now), queued: requested.queued, undoDeadline: requested.undoDeadline))))
    }

    func pauseCampaign(_ input: Operations.PauseCampaign.Input) async throws -> Operations.PauseCampaign.Output {
        let actor = APICaller.actor(try APICaller.current())
        let paused = try await store.pauseCampaign(CampaignID(rawValue: input.path.id), actor: actor, reason: Self.reason(input.body))
        return .ok(.init(body: .json(.init(paused))))
    }

    func abortCampaign(_ input: Operations.AbortCampaign.Input) async throws -> Operations.AbortCampaign.Output {
        let actor = APICaller.actor(try APICaller.current())
        let stopped = try await store.abortCampaign(CampaignID(rawValue: input.path.id), actor: actor, reason: Self.reason(input.body))
        return .ok(.init(body: .json(.init(stopped))))
    }

    func cancelCampaign(_ input: Operations.CancelCampaign.Input) async throws -> Operations.CancelCampaign.Output {
        let actor = APICaller.actor(try APICaller.current())
        let cancelled = try await store.cancelCampaign(CampaignID(rawValue: input.path.id), actor: actor, reason: Self.reason(input.body))
        return .ok(.init(body: .json(.init(cancelled))))
    }

    func promoteCampaign(_ input: Operations.PromoteCampaign.Input) async throws -> Operations.PromoteCampaign.Output {
        let actor = APICaller.actor(try APICaller.current())
        let campaign = try await campaign(input.path.id)
        guard campaign.state == .canaryHold else {
            throw APIError.conflict("campaign \(campaign.id.rawValue) is \(campaign.state.rawValue); only a campaign in canary-hold can be promoted")
        }
        return .ok(.init(body: .json(.init(try await environment.promote(campaign.id, actor: actor)))))
    }

    func approveCampaign(_ input: Operations.ApproveCampaign.Input) async throws -> Operations.ApproveCampaign.Output {
        let comment: String?
        if case .json(let body) = input.body { comment = body.comment } else { comment = nil }
        return .ok(.init(body: .json(try await decide(.approve, input.path.id, comment: comment))))
    }

    func rejectCampaign(_ input: Operations.RejectCampaign.Input) async throws -> Operations.RejectCampaign.Output {
        let comment: String?
        if case .json(let body) = input.body { comment = body.comment } else { comment = nil }
        return .ok(.init(body: .json(try await decide(.reject, input.path.id, comment: comment))))
    }

    /// The engine's decision; the store's refusals (the author, an editor, an override's requester:
    /// four eyes) are 403 with its message; a campaign past its send (nothing left to decide) is 409.
    private func decide(_ decision: ApprovalDecision, _ id: Int64, comment: String?) async throws -> Components.Schemas.Approval {
        let actor = APICaller.actor(try APICaller.current())
        guard let campaign = try await environment.store.campaign(id: CampaignID(rawValue: id)) else {
            throw APIError.notFound("no campaign \(id)")
        }
        guard [.draft, .scheduled, .paused].contains(campaign.state) else {
            throw APIError.conflict(
                "campaign \(id) is \(campaign.state.rawValue): only one not yet sent (draft, scheduled, paused) can be decided")
        }
        do {
            return .init(try await environment.decide(decision, campaign: CampaignID(rawValue: id), comment: comment, actor: actor))
        } catch StoreError.refused(let why) {
            throw APIError.forbidden(why, code: "four-eyes")
        }
    }

    private static func reason<Body>(_ body: Body?) -> String? where Body: StopBody { body?.stopRequest.reason }
}

/// The request bodies that carry a ``Components/Schemas/StopRequest`` (pause, abort, cancel).
protocol StopBody {
    var stopRequest: Components.Schemas.StopRequest { get }
}

extension Operations.PauseCampaign.Input.Body: StopBody {
    var stopRequest: Components.Schemas.StopRequest {
        switch self {
        case .json(let body): body
        }
    }
}
extension Operations.AbortCampaign.Input.Body: StopBody {
    var stopRequest: Components.Schemas.StopRequest {
        switch self {
        case .json(let body): body
        }
    }
}
extension Operations.CancelCampaign.Input.Body: StopBody {
    var stopRequest: Components.Schemas.StopRequest {
        switch self {
        case .json(let body): body
        }
    }
}
