public import BulkheadStore
import Foundation

/// The ways to stop a campaign, one each for the CLI, the dashboard and the API: pause, abort (the
/// kill switch) and cancel (before anything is sent). Each is one audited state change by `actor`;
/// none needs a password or a role (stopping never waits).
///
/// ```swift
/// _ = try await store.pauseCampaign(id, actor: .human("ann"), reason: "wrong link")
/// let stopped = try await store.abortCampaign(id, actor: .human("ann"), reason: nil)   // cancelled if pending
/// ```
extension MailStore {
    /// `pending`, `canary`, `canary-hold` or `sending` → `paused` (throws ``StoreError/invalidTransition(campaign:current:to:)`` otherwise).
    public func pauseCampaign(_ id: CampaignID, actor: AuditActor, reason: String?) async throws -> Campaign {
        try await transition(id, from: CampaignState.stoppable, to: .paused, actor: actor, details: reasonDetails(reason))
    }

    /// The kill switch: `canary`, `canary-hold`, `sending` or `paused` → `aborted`; a campaign in its
    /// undo window (`pending`: nothing sent) is `cancelled` instead.
    public func abortCampaign(_ id: CampaignID, actor: AuditActor, reason: String?) async throws -> Campaign {
        let pending = try await stored(id).state == .pending
        return try await transition(
            id, from: pending ? [.pending] : [.canary, .canaryHold, .sending, .paused], to: pending ? .cancelled : .aborted,
            actor: actor, details: reasonDetails(reason))
    }

    /// A draft, a scheduled campaign, one in its undo window, or a paused one that sent nothing →
    /// `cancelled`. Throws ``ActionRefused`` otherwise (saying to abort once messages went out).
    public func cancelCampaign(_ id: CampaignID, actor: AuditActor, reason: String?) async throws -> Campaign {
        let current = try await stored(id)
        if current.state == .paused {
            let counts = try await ledgerCounts(campaign: id)
            guard counts.total == counts[.queued] + counts[.suppressed] else {
                throw ActionRefused(
                    reason:
                        "campaign \(id.rawValue) has already sent to some recipients; stop it for good with `bulkhead campaign abort \(id.rawValue)`"
                )
            }
        }
        guard [.draft, .scheduled, .pending, .paused].contains(current.state) else {
            let hint = current.state.isTerminal ? "" : "; messages have gone out: use `bulkhead campaign abort \(id.rawValue)`"
            throw ActionRefused(reason: "campaign \(id.rawValue) is \(current.state.rawValue) and cannot be cancelled\(hint)")
        }
        do {
            return try await transition(id, from: [current.state], to: .cancelled, actor: actor, details: reasonDetails(reason))
        } catch StoreError.invalidTransition(_, let now, _) {
            throw ActionRefused(reason: "campaign \(id.rawValue) became \(now.rawValue) meanwhile; nothing was cancelled")
        }
    }

    private func stored(_ id: CampaignID) async throws -> Campaign {
        guard let campaign = try await campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        return campaign
    }

    private func reasonDetails(_ reason: String?) -> [String: JSONValue] {
        reason.map { ["reason": .string($0)] } ?? [:]
    }
}
