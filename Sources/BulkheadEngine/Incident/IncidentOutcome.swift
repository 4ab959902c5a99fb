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
/// `bounced` (accepted, then bounced back) needs the inbound bounce processing of a later issue:
/// until the ledger records bounces, no recipient is `bounced` and its count stays 0.
///
/// ```swift
/// IncidentOutcome(entry.state)   // .delivered for a sent entry
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

    /// Whether the recipient received the message or may have (a follow-up goes to them).
    public var mayHaveArrived: Bool { self == .delivered || self == .uncertain }
}
