import BulkheadStore
import Foundation
import Synchronization
import Testing

/// The one clock: `ManualClock` moves only when told, wakes sleepers in deadline order, and a cancelled
/// sleeper wakes at once; `WallTime` is wall time with `Duration` arithmetic.
@Suite struct ClockTests {
    @Test func wallTimeArithmeticRoundTrips() {
        let start = WallTime(Date(timeIntervalSince1970: 1_800_000_000))
        let later = start.advanced(by: .milliseconds(1_500))
        #expect(later.date == Date(timeIntervalSince1970: 1_800_000_001.5))
        #expect(start.duration(to: later) == .milliseconds(1_500))
        #expect(later.duration(to: start) == .milliseconds(-1_500))
        #expect(start < later)
        #expect(Duration.milliseconds(2_250).seconds == 2.25)
    }

    @Test func aManualClockMovesOnlyWhenAdvanced() {
        let clock = ManualClock()
        let start = clock.now
        #expect(clock.now == start)
        clock.advance(by: .seconds(90))
        #expect(clock.now == start.advanced(by: .seconds(90)))
        clock.advance(to: start)  // the past: no move
        #expect(clock.now == start.advanced(by: .seconds(90)))
        #expect(clock.date == start.date.addingTimeInterval(90))
    }

    /// What the sleepers saw, shared by their tasks.
    final class WakeLog: Sendable {
        let order = Mutex<[Int]>([])
        func append(_ value: Int) { order.withLock { $0.append(value) } }
        var values: [Int] { order.withLock { $0 } }
    }

    @Test func sleepersWakeInDeadlineOrderWhenTheirTimeIsReached() async throws {
        let clock = ManualClock()
        let woke = WakeLog()
        let sleepers = [30, 10, 20].map { seconds in
            Task {
                try await clock.sleep(for: .seconds(seconds))
                woke.append(seconds)
            }
        }
        await clock.waitForSleepers(3)
        clock.advance(by: .seconds(15))
        try await sleepers[1].value
        #expect(woke.values == [10])
        #expect(clock.sleepers == 2)
        clock.advance(by: .seconds(100))
        try await sleepers[0].value
        try await sleepers[2].value
        #expect(Set(woke.values) == [10, 20, 30])
        #expect(clock.sleepers == 0)
    }

    @Test func aDeadlineAlreadyReachedReturnsAtOnce() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now, tolerance: nil)
        try await clock.sleep(for: .zero)
        try await clock.sleep(until: clock.now.advanced(by: .seconds(-5)), tolerance: nil)
        #expect(clock.sleepers == 0)
    }

    @Test func aCancelledSleeperWakesAtOnceWithCancellationError() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(3_600)) }
        await clock.waitForSleepers(1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleepers == 0)
        // Cancelled before it starts to sleep: it never waits.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(60))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(clock.sleepers == 0)
    }

    @Test func theSystemClockSleepsOnRealTime() async throws {
        let clock = SystemClock()
        let before = ContinuousClock.now
        try await clock.sleep(for: .milliseconds(20))
        #expect(ContinuousClock.now - before >= .milliseconds(20))
        try await clock.sleep(for: .seconds(-1))  // a deadline in the past returns at once
        let cancelled = Task { try await clock.sleep(for: .seconds(3_600)) }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
    }
}
