import Foundation
import Synchronization
import Testing

@testable import BulkheadStore

/// The clock and its instants under hostile use: far dates, huge and negative waits, racing
/// cancellation and advances.
@Suite("Clock: edges found in review")
struct ClockEdgeTests {
    /// Yields until `condition` holds, at most a while.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<100_000 {
            if condition() { return true }
            await Task.yield()
        }
        return condition()
    }

    // MARK: WallTime

    @Test func aDurationBetweenFarApartMomentsIsMeasuredNotATrap() {
        let past = WallTime(.distantPast)
        let future = WallTime(.distantFuture)
        let span = past.duration(to: future)
        #expect(span.seconds == Date.distantFuture.timeIntervalSince(.distantPast))
        #expect(future.duration(to: past) == .zero - span)
        // 300 years: past what Int64 nanoseconds hold (292 years).
        let now = ManualClock().now
        #expect(now.duration(to: now.advanced(by: .seconds(300 * 365 * 86_400))) == .seconds(300 * 365 * 86_400))
    }

    @Test func aMomentMovedByADurationIsThatDurationAway() {
        let start = ManualClock().now
        for duration: Duration in [.seconds(5), .milliseconds(1), .seconds(-7), .seconds(86_400 * 365 * 100)] {
            #expect(start.duration(to: start.advanced(by: duration)) == duration)
        }
    }

    // MARK: SystemClock

    @Test func aSystemClockWaitInThePastReturnsAtOnceAndACancelledOneThrows() async throws {
        let clock = SystemClock()
        try await clock.sleep(for: .seconds(-5))
        try await clock.sleep(until: WallTime(.distantPast), tolerance: nil)
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(-1))
        }
        await #expect(throws: CancellationError.self) { try await cancelled.value }
    }

    /// `bulkhead serve --interval 1e10` sleeps this long: the wait is cancellable, not a crash.
    @Test func aSystemClockWaitOfCenturiesIsCancellable() async throws {
        let clock = SystemClock()
        for wait: Duration in [.seconds(10_000_000_000), .seconds(Int64.max)] {
            let sleeper = Task { try await clock.sleep(for: wait) }
            try await Task.sleep(for: .milliseconds(20))
            sleeper.cancel()
            await #expect(throws: CancellationError.self) { try await sleeper.value }
        }
        let untilTheEnd = Task { try await clock.sleep(until: WallTime(.distantFuture), tolerance: nil) }
        untilTheEnd.cancel()
        await #expect(throws: CancellationError.self) { try await untilTheEnd.value }
    }

    // MARK: ManualClock

    @Test func aManualClockCancelledBeforeItsSleepStartsThrowsAtOnce() async {
        let clock = ManualClock()
        let sleeper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(60))
        }
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleepers == 0)
    }

    @Test func aManualClockSleeperCancelledAfterItWokeHasReturned() async throws {
        let clock = ManualClock()
        let sleeper = Task {
            try await clock.sleep(for: .seconds(1))
            return clock.now
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        sleeper.cancel()
        let woke = try await sleeper.value
        #expect(woke >= ManualClock().now.advanced(by: .seconds(1)))
        #expect(clock.sleepers == 0)
    }

    @Test func manySleepersWakeAtTheirOwnDeadlinesAndCancelledOnesLeaveAtOnce() async throws {
        let clock = ManualClock()
        let start = clock.now
        let count = 200
        let sleepers = (0..<count).map { index in
            Task { () -> Int in
                try await clock.sleep(until: start.advanced(by: .seconds(Int64(index % 10 + 1))), tolerance: nil)
                return index
            }
        }
        await clock.waitForSleepers(count)
        for index in stride(from: 0, to: count, by: 2) { sleepers[index].cancel() }
        #expect(await Self.eventually { clock.sleepers == count / 2 })
        for second in 1...10 {
            clock.advance(by: .seconds(1))
            #expect(clock.sleepers == count / 2 - (1...second).reduce(0) { total, s in total + (s % 2 == 0 ? count / 10 : 0) })
        }
        for (index, sleeper) in sleepers.enumerated() {
            if index % 2 == 0 {
                await #expect(throws: CancellationError.self) { try await sleeper.value }
            } else {
                #expect(try await sleeper.value == index)
            }
        }
    }

    @Test func aManualClockAdvancedToThePastStaysWhereItIs() {
        let clock = ManualClock()
        let start = clock.now
        clock.advance(to: start.advanced(by: .seconds(-60)))
        clock.advance(to: start)
        #expect(clock.now == start)
    }

    /// Several drivers moving one clock through the same moments: it ends at the last one, not past it.
    @Test func concurrentAdvancesToTheSameMomentsEndThere() async {
        let clock = ManualClock()
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for second in 1...100_000 { clock.advance(to: start.advanced(by: .seconds(second))) }
                }
            }
        }
        #expect(start.duration(to: clock.now) == .seconds(100_000))
    }

    /// The manual clock moves by what it is told, however small the steps (its resolution is 1 ns).
    @Test func aManualClockLosesNoTimeInSmallSteps() async throws {
        let clock = ManualClock()
        let start = clock.now
        #expect(start.advanced(by: clock.minimumResolution) > start)
        let sleeper = Task { try await clock.sleep(until: start.advanced(by: .milliseconds(1)), tolerance: nil) }
        await clock.waitForSleepers(1)
        for _ in 0..<1_000 { clock.advance(by: .microseconds(1)) }
        #expect(start.duration(to: clock.now) == .milliseconds(1))
        #expect(clock.sleepers == 0, "the sleeper's deadline was reached")
        clock.advance(by: .seconds(1))
        try await sleeper.value
    }
}
