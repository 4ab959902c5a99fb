public import BulkheadPolicy
public import BulkheadStore
import Foundation

/// Starts, resumes and promotes campaigns through their staged send: the canary wave (the list's seed
/// addresses and a random sample), its hold while the brakes judge, then the rest.
///
/// ```swift
/// let launch = CampaignLaunch(store: store, canary: CanaryRule(), holdSeconds: 600, brakes: brakes, clock: clock)
/// let campaign = try await launch.launch(id, actor: .human("ann"))   // canary, or sending when small
/// _ = try await launch.promote(id, actor: .human("ann"))             // canary-hold → sending now
/// ```
public struct CampaignLaunch: Sendable {
    public let store: any MailStore
    public let canary: CanaryRule
    /// How long the brakes judge the canary's outcomes before the rest goes.
    public let holdSeconds: Int
    /// The brakes judged during the hold (nil: none).
    public let brakes: CampaignBrakes?
    public let clock: any BulkheadClock

    public init(store: any MailStore, canary: CanaryRule, holdSeconds: Int, brakes: CampaignBrakes?, clock: any BulkheadClock) {
        self.store = store
        self.canary = canary
        self.holdSeconds = holdSeconds
        self.brakes = brakes
        self.clock = clock
    }

    /// The states a campaign is launched from (and a `paused` one paused in one of them).
    public static let launchable: Set<CampaignState> = [.draft, .scheduled, .pending]

    /// Starts a campaign whose recipients are queued: to `canary` with the seeds and a random sample,
    /// or to `sending` when the audience is smaller than twice the canary minimum or the canary is off
    /// (audited, with `details` added). `--force` has no say here: nothing skips the canary.
    public func launch(_ id: CampaignID, actor: AuditActor, details: [String: JSONValue] = [:]) async throws -> Campaign {
        try await store.beginSending(id, from: Self.launchable, canary: canary, actor: actor, details: details)
    }

    /// Resumes a paused campaign where it was paused: one paused before it started is launched; one
    /// paused in `canary` goes back to it; in `canary-hold`, a fresh hold begins; otherwise `sending`.
    public func resume(_ id: CampaignID, actor: AuditActor, details: [String: JSONValue] = [:]) async throws -> Campaign {
        guard let campaign = try await store.campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        guard campaign.state == .paused else { throw StoreError.invalidTransition(campaign: id, current: campaign.state, to: .sending) }
        switch campaign.pausedFrom {
        case .some(let state) where Self.launchable.contains(state):
            return try await launch(id, actor: actor, details: details)
        case .canary:
            return try await store.transition(id, from: [.paused], to: .canary, actor: actor, details: details)
        case .canaryHold:
            return try await store.transition(
                id, from: [.paused], to: .canaryHold, actor: actor, details: details, deadline: holdEnd())
        default:
            return try await store.transition(id, from: [.paused], to: .sending, actor: actor, details: details)
        }
    }

    /// `canary-hold` → `sending` at once (audited): the operator judged the canary.
    public func promote(_ id: CampaignID, actor: AuditActor) async throws -> Campaign {
        try await store.transition(id, from: [.canaryHold], to: .sending, actor: actor, details: ["reason": "promoted"])
    }

    /// The canary wave is over (`canary` → `canary-hold`, the hold ending `holdSeconds` from now).
    public func hold(_ id: CampaignID, details: [String: JSONValue] = [:]) async throws -> Campaign {
        try await store.transition(id, from: [.canary], to: .canaryHold, actor: .system, details: details, deadline: holdEnd())
    }

    /// One look at a campaign in `canary-hold`: its brakes judge (and may pause it); when its deadline
    /// passed, it moves to `sending`. Returns the campaign as it is afterwards (any state). The deadline
    /// is in the store: a crash during the hold changes nothing, and whoever looks next goes on.
    public func advanceHold(_ id: CampaignID) async throws -> Campaign {
        if let brakes { try await brakes.check(id) }
        guard let campaign = try await store.campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        guard campaign.state == .canaryHold, (campaign.stateDeadline ?? .distantPast) <= clock.date else { return campaign }
        do {
            return try await store.transition(id, from: [.canaryHold], to: .sending, actor: .system, details: ["reason": "hold over"])
        } catch StoreError.invalidTransition {
            // Promoted, paused or aborted meanwhile.
            return try await store.campaign(id: id) ?? campaign
        }
    }

    private func holdEnd() -> Date { clock.date.addingTimeInterval(TimeInterval(holdSeconds)) }
}
