/// A sending limit: at most `count` messages in any window of length `window`.
public struct RateLimit: Sendable, Hashable, Codable {
    /// Messages allowed per window (at least 1).
    public var count: Int
    /// The window length.
    public var window: Duration

    /// `count` messages per `window`, e.g. `RateLimit(count: 10, per: .seconds(1))`.
    public init(count: Int, per window: Duration) {
        self.count = count
        self.window = window
    }
}

/// Why a rate limiter cannot be built.
public struct RateLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending limit.
    public var limit: RateLimit

    /// Creates an error.
    public init(limit: RateLimit) { self.limit = limit }
    /// A readable explanation.
    public var description: String { "invalid rate limit \(limit.count) per \(limit.window): count and window must be positive" }
}

/// A true sliding-window rate limiter (no fixed buckets): a send is allowed at `now` when, for every
/// limit, fewer than `count` sends happened in `(now - window, now]`. It keeps the times of the last
/// `max(count)` sends, so memory is bounded by the largest limit. Pure: the caller passes the time.
///
/// ```swift
/// var limiter = try SlidingWindowRateLimiter<WallTime>(limits: [RateLimit(count: 5, per: .seconds(1))])
/// switch limiter.acquire(at: clock.now) {
/// case .granted: send()
/// case let .retry(at: instant): try await clock.sleep(until: instant, tolerance: nil)
/// }
/// ```
public struct SlidingWindowRateLimiter<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The answer to `acquire`.
    public enum Decision: Sendable, Hashable {
        /// The send is allowed and has been counted.
        case granted
        /// Not allowed before `at`; nothing was counted.
        case retry(at: Instant)
    }

    /// The limits, all enforced.
    public let limits: [RateLimit]
    private var ring: [Instant?]
    private var head = 0  // index of the oldest kept send
    private var stored = 0

    /// A limiter enforcing every limit in `limits` (none: unlimited).
    public init(limits: [RateLimit]) throws(RateLimitError) {
        for limit in limits where limit.count < 1 || limit.window <= .zero {
            throw RateLimitError(limit: limit)
        }
        self.limits = limits
        self.ring = Array(repeating: nil, count: limits.map(\.count).max() ?? 0)
    }

    /// Counts a send at `now` if every limit allows it; otherwise says when to try again.
    /// `now` must not go backwards between calls.
    public mutating func acquire(at now: Instant) -> Decision {
        var earliest: Instant?
        for limit in limits where stored >= limit.count {
            // the limit.count-th most recent send must have left the window
            guard let past = ring[(head + stored - limit.count) % ring.count] else { continue }
            let free = past.advanced(by: limit.window)
            if free > now, earliest.map({ free > $0 }) ?? true { earliest = free }
        }
        if let earliest { return .retry(at: earliest) }
        guard !ring.isEmpty else { return .granted }
        if stored == ring.count {
            ring[head] = now
            head = (head + 1) % ring.count
        } else {
            ring[(head + stored) % ring.count] = now
            stored += 1
        }
        return .granted
    }
}
