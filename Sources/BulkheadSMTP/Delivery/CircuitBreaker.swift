/// When an upstream counts as down, and for how long: after `failures` connection-level failures in a
/// row (refused, timed out, a session that cannot be set up) the breaker opens for `openFor`, then
/// lets one probe through; a failed probe opens it again for twice as long, up to `maximumOpen`; a
/// successful connection closes it. While it is open no connection is tried and no message is
/// charged an attempt: an outage of the relay pauses delivery instead of failing the campaign.
public struct CircuitBreakerPolicy: Sendable, Hashable {
    /// Consecutive connection failures that open the breaker (at least 1).
    public var failures: Int
    /// How long it stays open the first time.
    public var openFor: Duration
    /// The longest it stays open (the open time doubles after each failed probe).
    public var maximumOpen: Duration

    /// A policy; the defaults are 5 failures, 60 s, doubling up to 15 minutes.
    public init(failures: Int = 5, openFor: Duration = .seconds(60), maximumOpen: Duration = .seconds(900)) {
        self.failures = max(1, failures)
        self.openFor = openFor
        self.maximumOpen = max(openFor, maximumOpen)
    }
}

/// The circuit breaker of one upstream as a pure state machine: the caller passes the time, so it is
/// tested without sleeping.
///
/// ```swift
/// var breaker = CircuitBreaker<WallTime>(policy: CircuitBreakerPolicy())
/// switch breaker.permit(at: clock.now) {
/// case .allowed: connect()   // then breaker.succeeded() or breaker.failed(at: clock.now)
/// case let .open(until): postpone(until)
/// }
/// ```
public struct CircuitBreaker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The answer to ``permit(at:)``.
    public enum Permission: Sendable, Hashable {
        /// Try to connect.
        case allowed
        /// The upstream is taken as down until then: do not connect, do not charge the message.
        case open(until: Instant)
    }

    /// Where the breaker stands.
    public enum State: Sendable, Hashable {
        /// Connecting normally; `failures` in a row so far.
        case closed(failures: Int)
        /// No connection until `until`; the next open period lasts `next`.
        case open(until: Instant, next: Duration)
        /// One probe connection is under way; if it fails the breaker opens for `next`.
        case probing(next: Duration)
    }

    /// The policy.
    public let policy: CircuitBreakerPolicy
    /// The current state.
    public private(set) var state: State = .closed(failures: 0)

    /// A closed breaker.
    public init(policy: CircuitBreakerPolicy) {
        self.policy = policy
    }

    /// Whether a connection may be tried at `now`. When the open period is over, the first caller gets
    /// `.allowed` as the probe; the others wait for its result (`.open` until the probe's period ends).
    public mutating func permit(at now: Instant) -> Permission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until, let next):
            guard now >= until else { return .open(until: until) }
            state = .probing(next: next)
            return .allowed
        case .probing(let next):
            // Others wait briefly for the probe; they ask again then.
            return .open(until: now.advanced(by: min(next, .seconds(1))))
        }
    }

    /// A connection was set up: the upstream is up.
    public mutating func succeeded() {
        state = .closed(failures: 0)
    }

    /// A connection could not be set up at `now`. Returns the end of the open period when this failure
    /// opened the breaker.
    @discardableResult
    public mutating func failed(at now: Instant) -> Instant? {
        switch state {
        case .closed(let failures):
            guard failures + 1 >= policy.failures else {
                state = .closed(failures: failures + 1)
                return nil
            }
            return open(at: now, for: policy.openFor)
        case .probing(let next):
            return open(at: now, for: next)
        case .open(let until, _):
            // A connection begun before the breaker opened: it stays open as it is.
            return until
        }
    }

    private mutating func open(at now: Instant, for duration: Duration) -> Instant {
        let until = now.advanced(by: duration)
        state = .open(until: until, next: min(policy.maximumOpen, duration * 2))
        return until
    }
}
