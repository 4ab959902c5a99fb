public import Foundation

/// A campaign's life cycle: `draft → scheduled → sending ⇄ paused → sent | aborted`; a `sent`
/// campaign is reopened as `paused` only when failed or uncertain recipients are queued again on
/// purpose (`campaign retry-failed`, `campaign retry-uncertain`).
public enum CampaignState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Being written; the only editable state.
    case draft
    /// Waiting for its scheduled time.
    case scheduled
    /// Workers may claim its recipients.
    case sending
    /// Stopped by an operator; resumable.
    case paused
    /// Every recipient reached a final state (terminal, but for an explicit retry of failed or
    /// uncertain recipients, which reopens it as `paused`).
    case sent
    /// Stopped for good (terminal).
    case aborted

    /// The states this state may move to.
    ///
    /// ```swift
    /// CampaignState.sending.allowedNextStates // [.paused, .sent, .aborted]
    /// ```
    public var allowedNextStates: Set<CampaignState> {
        switch self {
        case .draft: [.scheduled, .sending, .aborted]
        case .scheduled: [.draft, .sending, .aborted]
        case .sending: [.paused, .sent, .aborted]
        case .paused: [.sending, .aborted]
        case .sent: [.paused]
        case .aborted: []
        }
    }

    /// Whether the move `self → next` is allowed.
    public func canTransition(to next: CampaignState) -> Bool {
        allowedNextStates.contains(next)
    }

    /// `sent` and `aborted` are final: nothing is queued for them (a `sent` campaign moves on only
    /// through an explicit retry, which reopens it as `paused`).
    public var isTerminal: Bool { self == .sent || self == .aborted }
}

/// Which subscribers of the list a campaign goes to: all of the list's confirmed, non-suppressed
/// members whose string attributes equal the given values (empty: everyone).
public struct SegmentFilter: Sendable, Hashable, Codable {
    /// Attribute name → required string value. Names may not contain `"` or `\`.
    public var attributeEquals: [String: String]

    /// Describes a filter.
    public init(attributeEquals: [String: String]) {
        self.attributeEquals = attributeEquals
    }
}

/// The editable content of a campaign.
public struct CampaignContent: Sendable, Hashable, Codable {
    /// The operator's name for it.
    public var name: String
    /// The list it goes to.
    public var listID: ListID
    /// An optional segment of that list.
    public var segment: SegmentFilter?
    /// The `From:` address (display name included), as written.
    public var from: String
    /// The subject template.
    public var subjectTemplate: String
    /// The plain-text body template.
    public var textTemplate: String
    /// The HTML body template, if any.
    public var htmlTemplate: String?
    /// The attachment files, each with the digest of its content at creation.
    public var attachments: [AttachmentReference]
    /// The DKIM key to sign with (a key reference, never the key itself).
    public var dkimKeyRef: String?
    /// When to start sending (used by the `scheduled` state).
    public var scheduledAt: Date?

    /// Describes a campaign's content.
    public init(
        name: String, listID: ListID, segment: SegmentFilter? = nil, from: String, subjectTemplate: String,
        textTemplate: String, htmlTemplate: String? = nil, attachments: [AttachmentReference] = [],
        dkimKeyRef: String? = nil, scheduledAt: Date? = nil
    ) {
        self.name = name
        self.listID = listID
        self.segment = segment
        self.from = from
        self.subjectTemplate = subjectTemplate
        self.textTemplate = textTemplate
        self.htmlTemplate = htmlTemplate
        self.attachments = attachments
        self.dkimKeyRef = dkimKeyRef
        self.scheduledAt = scheduledAt
    }
}

/// A stored campaign.
public struct Campaign: Sendable, Hashable, Codable, Identifiable {
    /// The campaign's key.
    public var id: CampaignID
    /// Its content.
    public var content: CampaignContent
    /// Its state.
    public var state: CampaignState
    /// When it was created.
    public var createdAt: Date
    /// When content or state last changed.
    public var updatedAt: Date
}
