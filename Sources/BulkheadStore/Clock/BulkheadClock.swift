public import Foundation

/// The one source of time in Bulkhead: every stored "now", every due check, every wait (backoff,
/// polls, undo windows, holds) reads or sleeps on a clock that is passed in. Production uses
/// ``SystemClock``; tests and drills use ``ManualClock`` and move time forward instead of sleeping.
///
/// ```swift
/// func expire(after seconds: Int, clock: any BulkheadClock) async throws {
///     try await clock.sleep(until: clock.now.advanced(by: .seconds(seconds)), tolerance: nil)
/// }
/// ```
public protocol BulkheadClock: Clock, Sendable where Instant == WallTime, Duration == Swift.Duration {}

extension BulkheadClock {
    /// Wall time now, as a `Date` (what the store records).
    public var date: Date { now.date }

    /// Suspends for `duration` on this clock (throws `CancellationError` when the task is cancelled).
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now.advanced(by: duration), tolerance: nil)
    }
}

/// The real clock: the system's wall time; sleeps on the monotonic clock, so a wall-clock step
/// (NTP, a changed time zone) neither shortens nor stretches a wait.
///
/// ```swift
/// let store = try SQLiteStore(path: path, configuration: .init(clock: SystemClock()))
/// ```
public struct SystemClock: BulkheadClock {
    /// The system clock.
    public init() {}

    public var now: WallTime { WallTime(Date()) }

    public var minimumResolution: Duration { .microseconds(1) }

    public func sleep(until deadline: WallTime, tolerance: Duration?) async throws {
        var wait = now.duration(to: deadline)
        guard wait > .zero else {
            try Task.checkCancellation()
            return
        }
        // `Task.sleep` traps on a wait its clock cannot count (a few centuries): a longer one is slept
        // a century at a time.
        while wait > .zero {
            let step = min(wait, Self.longestSleep)
            try await Task.sleep(for: step, tolerance: tolerance, clock: .continuous)
            wait -= step
        }
    }

    /// The longest single `Task.sleep` (100 years).
    static let longestSleep = Duration.seconds(100 * 365 * 86_400)
}
