public import BulkheadStore
public import Foundation

/// Where a campaign stands with its second person, judged from the latest decision against the
/// campaign as it is now. A pure decision: ``decide(latest:fingerprint:audience:eligible:overrides:)``.
///
/// ```swift
/// let status = ApprovalStatus.decide(
///     latest: approvals.last, fingerprint: current, audience: AudienceDefinition(campaign.content),
///     eligible: 812, overrides: overrides)
/// if !status.isApproved { print(status) }   // "approval voided: the audience grew by 10 % or more (from 700 to 812)"
/// ```
public enum ApprovalStatus: Sendable, Hashable, CustomStringConvertible {
    /// Approved, and nothing it binds to changed since.
    case approved(by: String, at: Date, comment: String?)
    /// Nobody decided yet.
    case missing
    /// The latest decision was a rejection.
    case rejected(by: String, at: Date, comment: String?)
    /// Approved, but something it binds to changed since: it no longer counts.
    case voided(by: String, at: Date, reason: VoidReason)

    /// What changed since an approval.
    public enum VoidReason: Sendable, Hashable, CustomStringConvertible {
        /// The subject, a body, an attachment, the From, the kind or the DKIM key changed.
        case contentChanged
        /// The list or the segment is another one.
        case audienceChanged
        /// The eligible count grew by 10 % or more.
        case audienceGrew(from: Int, to: Int)
        /// An override was requested after the approval (it did not cover it).
        case overrideAdded(code: String)
        /// The approver's user was disabled since.
        case approverDisabled

        public var description: String {
            switch self {
            case .contentChanged: "the content changed (subject, bodies, attachments, From or DKIM key)"
            case .audienceChanged: "the list or segment changed"
            case .audienceGrew(let from, let to): "the audience grew by 10 % or more (from \(from) to \(to))"
            case .overrideAdded(let code): "the override \(code) was requested after it"
            case .approverDisabled: "the approver's user has been disabled since"
            }
        }
    }

    /// Only ``approved(by:at:comment:)`` lets a send that needs approval go.
    public var isApproved: Bool {
        if case .approved = self { true } else { false }
    }

    /// One line for people.
    public var description: String {
        switch self {
        case .approved(let by, let at, let comment):
            "approved by \(by) at \(at.formatted(.iso8601))" + (comment.map { ": \($0)" } ?? "")
        case .missing: "not approved yet"
        case .rejected(let by, let at, let comment):
            "rejected by \(by) at \(at.formatted(.iso8601))" + (comment.map { ": \($0)" } ?? "")
        case .voided(let by, let at, let reason):
            "the approval by \(by) at \(at.formatted(.iso8601)) no longer counts: \(reason)"
        }
    }

    /// Whether `eligible` is at least 10 % more than `approved` (any growth from 0 counts).
    public static func grewTooMuch(from approved: Int, to eligible: Int) -> Bool {
        eligible > approved && Int64(eligible) * 10 >= Int64(approved) * 11
    }

    /// The status given the latest decision and the campaign now: its content fingerprint, its audience
    /// definition and eligible count, and its override requests.
    public static func decide(
        latest: CampaignApproval?, fingerprint: String, audience: AudienceDefinition, eligible: Int, overrides: [OverrideRequest]
    ) -> ApprovalStatus {
        guard let latest else { return .missing }
        switch latest.decision {
        case .reject:
            return .rejected(by: latest.by, at: latest.at, comment: latest.comment)
        case .approve:
            let void = { (reason: VoidReason) in ApprovalStatus.voided(by: latest.by, at: latest.at, reason: reason) }
            if latest.fingerprint != fingerprint { return void(.contentChanged) }
            if latest.audience != audience { return void(.audienceChanged) }
            if grewTooMuch(from: latest.eligible, to: eligible) { return void(.audienceGrew(from: latest.eligible, to: eligible)) }
            if let late = overrides.first(where: { $0.id > latest.overridesThrough }) { return void(.overrideAdded(code: late.code)) }
            return .approved(by: latest.by, at: latest.at, comment: latest.comment)
        }
    }
}
