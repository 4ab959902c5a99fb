public import Foundation

/// Whom a follow-up of an incident (`bulkhead incident follow-up`) can still reach: the recipients of
/// the original campaign who received it or may have (ledger `sent` or `uncertain`, or `sending`: in
/// flight, or left by a crashed run not yet recovered), minus those who
/// opted out since, minus those an earlier follow-up of the same incident already reached or is about to.
///
/// ```swift
/// let audience = try await store.followUpAudience(incident: id)
/// print("\(audience.remaining) of \(audience.reached) would get a follow-up; \(audience.optedOutSince) opted out since")
/// ```
public struct FollowUpAudience: Sendable, Hashable, Codable {
    /// Recipients of the original that received it or may have (`sent`, `uncertain` or `sending`).
    public var reached: Int
    /// Of those, the ones who opted out since: suppressed, or no longer a confirmed member of the list.
    public var optedOutSince: Int
    /// Of the others, the ones an earlier follow-up reached, may have reached, or still has queued
    /// (entries of a cancelled or aborted follow-up that were never sent do not count).
    public var alreadyFollowedUp: Int

    /// Describes an audience.
    public init(reached: Int, optedOutSince: Int, alreadyFollowedUp: Int) {
        self.reached = reached
        self.optedOutSince = optedOutSince
        self.alreadyFollowedUp = alreadyFollowedUp
    }

    /// Whom a new follow-up would queue now.
    public var remaining: Int { reached - optedOutSince - alreadyFollowedUp }
}

/// One minute of a campaign's delivery, by the time each outcome was recorded (the ledger entry's
/// last change): how many messages the server accepted, how many may or may not have arrived, how
/// many were refused for good.
public struct LedgerMinute: Sendable, Hashable, Codable {
    /// The minute's start (UTC, whole minutes).
    public var minute: Date
    /// `sent` entries whose outcome was recorded in this minute.
    public var delivered: Int
    /// `uncertain` entries that became so in this minute.
    public var uncertain: Int
    /// `failed` entries that became so in this minute.
    public var failed: Int

    /// Describes one minute.
    public init(minute: Date, delivered: Int = 0, uncertain: Int = 0, failed: Int = 0) {
        self.minute = minute
        self.delivered = delivered
        self.uncertain = uncertain
        self.failed = failed
    }
}

/// A campaign's delivery over time, aggregated by the database (memory grows with the minutes, not
/// with the recipients).
///
/// ```swift
/// let timeline = try await store.ledgerTimeline(campaign: id)
/// print(timeline.firstDelivery, timeline.lastDelivery, timeline.minutes.map(\.delivered).max() ?? 0)
/// ```
public struct LedgerTimeline: Sendable, Hashable, Codable {
    /// The minutes in which any outcome was recorded, oldest first (minutes without one are left out).
    public var minutes: [LedgerMinute]
    /// When the first `sent` outcome was recorded.
    public var firstDelivery: Date?
    /// When the last `sent` outcome was recorded.
    public var lastDelivery: Date?

    /// Describes a timeline.
    public init(minutes: [LedgerMinute], firstDelivery: Date?, lastDelivery: Date?) {
        self.minutes = minutes
        self.firstDelivery = firstDelivery
        self.lastDelivery = lastDelivery
    }
}

/// The members of a campaign's list that have no ledger entry for it, by their membership status
/// now: never mailed because they were not confirmed, were suppressed, were outside the segment, or
/// joined after the campaign was queued. Counted from the store as it is now, not as it was at the
/// enqueue (the store keeps no history of memberships).
public struct ExcludedMembers: Sendable, Hashable, Codable {
    /// Membership status → members with that status and no ledger entry.
    public var byStatus: [MembershipStatus: Int]
    /// Of the confirmed ones among them, those whose address is suppressed.
    public var suppressedConfirmed: Int

    /// Describes the excluded members.
    public init(byStatus: [MembershipStatus: Int], suppressedConfirmed: Int) {
        self.byStatus = byStatus
        self.suppressedConfirmed = suppressedConfirmed
    }

    /// All of them.
    public var total: Int { byStatus.values.reduce(0, +) }
}
