/// What a brake watches. The raw value is the metric's name in a pause reason (`brake:<metric>`).
public enum BrakeMetric: String, Sendable, Hashable, Codable, CaseIterable {
    /// A bounce report (DSN) saying the address does not exist (arrives later, by mail).
    case hardBounce = "hard-bounce"
    /// A spam complaint (ARF feedback report; arrives later, by mail).
    case complaint
    /// An unsubscribe (link, one-click POST or mail; arrives later).
    case unsubscribe
    /// A permanent rejection at send: a 5xx reply to RCPT or DATA (deferrals and connection failures
    /// are not rejections).
    case rejection
}

/// A campaign's most recent outcomes as the brakes judge them: how many outcomes there are (at most
/// the window) and how many of them carry each event.
///
/// ```swift
/// let window = BrakeWindow(outcomes: 100, events: [.rejection: 30])
/// window[.rejection]  // 30
/// ```
public struct BrakeWindow: Sendable, Hashable, Codable {
    /// Outcomes in the window.
    public var outcomes: Int
    /// Events by metric among them (missing metrics count zero).
    public var events: [BrakeMetric: Int]

    /// Describes a window.
    public init(outcomes: Int, events: [BrakeMetric: Int] = [:]) {
        self.outcomes = outcomes
        self.events = events
    }

    /// The events of one metric.
    public subscript(metric: BrakeMetric) -> Int { events[metric] ?? 0 }
}

/// When a brake trips (`guardrails.brakes`). A rate "reaches" its threshold from N up (≥).
public struct BrakeThresholds: Sendable, Hashable, Codable {
    /// How many of the most recent outcomes are judged.
    public var window: Int
    /// No brake trips before this many outcomes are in the window.
    public var minSample: Int
    /// No brake trips on fewer events of its metric than this.
    public var minEvents: Int
    /// Each metric's threshold, in percent of the outcomes in the window.
    public var percent: [BrakeMetric: Double]

    /// The thresholds; the defaults are the (500, 100, 3; 5 %, 0.1 %, 2 %, 20 %).
    public init(
        window: Int = 500, minSample: Int = 100, minEvents: Int = 3, hardBouncePercent: Double = 5,
        complaintPercent: Double = 0.1, unsubscribePercent: Double = 2, rejectionPercent: Double = 20
    ) {
        self.window = window
        self.minSample = minSample
        self.minEvents = minEvents
        self.percent = [
            .hardBounce: hardBouncePercent, .complaint: complaintPercent, .unsubscribe: unsubscribePercent,
            .rejection: rejectionPercent,
        ]
    }
}

/// A brake that tripped, with the figures behind it.
public struct BrakeTrip: Sendable, Hashable, Codable {
    /// The metric.
    public var metric: BrakeMetric
    /// Its events in the window.
    public var events: Int
    /// The outcomes in the window.
    public var outcomes: Int
    /// The threshold it reached, in percent.
    public var thresholdPercent: Double

    /// Describes a trip.
    public init(metric: BrakeMetric, events: Int, outcomes: Int, thresholdPercent: Double) {
        self.metric = metric
        self.events = events
        self.outcomes = outcomes
        self.thresholdPercent = thresholdPercent
    }

    /// The pause reason: `brake:<metric>`.
    public var reason: String { "brake:\(metric.rawValue)" }

    /// The rate in percent (events of outcomes).
    public var ratePercent: Double { outcomes > 0 ? Double(events) * 100 / Double(outcomes) : 0 }
}

/// The brakes as a pure rule: a window of outcomes in, the brake that trips (if any) out.
///
/// A metric trips when the window holds at least `minSample` outcomes, at least `minEvents` events of
/// that metric, and its rate reaches its threshold. When several trip, the first in
/// ``BrakeMetric/allCases`` order is reported (hard bounces, complaints, unsubscribes, rejections).
///
/// ```swift
/// let rules = BrakeRules(thresholds: BrakeThresholds())
/// rules.evaluate(BrakeWindow(outcomes: 100, events: [.rejection: 20]))?.reason  // "brake:rejection"
/// rules.evaluate(BrakeWindow(outcomes: 99, events: [.rejection: 99]))           // nil: sample too small
/// ```
public struct BrakeRules: Sendable, Hashable {
    /// The thresholds.
    public var thresholds: BrakeThresholds

    /// Rules with `thresholds` (the defaults unless given).
    public init(thresholds: BrakeThresholds = BrakeThresholds()) {
        self.thresholds = thresholds
    }

    /// The brake that trips on `window`, or nil.
    public func evaluate(_ window: BrakeWindow) -> BrakeTrip? {
        guard window.outcomes > 0, window.outcomes >= thresholds.minSample else { return nil }
        for metric in BrakeMetric.allCases {
            let events = window[metric]
            guard let percent = thresholds.percent[metric], events >= max(1, thresholds.minEvents) else { continue }
            // In parts per million: exact for thresholds with up to four decimals (0.1 % is 1,000 ppm),
            // where a floating-point product could fall just short of an exact "from N up".
            let ppm = Int64((percent * 10_000).rounded())
            if Int64(events) * 1_000_000 >= ppm * Int64(window.outcomes) {
                return BrakeTrip(metric: metric, events: events, outcomes: window.outcomes, thresholdPercent: percent)
            }
        }
        return nil
    }
}
