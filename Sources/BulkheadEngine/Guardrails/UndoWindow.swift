public import BulkheadStore
import Foundation

/// The undo window: after `send`, a campaign waits in `pending` until its deadline (nothing has been
/// sent; `campaign cancel` ends it with 0 sent). The deadline is in the store, so a crash of the
/// waiting process changes nothing: `serve` (or `resume`) starts the campaign once it has passed.
///
/// ```swift
/// let window = UndoWindow(store: store, clock: clock)
/// switch try await window.wait(for: id) { remaining in show(remaining) } {
/// case .elapsed: // start sending
/// case .left(let campaign): print("campaign is now \(campaign.state)")
/// }
/// ```
public struct UndoWindow: Sendable {
    /// How the wait ended.
    public enum Ending: Sendable, Hashable {
        /// The deadline passed with the campaign still `pending`.
        case elapsed
        /// The campaign left `pending` first (cancelled, paused, or started by another process).
        case left(Campaign)
    }

    let store: any MailStore
    let clock: any BulkheadClock
    /// How often the campaign's state is read while waiting.
    let poll: Duration

    /// A window over `store`, timed by `clock`, reading the campaign's state every `poll`.
    public init(store: any MailStore, clock: any BulkheadClock, poll: Duration = .seconds(1)) {
        self.store = store
        self.clock = clock
        self.poll = poll
    }

    /// Waits until the `pending` campaign's deadline, calling `tick` with the time left after each
    /// look at its state; returns early when it leaves `pending`.
    public func wait(for id: CampaignID, tick: @Sendable (Duration) -> Void = { _ in }) async throws -> Ending {
        while true {
            guard let campaign = try await store.campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
            guard campaign.state == .pending else { return .left(campaign) }
            let deadline = campaign.stateDeadline.map(WallTime.init) ?? clock.now
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { return .elapsed }
            tick(remaining)
            try await clock.sleep(for: min(poll, remaining))
        }
    }
}
