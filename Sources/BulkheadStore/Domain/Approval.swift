public import Foundation

/// Who a campaign goes to, as an approval binds it: the list and the segment (the eligible count is
/// kept beside it, see ``CampaignApproval/eligible``).
public struct AudienceDefinition: Sendable, Hashable, Codable {
    /// The list.
    public var listID: ListID
    /// The segment, nil for the whole list.
    public var segment: SegmentFilter?

    /// Describes an audience.
    public init(listID: ListID, segment: SegmentFilter?) {
        self.listID = listID
        self.segment = segment
    }

    /// The audience of a campaign's content.
    public init(_ content: CampaignContent) {
        self.init(listID: content.listID, segment: content.segment)
    }
}

/// A second person's decision on a campaign (`bulkhead campaign approve|reject ID`).
public enum ApprovalDecision: String, Sendable, Hashable, Codable, CaseIterable {
    case approve, reject
}

/// A decision to record: what the approver saw. The store adds who, when, and which overrides it covers.
///
/// ```swift
/// let approval = try await store.recordApproval(
///     campaign: id,
///     NewApproval(decision: .approve, comment: "ok", fingerprint: print, audience: AudienceDefinition(campaign.content), eligible: 740),
///     actor: .person(user: "bob", osUser: "bob"))
/// ```
public struct NewApproval: Sendable, Hashable {
    public var decision: ApprovalDecision
    /// The approver's comment, if any.
    public var comment: String?
    /// The content fingerprint (the engine's `CampaignFingerprint`) at the decision.
    public var fingerprint: String
    /// The audience definition at the decision.
    public var audience: AudienceDefinition
    /// The eligible count at the decision (``MailStore/audience(campaign:)``).
    public var eligible: Int

    /// Describes a decision.
    public init(decision: ApprovalDecision, comment: String?, fingerprint: String, audience: AudienceDefinition, eligible: Int) {
        self.decision = decision
        self.comment = comment
        self.fingerprint = fingerprint
        self.audience = audience
        self.eligible = eligible
    }
}

/// A recorded decision. The latest one of a campaign counts; older ones stay as history.
public struct CampaignApproval: Sendable, Hashable, Codable, Identifiable {
    /// Increasing key.
    public var id: Int64
    public var campaignID: CampaignID
    public var decision: ApprovalDecision
    /// The user who decided.
    public var by: String
    public var at: Date
    public var comment: String?
    /// The content fingerprint it binds to.
    public var fingerprint: String
    /// The audience definition it binds to.
    public var audience: AudienceDefinition
    /// The eligible count at the decision.
    public var eligible: Int
    /// The key of the campaign's newest override when the decision was made (0: none): an override
    /// requested after it is not covered, and voids an approval.
    public var overridesThrough: Int64

    /// Describes a stored decision.
    public init(
        id: Int64, campaignID: CampaignID, decision: ApprovalDecision, by: String, at: Date, comment: String?,
        fingerprint: String, audience: AudienceDefinition, eligible: Int, overridesThrough: Int64
    ) {
        self.id = id
        self.campaignID = campaignID
        self.decision = decision
        self.by = by
        self.at = at
        self.comment = comment
        self.fingerprint = fingerprint
        self.audience = audience
        self.eligible = eligible
        self.overridesThrough = overridesThrough
    }
}

/// A request to turn one `error` finding into an `approval` finding (`send --override CODE --reason
/// TEXT`): a second person must then approve the campaign with the override on record.
public struct OverrideRequest: Sendable, Hashable, Codable, Identifiable {
    /// Increasing key (compared with ``CampaignApproval/overridesThrough``).
    public var id: Int64
    public var campaignID: CampaignID
    /// The finding's code (`unsubscribe.missing`, …).
    public var code: String
    /// Why, in the requester's words.
    public var reason: String
    /// Who asked.
    public var by: String
    public var at: Date

    /// Describes a stored override request.
    public init(id: Int64, campaignID: CampaignID, code: String, reason: String, by: String, at: Date) {
        self.id = id
        self.campaignID = campaignID
        self.code = code
        self.reason = reason
        self.by = by
        self.at = at
    }
}
