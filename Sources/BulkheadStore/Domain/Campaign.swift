public import BulkheadPolicy
public import Foundation

/// A campaign's life cycle, as `campaign show` spells it:
///
/// | state | entered by |
/// |---|---|
/// | `draft` | create |
/// | `scheduled` | `schedule --at` |
/// | `pending` | `send`, while the undo window runs (nothing sent yet) |
/// | `canary` | the window is over: the first wave goes out |
/// | `canary-hold` | the first wave is done; the brakes judge its outcomes |
/// | `sending` | the hold is over, or promoted |
/// | `paused` | pause, a brake, `stop --all`, an overdue schedule, Ctrl-C, a full disk under the store (``Campaign/pauseReason``) |
/// | `sent`, `cancelled`, `aborted` | terminal |
///
/// A `sent` campaign is reopened as `paused` only when failed or uncertain recipients are queued again
/// on purpose (`campaign retry-failed`, `campaign retry-uncertain`).
public enum CampaignState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Being written; the only editable state.
    case draft
    /// Waiting for its scheduled time.
    case scheduled
    /// Sent, but the undo window still runs: nothing has gone out; `cancel` ends it with 0 sent.
    case pending
    /// The first wave (seed addresses and a random sample) is going out.
    case canary
    /// The first wave is done; the brakes judge its outcomes before the rest goes.
    case canaryHold = "canary-hold"
    /// Workers may claim its recipients.
    case sending
    /// Stopped by an operator, a brake, an emergency stop, an overdue schedule or Ctrl-C; resumable.
    case paused
    /// Every recipient reached a final state (terminal, but for an explicit retry of failed or
    /// uncertain recipients, which reopens it as `paused`).
    case sent
    /// Called off before anything was sent (terminal).
    case cancelled
    /// Stopped for good after sending began (terminal).
    case aborted

    /// The states this state may move to.
    ///
    /// ```swift
    /// CampaignState.sending.allowedNextStates // [.paused, .sent, .aborted]
    /// ```
    public var allowedNextStates: Set<CampaignState> {
        switch self {
        case .draft: [.scheduled, .pending, .canary, .sending, .cancelled]
        case .scheduled: [.draft, .pending, .canary, .sending, .paused, .cancelled]
        case .pending: [.canary, .sending, .paused, .cancelled]
        case .canary: [.canaryHold, .paused, .sent, .aborted]
        case .canaryHold: [.sending, .paused, .aborted]
        case .sending: [.paused, .sent, .aborted]
        case .paused: [.pending, .canary, .canaryHold, .sending, .cancelled, .aborted]
        case .sent: [.paused]
        case .cancelled, .aborted: []
        }
    }

    /// Whether the move `self → next` is allowed.
    public func canTransition(to next: CampaignState) -> Bool {
        allowedNextStates.contains(next)
    }

    /// `sent`, `cancelled` and `aborted` are final: nothing is queued for them (a `sent` campaign moves
    /// on only through an explicit retry, which reopens it as `paused`).
    public var isTerminal: Bool { self == .sent || self == .cancelled || self == .aborted }

    /// The states an emergency stop (`bulkhead stop --all`) pauses: everything under way or about to be.
    public static let stoppable: Set<CampaignState> = [.pending, .canary, .canaryHold, .sending]
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
    /// Commercial (the default: opt-out and postal address required) or transactional.
    public var kind: CampaignKind
    /// The incident this campaign follows up (`bulkhead incident follow-up`), if any.
    public var followUpOf: CampaignID?

    /// Describes a campaign's content.
    public init(
        name: String, listID: ListID, segment: SegmentFilter? = nil, from: String, subjectTemplate: String,
        textTemplate: String, htmlTemplate: String? = nil, attachments: [AttachmentReference] = [],
        dkimKeyRef: String? = nil, scheduledAt: Date? = nil, kind: CampaignKind = .commercial, followUpOf: CampaignID? = nil
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
        self.kind = kind
        self.followUpOf = followUpOf
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
    /// Who created it (the author an approver must differ from).
    public var createdBy: String
    /// Why it is paused (`operator`, `interrupted`, `overdue`, `stop-all`, `brake:<metric>`, `storage-full`), nil unless paused.
    public var pauseReason: String?
    /// The state it was paused in, nil unless paused (`resume` goes back there).
    public var pausedFrom: CampaignState?
    /// When the current state's timer ends: the undo window in `pending`, the hold in `canary-hold`.
    public var stateDeadline: Date?
}
