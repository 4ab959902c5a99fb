public import Foundation

/// The delivery state of one recipient of one campaign.
///
/// `queued → sending → sent | deferred | failed | uncertain`; `deferred → sending` when due;
/// `uncertain → queued` only on an explicit ``MailStore/requeueUncertain(campaign:actor:)``;
/// `queued | deferred → suppressed` when the person opted out after the entry was queued.
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
    /// Not sent: when the entry came due, the address was on the suppression list or no longer a
    /// confirmed member of the campaign's list (final; the reason is in the reply text).
    case suppressed
}

/// Which wave of a staged send a ledger entry belongs to: the canary (the list's seed addresses and a
/// random sample, sent first) or the rest (sent once the canary's hold is over or it was promoted).
public enum LedgerWave: String, Sendable, Hashable, Codable, CaseIterable {
    /// The first wave: claimed while the campaign is `canary`.
    case canary
    /// Everyone else: claimed only once the campaign is `sending`.
    case rest
}

/// An SMTP reply as recorded in the ledger.
public struct SMTPReplyRecord: Sendable, Hashable, Codable {
    /// The three-digit code.
    public var code: Int
    /// The reply text (lines joined by a space).
    public var text: String

    /// Describes a reply. A NUL in the text (a server may send one) is kept as the two characters
    /// `\0`: the store keeps no NUL, and an outcome must never be lost for it.
    public init(code: Int, text: String) {
        self.code = code
        self.text = text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\\0") : text
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
    /// The wave it goes out in.
    public var wave: LedgerWave = .rest
    /// A seed address of the list (not a member): the claim lets it through without a membership, but
    /// never past the suppression list.
    public var isSeed = false
    /// The bounce that came back for it, if any (a hard one wins over a soft one).
    public var bounce: LedgerBounce?
}

/// What happened to one claimed entry, reported to ``MailStore/complete(_:)``.
public struct LedgerOutcome: Sendable, Hashable {
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
    /// A permanent rejection at send (a 5xx reply to RCPT or DATA): the outcome feeds the campaign's
    /// `rejection` brake. Only meaningful with ``Result/failed(_:)``.
    public var rejected: Bool
    /// The suppression a hard bounce adds, written in the same transaction as the outcome (so a
    /// crash can never keep the outcome and lose the suppression).
    public var suppression: Suppression?

    /// Describes the outcome of one claimed entry.
    public init(entry: LedgerEntry, result: Result, rejected: Bool = false, suppression: Suppression? = nil) {
        self.init(entryID: entry.id, attempt: entry.attempts, result: result, rejected: rejected, suppression: suppression)
    }

    /// Describes the outcome of the claim `attempt` of entry `entryID`.
    public init(entryID: LedgerEntryID, attempt: Int, result: Result, rejected: Bool = false, suppression: Suppression? = nil) {
        self.entryID = entryID
        self.attempt = attempt
        self.result = result
        self.rejected = rejected
        self.suppression = suppression
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

/// One claim of a ledger entry: the entry and the attempt number the claim gave it.
public struct EntryAttempt: Sendable, Hashable {
    /// The entry.
    public var id: LedgerEntryID
    /// The attempt number of that claim.
    public var attempt: Int

    /// Describes a claim.
    public init(id: LedgerEntryID, attempt: Int) {
        self.id = id
        self.attempt = attempt
    }
}

/// What a crashed worker's in-flight journal says about the entries it held `sending` (see
/// ``MailStore/recoverInterrupted(campaign:worker:evidence:)``). The journal is written without fsync:
/// it survives a process crash, not an OS crash, so it is only used from the same boot.
///
/// ```swift
/// let evidence = InterruptedRunEvidence(started: [EntryAttempt(id: id, attempt: 1)], finished: [])
/// let counts = try await store.recoverInterrupted(campaign: campaign, worker: "web1:812:k3x", evidence: evidence)
/// ```
public struct InterruptedRunEvidence: Sendable, Hashable {
    /// Claims whose message was handed to the transport (and not handed back unsent).
    public var started: Set<EntryAttempt>
    /// Outcomes the worker learnt but had not written to the ledger.
    public var finished: [LedgerOutcome]

    /// Describes the journal's contents.
    public init(started: Set<EntryAttempt>, finished: [LedgerOutcome]) {
        self.started = started
        self.finished = finished
    }
}

/// What a recovery did with a dead worker's `sending` entries.
public struct RecoveryCounts: Sendable, Hashable, Codable {
    /// Never handed to the transport: queued again, attempt count restored.
    public var requeued: Int
    /// Their outcome was in the journal and is now recorded (a 250 becomes `sent`).
    public var completed: Int
    /// Possibly delivered: `uncertain`, never re-sent without an explicit command.
    public var uncertain: Int

    /// Describes a recovery.
    public init(requeued: Int = 0, completed: Int = 0, uncertain: Int = 0) {
        self.requeued = requeued
        self.completed = completed
        self.uncertain = uncertain
    }
}
