/// How large a campaign's first wave is (`guardrails.canary`): `percent` of the audience, at least
/// `min` and at most `max`, never more than the audience. Audiences smaller than twice `min` skip the
/// canary, and `percent` 0 turns it off.
///
/// ```swift
/// let rule = CanaryRule(percent: 1, min: 100, max: 1_000)
/// rule.sampleSize(audience: 5_000)    // 100 (1 % is 50, raised to the minimum)
/// rule.sampleSize(audience: 250_000)  // 1000 (2,500 capped)
/// rule.sampleSize(audience: 199)      // nil: smaller than twice the minimum
/// ```
public struct CanaryRule: Sendable, Hashable, Codable {
    /// The sample's share of the audience, in percent (0: no canary).
    public var percent: Double
    /// The sample's least size.
    public var min: Int
    /// The sample's largest size.
    public var max: Int

    /// The rule; the defaults are the (1 %, 100, 1,000).
    public init(percent: Double = 1, min: Int = 100, max: Int = 1_000) {
        self.percent = percent
        self.min = min
        self.max = max
    }

    /// The random sample's size for an audience of `audience` recipients (seed addresses come on top),
    /// or nil when the campaign skips the canary.
    public func sampleSize(audience: Int) -> Int? {
        // In parts per million, rounded up: 1 % of 5,050 is 51, not 50.5 truncated.
        let ppm = Int64((Swift.max(0, Swift.min(100, percent)) * 10_000).rounded())
        let least = Swift.max(1, min)
        guard ppm > 0, audience >= 2 * least else { return nil }
        let share = (Int64(audience) * ppm + 999_999) / 1_000_000
        return Swift.min(audience, Swift.max(least, Swift.min(Swift.max(least, max), Int(share))))
    }
}
