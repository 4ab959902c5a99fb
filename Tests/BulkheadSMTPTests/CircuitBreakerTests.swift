import Testing

@testable import BulkheadSMTP

/// Issue 7, item 8: the upstream circuit breaker as a pure state machine, on a test clock.
@Suite struct CircuitBreakerTests {
    let policy = CircuitBreakerPolicy(failures: 3, openFor: .seconds(60), maximumOpen: .seconds(900))

    @Test func opensAfterTheConfiguredFailuresInARowAndASuccessResetsTheCount() {
        var breaker = CircuitBreaker<TestInstant>(policy: policy)
        #expect(breaker.permit(at: .at(0)) == .allowed)
        #expect(breaker.failed(at: .at(0)) == nil)
        #expect(breaker.failed(at: .at(10)) == nil)
        breaker.succeeded()
        #expect(breaker.state == .closed(failures: 0), "failures must be in a row")
        #expect(breaker.failed(at: .at(20)) == nil)
        #expect(breaker.failed(at: .at(30)) == nil)
        #expect(breaker.failed(at: .at(40)) == .at(60_040), "the third failure in a row opens it for 60 s")
        #expect(breaker.permit(at: .at(59_000)) == .open(until: .at(60_040)))
    }

    @Test func oneProbeAtATimeAndTheOpenTimeDoublesUpToTheMaximum() {
        var breaker = CircuitBreaker<TestInstant>(policy: policy)
        for _ in 0..<3 { breaker.failed(at: .at(0)) }
        var now: Int64 = 60_000
        var expected: [Int64] = [120, 240, 480, 900, 900]
        while let seconds = expected.first {
            expected.removeFirst()
            #expect(breaker.permit(at: .at(now)) == .allowed, "the first caller after the open period is the probe")
            #expect(breaker.permit(at: .at(now)) == .open(until: .at(now + 1_000)), "others wait for the probe")
            #expect(breaker.failed(at: .at(now)) == .at(now + seconds * 1_000))
            now += seconds * 1_000
        }
        #expect(breaker.permit(at: .at(now)) == .allowed)
        breaker.succeeded()
        #expect(breaker.state == .closed(failures: 0))
        #expect(breaker.permit(at: .at(now)) == .allowed)
    }

    @Test func aFailureOfAConnectionBegunBeforeItOpenedChangesNothing() {
        var breaker = CircuitBreaker<TestInstant>(policy: policy)
        for _ in 0..<3 { breaker.failed(at: .at(0)) }
        #expect(breaker.failed(at: .at(5_000)) == .at(60_000))
        #expect(breaker.state == .open(until: .at(60_000), next: .seconds(120)))
    }
}
