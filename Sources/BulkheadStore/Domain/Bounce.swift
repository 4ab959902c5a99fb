public import Foundation

/// How a bounce that came back counts for its address (the DSN's ``BulkheadMail/BounceClass``, as the
/// store keeps it).
public enum BounceKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The address does not exist or is disabled: suppressed at once.
    case hard
    /// A temporary failure or a full mailbox: counts toward the soft-bounce limit.
    case soft
    /// The sending MTA gave up after its queue lifetime: counts like a soft bounce.
    case expired
    /// The receiver refused this message (size, content, policy), not the address: recorded, never
    /// suppresses.
    case rejectedMessage = "rejected-message"
}

/// One bounce for one ledger entry, found by the VERP token of the address it came back to.
///
/// ```swift
/// let bounce = InboundBounce(verpToken: token, kind: .hard, status: "5.1.1", diagnostic: "smtp; 550 5.1.1 unknown", at: now, source: "dsn")
/// let result = try await store.recordBounce(bounce, softLimit: SoftBounceLimit(count: 3, days: 14))
/// ```
public struct InboundBounce: Sendable, Hashable {
    public var verpToken: String
    public var kind: BounceKind
    /// The enhanced status code (`5.1.1`).
    public var status: String
    /// The diagnostic text (`smtp; 550 5.1.1 …`), if any.
    public var diagnostic: String?
    public var at: Date
    /// Where it came from (`dsn`), kept with the suppression it may cause.
    public var source: String

    public init(verpToken: String, kind: BounceKind, status: String, diagnostic: String?, at: Date, source: String) {
        self.verpToken = verpToken
        self.kind = kind
        self.status = status
        self.diagnostic = diagnostic
        self.at = at
        self.source = source
    }
}

/// Soft bounces (and expiries) of one address that suppress it: `count` within `days` (`bounces.soft_limit`,
/// `bounces.soft_days`).
public struct SoftBounceLimit: Sendable, Hashable {
    public var count: Int
    public var days: Int

    public init(count: Int = 3, days: Int = 14) {
        self.count = count
        self.days = days
    }
}

/// What recording a bounce or a complaint did.
public struct InboundEventResult: Sendable, Hashable {
    /// The ledger entry the VERP token names.
    public var entry: LedgerEntry
    /// The subscriber of that address, if there is one (for consent and brakes).
    public var subscriberID: SubscriberID
    /// True when this event put the address on the suppression list.
    public var suppressed: Bool
}

/// A bounce recorded on a ledger entry (the entry's state stays what delivery made it: a message
/// accepted and then bounced is `sent` with a bounce).
public struct LedgerBounce: Sendable, Hashable, Codable {
    public var kind: BounceKind
    public var status: String
    public var diagnostic: String?
    public var at: Date
}
