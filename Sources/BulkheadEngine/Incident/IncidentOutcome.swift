public import BulkheadStore

/// What became of one recipient of a campaign, as an incident report says it (the `outcome` column
/// of `incident report --recipients`).
///
/// | ledger state | outcome |
/// |---|---|
/// | `sent` | `delivered` (the server answered 250) |
/// | `uncertain`, `sending` | `uncertain`: may or may not have arrived (an entry still `sending` is in flight, or was left by a run that crashed and is not yet recovered) |
/// | `queued`, `deferred` | `not-sent` (stopped, cancelled or not yet sent) |
/// | `suppressed` | `suppressed`: opted out before it was due, not sent |
/// | `failed` | `failed` (refused for good) |
///
/// A `sent` entry whose message came back as a bounce that means it was not delivered (hard,
/// expired, or the message refused: ``IncidentOutcome/bouncedKinds``) is `bounced`. A soft bounce
/// (a delay warning, a full mailbox) leaves it `delivered`: the DSN does not say the MTA gave up.
///
/// ```swift
/// IncidentOutcome(entry)   // .delivered for a sent entry, .bounced once its hard bounce came back
/// ```
public enum IncidentOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    case delivered
    case uncertain
    case notSent = "not-sent"
    case suppressed
    case bounced
    case failed

    /// The outcome of a ledger state.
    public init(_ state: LedgerState) {
        switch state {
        case .sent: self = .delivered
        case .uncertain, .sending: self = .uncertain
        case .queued, .deferred: self = .notSent
        case .suppressed: self = .suppressed
        case .failed: self = .failed
        }
    }

    /// The bounce kinds that make a sent entry `bounced`.
    public static let bouncedKinds: Set<BounceKind> = [.hard, .expired, .rejectedMessage]

    /// The outcome of a ledger entry: its state's, or `bounced` (see the table).
    public init(_ entry: LedgerEntry) {
        if entry.state == .sent, let kind = entry.bounce?.kind, Self.bouncedKinds.contains(kind) {
            self = .bounced
        } else {
            self.init(entry.state)
        }
    }

    /// Whether the recipient received the message or may have (a follow-up goes to them).
    public var mayHaveArrived: Bool { self == .delivered || self == .uncertain }
}
