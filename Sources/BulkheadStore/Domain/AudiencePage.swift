/// One page of a campaign's audience, as a send would queue it now, and where the next page starts.
///
/// The position is the store's own: a list member's key for a list campaign, the original's ledger
/// entry for a follow-up (whose audience is read from its incident's ledger).
///
/// ```swift
/// var page = try await store.audienceMembers(campaign: id, after: nil, limit: 2_000)
/// while true {
///     for subscriber in page.members { check(subscriber) }
///     guard let next = page.next else { break }
///     page = try await store.audienceMembers(campaign: id, after: next, limit: 2_000)
/// }
/// ```
public struct AudiencePage: Sendable {
    /// Where a page ends: pass it as `after` to read the following one.
    public struct Position: Sendable, Hashable {
        let key: Int64
    }

    /// The subscribers of this page, in the store's order.
    public var members: [Subscriber]
    /// Where the following page starts, or nil when this page was the last.
    public var next: Position?
}
