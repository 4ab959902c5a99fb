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
    /// The time since 1970, kept exactly: a `Date` (a `Double` of seconds) holds today's moments only
    /// to about a tenth of a microsecond, and nanoseconds in an `Int64` span only 292 years.
    private let sinceEpoch: Duration

    /// The moment as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: sinceEpoch.seconds) }

    /// The moment `date`.
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 9e18 else {
            // Past what Duration holds as whole seconds: the far end of time (NaN is the epoch).
            sinceEpoch = seconds.isNaN ? .zero : .seconds(seconds < 0 ? -9_000_000_000_000_000_000 : 9_000_000_000_000_000_000)
            return
        }
        let whole = seconds.rounded(.down)
        // `seconds - whole` is exact; its attoseconds are within a few of it, well inside one ulp of `seconds`.
        sinceEpoch = Duration(secondsComponent: Int64(whole), attosecondsComponent: Int64(((seconds - whole) * 1e18).rounded()))
    }

    private init(sinceEpoch: Duration) { self.sinceEpoch = sinceEpoch }

    /// This moment moved by `duration` (exactly, however small or large).
    public func advanced(by duration: Duration) -> WallTime {
        WallTime(sinceEpoch: sinceEpoch + duration)
    }

    /// The time from this moment to `other` (negative when `other` is earlier), exactly.
    public func duration(to other: WallTime) -> Duration {
        other.sinceEpoch - sinceEpoch
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool { lhs.sinceEpoch < rhs.sinceEpoch }

    public var description: String { date.formatted(.iso8601) }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
