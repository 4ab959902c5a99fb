public import Foundation

/// A snapshot of a delivery run, reported after every batch of outcomes is written.
public struct DeliveryProgress: Sendable, Hashable, Codable {
    /// Entries of the campaign in the ledger.
    public var total: Int
    /// Outcomes recorded by this run so far.
    public var sent: Int
    public var deferred: Int
    public var failed: Int
    public var uncertain: Int
    /// Messages per second over this run.
    public var rate: Double
    /// Seconds left at the current rate for the entries still queued, if known.
    public var etaSeconds: Double?

    public init(total: Int, sent: Int = 0, deferred: Int = 0, failed: Int = 0, uncertain: Int = 0, rate: Double = 0, etaSeconds: Double? = nil) {
        self.total = total
        self.sent = sent
        self.deferred = deferred
        self.failed = failed
        self.uncertain = uncertain
        self.rate = rate
        self.etaSeconds = etaSeconds
    }

    /// Outcomes recorded by this run.
    public var done: Int { sent + deferred + failed + uncertain }
}

/// What one delivery run did, for the CLI and the audit log.
public struct DeliveryRunSummary: Sendable, Hashable, Codable {
    public enum Ending: String, Sendable, Hashable, Codable {
        /// Nothing was left to send: the campaign is now `sent`.
        case finished
        /// Only deferred entries remain, due later.
        case waitingForRetries = "waiting-for-retries"
        /// The upstream cannot be reached (its circuit breaker is open): the rest stays queued, no
        /// attempt charged; `nextRetryAt` is when the breaker lets a connection be tried again.
        case upstreamDown = "upstream-down"
        /// The campaign was paused (or aborted) while this run was sending.
        case paused
        case aborted
        /// Nothing is due here, but another worker still holds entries in flight.
        case otherWorkersSending = "other-workers-sending"
        /// The campaign was not `sending` when the run started.
        case notSending = "not-sending"
        /// The canary wave is out and its hold runs until `nextRetryAt` (a later look goes on then).
        case canaryHold = "canary-hold"
    }

    public var ending: Ending
    public var progress: DeliveryProgress
    /// Claimed entries given back unattempted because of a pause or abort.
    public var released: Int
    /// Messages whose outcome came after the pause or abort (the ones already in flight).
    public var completedAfterStop: Int
    /// Entries of crashed earlier runs turned `uncertain` when this run started.
    public var recoveredUncertain: Int
    /// Entries of crashed earlier runs that their in-flight journal showed were never started: queued again.
    public var recoveredRequeued = 0
    /// Entries of crashed earlier runs whose outcome (a 250…) was in their in-flight journal: now recorded.
    public var recoveredCompleted = 0
    /// When the next deferred entry is due, if any remain (for `canary-hold`: when the hold ends).
    public var nextRetryAt: Date?
    /// Why the campaign is paused (`operator`, `interrupted`, `brake:<metric>`…), when the run ended paused.
    public var pauseReason: String?
}
