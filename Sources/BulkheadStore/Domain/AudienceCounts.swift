/// Who of a campaign's list (and segment) a send would reach now, and why the others are left out
/// (guardrail rule 6: only confirmed members with a consent record, not suppressed, are eligible).
///
/// ```swift
/// let audience = try await store.audience(campaign: id)
/// print(audience.eligible, audience.excluded[.unsubscribed])
/// ```
public struct AudienceCounts: Sendable, Hashable, Codable {
    /// Why a member is not eligible, most decisive first: a member who is both unsubscribed and
    /// suppressed counts once, as unsubscribed.
    public enum Exclusion: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
        /// Signed up but never confirmed.
        case unconfirmed
        /// Withdrew consent from this list.
        case unsubscribed
        /// On the global suppression list (bounced, complained, manual).
        case suppressed
        /// Confirmed, but no consent record for this list is stored.
        case noConsentRecord = "no-consent-record"

        public static func < (lhs: Self, rhs: Self) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Members a send would queue now.
    public var eligible: Int
    /// Members left out, by reason (absent reasons are 0).
    public var excluded: [Exclusion: Int]

    /// Describes an audience.
    public init(eligible: Int, excluded: [Exclusion: Int]) {
        self.eligible = eligible
        self.excluded = excluded
    }

    /// All members left out.
    public var excludedTotal: Int { excluded.values.reduce(0, +) }
}
