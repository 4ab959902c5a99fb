/// When to retry a deferred message: exponential backoff with jitter. Pure; the caller supplies the
/// random number generator (seeded in tests).
///
/// ```swift
/// let policy = BackoffPolicy()                // 1 min, ×2, at most 6 h, up to 20 % earlier
/// var rng = SystemRandomNumberGenerator()
/// let wait = policy.delay(afterAttempt: 3, using: &rng)   // between 3.2 and 4 minutes
/// ```
public struct BackoffPolicy: Sendable, Hashable, Codable {
    /// Delay after the first deferral.
    public var initial: Duration
    /// Growth per further attempt (at least 1).
    public var multiplier: Double
    /// Longest delay.
    public var maximum: Duration
    /// Fraction (0…1) by which a delay may be randomly shortened, so retries spread out.
    public var jitter: Double

    /// A policy; the defaults suit deferrals from mail servers (greylisting usually clears in minutes).
    public init(initial: Duration = .seconds(60), multiplier: Double = 2, maximum: Duration = .seconds(6 * 3600), jitter: Double = 0.2) {
        self.initial = initial
        self.multiplier = max(1, multiplier)
        self.maximum = maximum
        self.jitter = min(1, max(0, jitter))
    }

    /// The delay before the attempt that follows failed attempt number `attempt` (1 for the first):
    /// `min(maximum, initial × multiplier^(attempt-1))`, shortened by a random fraction up to `jitter`.
    public func delay(afterAttempt attempt: Int, using rng: inout some RandomNumberGenerator) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let maximumSeconds = Self.seconds(maximum)
        let base = min(maximumSeconds, Self.seconds(initial) * pow2(multiplier, exponent))
        let cut = jitter == 0 ? 0 : Double.random(in: 0..<jitter, using: &rng)
        let seconds = base * (1 - cut)
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// The un-jittered delay (the upper bound of `delay`).
    public func nominalDelay(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let seconds = min(Self.seconds(maximum), Self.seconds(initial) * pow2(multiplier, exponent))
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) / 1e18
    }

    /// `base^exponent` by repeated squaring, capped at 1e12 so it never overflows to infinity.
    private func pow2(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var factor = base
        var n = Int(min(exponent, 1_000))
        while n > 0 {
            if n & 1 == 1 { result = min(result * factor, 1e12) }
            factor = min(factor * factor, 1e12)
            n >>= 1
        }
        return result
    }
}
