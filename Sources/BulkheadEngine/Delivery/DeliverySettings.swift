public import BulkheadPolicy
public import BulkheadSMTP

/// How one delivery run behaves (from the `delivery` section of the configuration).
public struct DeliverySettings: Sendable {
    /// Messages handed to the transport at once.
    public var concurrency: Int
    /// Ledger entries one sender claims per transaction. After a crash at most
    /// `concurrency × batchSize` entries are `uncertain`, most of them never sent: keep it small.
    public var batchSize: Int
    /// A message still deferred after this many attempts is failed.
    public var maxAttempts: Int
    /// Retry delays for deferred messages.
    public var backoff: BackoffPolicy
    /// How often the campaign's state is read for a pause or abort: the kill switch acts within this
    /// plus the time the messages already in flight take.
    public var controlPoll: Duration
    /// Outcomes are written in one transaction at least this often (and whenever `batchSize` are waiting).
    public var flushInterval: Duration
    /// How long a worker's lease lasts; it is renewed every third of that. A worker whose lease ran out
    /// counts as gone: its `sending` entries become `uncertain` when another run starts.
    public var leaseSeconds: Int
    /// Where the in-flight journals live (see ``InFlightJournal``); nil: no journal, and after a crash
    /// every entry the dead worker held becomes `uncertain`.
    public var journalDirectory: String?
    /// The brakes judged after each batch of outcomes (`guardrails.brakes`; nil: none, for tests).
    public var brakes: BrakeThresholds? = BrakeThresholds()
    /// Where brake alerts should be mailed (`alerts.email`; empty: log only).
    public var alertEmail = ""
    /// How long the canary's hold lasts (`guardrails.canary.hold_seconds`).
    public var canaryHoldSeconds = 600
    /// Whether a run waits through a canary's hold (`campaign send`) or ends when the hold begins and
    /// leaves the rest to a later look (`serve`, which goes on once the hold is over).
    public var waitsThroughCanaryHold = true
    /// A warning is logged, saying what each busy sender and the outcome writer wait for, when no
    /// outcome has been written for this long while a sender is busy (nil: never; 60 s from a
    /// configuration file). A reply the upstream owes may take 10 minutes by RFC 5321: this only says so.
    public var stallWarning: Duration?

    public init(
        concurrency: Int = 10, batchSize: Int = 20, maxAttempts: Int = 5, backoff: BackoffPolicy = BackoffPolicy(),
        controlPoll: Duration = .milliseconds(200), flushInterval: Duration = .milliseconds(50), leaseSeconds: Int = 60
    ) {
        self.leaseSeconds = max(3, leaseSeconds)
        self.concurrency = max(1, concurrency)
        self.batchSize = max(1, batchSize)
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.controlPoll = controlPoll
        self.flushInterval = flushInterval
    }

    /// The settings of a configuration file's `delivery` section.
    public init(_ delivery: BulkheadConfiguration.Delivery) {
        self.init(
            concurrency: delivery.concurrency,
            batchSize: delivery.batchSize,
            maxAttempts: delivery.maxAttempts,
            backoff: BackoffPolicy(
                initial: .milliseconds(Int64(delivery.retryBaseSeconds * 1_000)),
                maximum: .milliseconds(Int64(delivery.retryMaxSeconds * 1_000))),
            controlPoll: .milliseconds(delivery.controlPollMilliseconds),
            leaseSeconds: delivery.leaseSeconds
        )
        stallWarning = .seconds(60)
    }
}
