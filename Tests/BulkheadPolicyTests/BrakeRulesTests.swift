import BulkheadPolicy
import Testing

/// Issue 9, staged sending: the brakes as a pure rule (window in, decision out) and the canary's size.
/// Every threshold counts "from N up"; the minimum sample and the minimum events are both required.
@Suite struct BrakeRulesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var outcomes: Int
        var events: [BrakeMetric: Int]
        var trips: BrakeMetric?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nothing happened", outcomes: 500, events: [:], trips: nil),
        Case(name: "rejections at 20 % of 100: from N up", outcomes: 100, events: [.rejection: 20], trips: .rejection),
        Case(name: "rejections just under 20 %", outcomes: 100, events: [.rejection: 19], trips: nil),
        Case(name: "rejections at 20 % of 500", outcomes: 500, events: [.rejection: 100], trips: .rejection),
        Case(name: "99 outcomes: below the minimum sample", outcomes: 99, events: [.rejection: 99], trips: nil),
        Case(name: "100 outcomes: the minimum sample", outcomes: 100, events: [.rejection: 30], trips: .rejection),
        Case(name: "hard bounces at 5 %", outcomes: 100, events: [.hardBounce: 5], trips: .hardBounce),
        Case(name: "hard bounces at 4 %", outcomes: 100, events: [.hardBounce: 4], trips: nil),
        Case(name: "complaints 0.1 % of 3000 reach the rate with 3 events", outcomes: 3_000, events: [.complaint: 3], trips: .complaint),
        Case(name: "complaints at 2 % but only 2 events: below min_events", outcomes: 100, events: [.complaint: 2], trips: nil),
        Case(name: "complaints: 3 events, the minimum", outcomes: 100, events: [.complaint: 3], trips: .complaint),
        Case(name: "complaints 0.1 % of 1000 is one event, min_events holds it back", outcomes: 1_000, events: [.complaint: 1], trips: nil),
        Case(name: "unsubscribes at 2 %", outcomes: 150, events: [.unsubscribe: 3], trips: .unsubscribe),
        Case(name: "unsubscribes under 2 %", outcomes: 151, events: [.unsubscribe: 3], trips: nil),
        Case(name: "several: the first in order is reported", outcomes: 100, events: [.rejection: 50, .hardBounce: 10], trips: .hardBounce),
        Case(name: "an empty window", outcomes: 0, events: [:], trips: nil),
    ]

    @Test(arguments: cases)
    func theDefaultThresholds(_ example: Case) {
        let trip = BrakeRules().evaluate(BrakeWindow(outcomes: example.outcomes, events: example.events))
        #expect(trip?.metric == example.trips)
        if let trip {
            #expect(trip.reason == "brake:\(trip.metric.rawValue)")
            #expect(trip.outcomes == example.outcomes && trip.events == example.events[trip.metric])
        }
    }

    @Test func configuredThresholdsAndFigures() {
        let rules = BrakeRules(thresholds: BrakeThresholds(window: 50, minSample: 10, minEvents: 1, rejectionPercent: 10))
        #expect(rules.evaluate(BrakeWindow(outcomes: 10, events: [.rejection: 1]))?.metric == .rejection)
        #expect(rules.evaluate(BrakeWindow(outcomes: 9, events: [.rejection: 9])) == nil)
        let trip = BrakeRules().evaluate(BrakeWindow(outcomes: 120, events: [.rejection: 36]))
        #expect(trip == BrakeTrip(metric: .rejection, events: 36, outcomes: 120, thresholdPercent: 20))
        #expect(trip?.ratePercent == 30)
        #expect(BrakeMetric.allCases.map(\.rawValue) == ["hard-bounce", "complaint", "unsubscribe", "rejection"])
        // min_events 0 still needs one event: a rate of 0 % never trips, whatever the threshold.
        let eager = BrakeRules(thresholds: BrakeThresholds(minSample: 1, minEvents: 0, complaintPercent: 0.0001))
        #expect(eager.evaluate(BrakeWindow(outcomes: 1_000, events: [:])) == nil)
    }

    @Test(
        arguments: [
            (5_000, 100), (250_000, 1_000), (199, nil), (200, 100), (10_000, 100), (10_001, 101), (50_000, 500), (100_000, 1_000),
        ] as [(Int, Int?)])
    func canarySizes(_ audience: Int, _ size: Int?) {
        #expect(CanaryRule().sampleSize(audience: audience) == size)
    }

    @Test func canaryEdges() {
        #expect(CanaryRule(percent: 0).sampleSize(audience: 1_000_000) == nil, "percent 0 turns the canary off")
        #expect(CanaryRule(percent: 100, min: 10, max: 1_000).sampleSize(audience: 30) == 30, "never more than the audience")
        #expect(CanaryRule(percent: 100, min: 10, max: 1_000).sampleSize(audience: 5_000) == 1_000)
        #expect(CanaryRule(percent: 0.5, min: 1, max: 100).sampleSize(audience: 3) == 1, "rounded up")
        #expect(CanaryRule(percent: 1, min: 1, max: 0).sampleSize(audience: 10) == 1, "a max under min counts as min")
        #expect(CanaryRule(percent: 1, min: 0, max: 10).sampleSize(audience: 2) == 1, "min counts from 1")
        #expect(CanaryRule(percent: 1, min: 0, max: 10).sampleSize(audience: 1) == nil)
    }
}
