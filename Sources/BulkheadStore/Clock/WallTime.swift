public import Foundation

/// A moment on a ``BulkheadClock``: wall time (what is stored and shown) that is also a Swift
/// `InstantProtocol`, so the pure state machines (rate limits, circuit breaker, connection pool) and
/// the engine use one kind of moment.
///
/// ```swift
/// let deadline = clock.now.advanced(by: .seconds(30))
/// print(deadline.date)
/// ```
public struct WallTime: InstantProtocol, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The moment as a `Date`.
    public let date: Date

    /// The moment `date`.
    public init(_ date: Date) { self.date = date }

    /// This moment moved by `duration`.
    public func advanced(by duration: Duration) -> WallTime {
        WallTime(date.addingTimeInterval(duration.seconds))
    }

    /// The time from this moment to `other` (negative when `other` is earlier).
    public func duration(to other: WallTime) -> Duration {
        .nanoseconds(Int64((other.date.timeIntervalSince(date) * 1e9).rounded()))
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool { lhs.date < rhs.date }

    public var description: String { date.formatted(.iso8601) }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
