public import Foundation

/// The delivery state of one recipient of one campaign.
///
/// `queued → sending → sent | deferred | failed | uncertain`; `deferred → sending` when due;
/// `uncertain → queued` only on an explicit ``MailStore/requeueUncertain(campaign:actor:)``.
public enum LedgerState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting to be claimed.
    case queued
    /// Claimed by a worker, handed to SMTP; the outcome is not known yet.
    case sending
    /// The server answered 250 to DATA (final).
    case sent
    /// A temporary failure; claimable again at `nextAttemptAt`.
    case deferred
    /// A permanent failure (final).
    case failed
    /// It may or may not have been delivered (a crash or a dropped connection during DATA);
    /// never re-sent without an explicit command.
    case uncertain
}

/// An SMTP reply as recorded in the ledger.
public struct SMTPReplyRecord: Sendable, Hashable, Codable {
    /// The three-digit code.
    public var code: Int
    /// The reply text (lines joined by a space).
    public var text: String

    /// Describes a reply.
    public init(code: Int, text: String) {
        self.code = code
        self.text = text
    }
}

/// One recipient of one campaign.
public struct LedgerEntry: Sendable, Hashable, Codable, Identifiable {
    /// The entry's key.
    public var id: LedgerEntryID
    /// The campaign.
    public var campaignID: CampaignID
    /// The recipient's normalised address (one entry per address and campaign).
    public var address: NormalizedAddress
    /// The subscriber it was queued for.
    public var subscriberID: SubscriberID
    /// The delivery state.
    public var state: LedgerState
    /// How many times it was claimed (each claim is one attempt).
    public var attempts: Int
    /// When a deferred entry is due again.
    public var nextAttemptAt: Date?
    /// The last SMTP reply, if any.
    public var lastReply: SMTPReplyRecord?
    /// The worker that last claimed it.
    public var claimedBy: String?
    /// When the entry last changed.
    public var updatedAt: Date
    /// The per-recipient token used in the VERP return path (unique across campaigns).
    public var verpToken: String
}

/// What happened to one claimed entry, reported to ``MailStore/complete(_:)``.
public struct DeliveryOutcome: Sendable, Hashable {
    /// What the SMTP exchange ended in.
    public enum Result: Sendable, Hashable {
        /// 250 after DATA.
        case sent(SMTPReplyRecord)
        /// A temporary failure; try again at the given time.
        case deferred(until: Date, SMTPReplyRecord?)
        /// A permanent failure.
        case failed(SMTPReplyRecord?)
        /// Unknown whether it was delivered (e.g. the connection dropped after the final dot).
        case uncertain(SMTPReplyRecord?)
    }

    /// The entry, as returned by ``MailStore/claim(campaign:worker:limit:)``.
    public var entryID: LedgerEntryID
    /// The attempt number the claim returned: an outcome for an older attempt is ignored.
    public var attempt: Int
    /// The result.
    public var result: Result

    /// Describes the outcome of one claimed entry.
    public init(entry: LedgerEntry, result: Result) {
        self.entryID = entry.id
        self.attempt = entry.attempts
        self.result = result
    }
}

/// How many ledger entries of a campaign are in each state (missing states count zero).
public struct LedgerCounts: Sendable, Hashable, Codable {
    /// State → count.
    public var byState: [LedgerState: Int]

    /// The count for one state.
    public subscript(state: LedgerState) -> Int { byState[state] ?? 0 }

    /// All entries.
    public var total: Int { byState.values.reduce(0, +) }
}

/// Which ledger entries to return (keyset paging by entry id).
public struct LedgerQuery: Sendable, Hashable {
    /// The campaign.
    public var campaignID: CampaignID
    /// Only these states (nil: all).
    public var states: Set<LedgerState>?
    /// Only entries with a key greater than this.
    public var afterID: LedgerEntryID?
    /// At most this many entries.
    public var limit: Int

    /// Describes a query.
    public init(campaignID: CampaignID, states: Set<LedgerState>? = nil, afterID: LedgerEntryID? = nil, limit: Int = 1000) {
        self.campaignID = campaignID
        self.states = states
        self.afterID = afterID
        self.limit = limit
    }
}
