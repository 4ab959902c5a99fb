import BulkheadSMTP
import BulkheadTestSupport
import Testing

/// A hand-driven instant for the rate limiter.
struct TestInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
    static func at(_ milliseconds: Int64) -> TestInstant { TestInstant(offset: .milliseconds(milliseconds)) }
}

@Suite("Rate limiting, backoff, weighted upstreams")
struct SchedulingTests {
    @Test func slidingWindowPerSecond() throws {
        var limiter = try SlidingWindowRateLimiter<TestInstant>(limits: [RateLimit(count: 3, per: .seconds(1))])
        #expect(limiter.acquire(at: .at(0)) == .granted)
        #expect(limiter.acquire(at: .at(100)) == .granted)
        #expect(limiter.acquire(at: .at(600)) == .granted)
        // the 4th must wait until the first leaves the window
        #expect(limiter.acquire(at: .at(700)) == .retry(at: .at(1000)))
        #expect(limiter.acquire(at: .at(999)) == .retry(at: .at(1000)))
        #expect(limiter.acquire(at: .at(1000)) == .granted)
        // a true sliding window: the next slot opens when the send at 100 ms expires, not at 2 s
        #expect(limiter.acquire(at: .at(1050)) == .retry(at: .at(1100)))
        #expect(limiter.acquire(at: .at(1100)) == .granted)
    }

    @Test func slidingWindowNoBurstAtBucketEdge() throws {
        // a fixed-bucket limiter would allow 2 at 0.9 s and 2 more at 1.0 s; a sliding one must not
        var limiter = try SlidingWindowRateLimiter<TestInstant>(limits: [RateLimit(count: 2, per: .seconds(1))])
        #expect(limiter.acquire(at: .at(900)) == .granted)
        #expect(limiter.acquire(at: .at(950)) == .granted)
        #expect(limiter.acquire(at: .at(1000)) == .retry(at: .at(1900)))
    }

    @Test func severalLimitsTogether() throws {
        var limiter = try SlidingWindowRateLimiter<TestInstant>(limits: [
            RateLimit(count: 2, per: .seconds(1)), RateLimit(count: 3, per: .seconds(3600)),
        ])
        #expect(limiter.acquire(at: .at(0)) == .granted)
        #expect(limiter.acquire(at: .at(10)) == .granted)
        #expect(limiter.acquire(at: .at(20)) == .retry(at: .at(1000)))
        #expect(limiter.acquire(at: .at(1000)) == .granted)
        // per-second allows it, per-hour does not: wait for the first send to leave the hour
        #expect(limiter.acquire(at: .at(5000)) == .retry(at: .at(3_600_000)))
        #expect(limiter.acquire(at: .at(3_600_000)) == .granted)
    }

    @Test func invalidLimitsAndNoLimits() throws {
        #expect(throws: RateLimitError(limit: RateLimit(count: 0, per: .seconds(1)))) {
            try SlidingWindowRateLimiter<TestInstant>(limits: [RateLimit(count: 0, per: .seconds(1))])
        }
        var unlimited = try SlidingWindowRateLimiter<TestInstant>(limits: [])
        for i in 0..<1000 { #expect(unlimited.acquire(at: .at(Int64(i % 3))) == .granted) }
    }

    @Test func backoffGrowsExponentiallyAndCaps() {
        let policy = BackoffPolicy(initial: .seconds(60), multiplier: 2, maximum: .seconds(3600), jitter: 0)
        var rng = SeededGenerator(seed: 1)
        #expect(policy.delay(afterAttempt: 1, using: &rng) == .seconds(60))
        #expect(policy.delay(afterAttempt: 2, using: &rng) == .seconds(120))
        #expect(policy.delay(afterAttempt: 4, using: &rng) == .seconds(480))
        #expect(policy.delay(afterAttempt: 7, using: &rng) == .seconds(3600))
        #expect(policy.delay(afterAttempt: 10_000, using: &rng) == .seconds(3600))
        #expect(policy.delay(afterAttempt: 0, using: &rng) == .seconds(60))
    }

    @Test func backoffJitterIsBoundedAndSeeded() {
        let policy = BackoffPolicy(initial: .seconds(100), multiplier: 3, maximum: .seconds(100_000), jitter: 0.25)
        var first = SeededGenerator(seed: 42)
        var second = SeededGenerator(seed: 42)
        var distinct = Set<Duration>()
        for attempt in 1...6 {
            let delay = policy.delay(afterAttempt: attempt, using: &first)
            #expect(delay == policy.delay(afterAttempt: attempt, using: &second))  // reproducible
            let nominal = policy.nominalDelay(afterAttempt: attempt)
            #expect(delay <= nominal && delay > nominal * 0.75)
            distinct.insert(delay)
        }
        #expect(distinct.count == 6)
        var rng = SeededGenerator(seed: 7)
        let spread = Set((0..<50).map { _ in policy.delay(afterAttempt: 1, using: &rng) })
        #expect(spread.count > 40)  // jitter actually spreads retries
    }

    @Test func weightedChoiceFollowsWeights() throws {
        let choice = try WeightedUpstreams([("postfix", 3), ("relay", 1)])
        #expect(choice.totalWeight == 4)
        var rng = SeededGenerator(seed: 2024)
        var counts: [String: Int] = [:]
        for _ in 0..<40_000 { counts[choice.pick(using: &rng), default: 0] += 1 }
        let postfix = try #require(counts["postfix"])
        let relay = try #require(counts["relay"])
        #expect(postfix + relay == 40_000)
        #expect(abs(postfix - 30_000) < 600)
        // same seed, same sequence
        var a = SeededGenerator(seed: 5)
        var b = SeededGenerator(seed: 5)
        #expect((0..<100).map { _ in choice.pick(using: &a) } == (0..<100).map { _ in choice.pick(using: &b) })
    }

    @Test func weightedChoiceSingleAndInvalid() throws {
        let single = try WeightedUpstreams([("only", 5)])
        var rng = SeededGenerator(seed: 1)
        #expect((0..<20).allSatisfy { _ in single.pick(using: &rng) == "only" })
        #expect(throws: WeightedUpstreamsError(description: "upstream 1 has weight 0; weights must be positive")) {
            try WeightedUpstreams([("a", 1), ("b", 0)])
        }
        #expect(throws: WeightedUpstreamsError(description: "no upstreams configured")) {
            try WeightedUpstreams([(String, Int)]())
        }
    }
}
