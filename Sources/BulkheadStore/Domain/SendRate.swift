public import Foundation

/// One sending limit shared by every worker of a store: at most `count` messages in any window of
/// `windowMilliseconds` (counted in the store, so four workers with a limit of 100 a second send at
/// most 100 a second together).
///
/// ```swift
/// let perSecond = SharedRateLimit(count: 100, windowMilliseconds: 1_000)
/// ```
public struct SharedRateLimit: Sendable, Hashable {
    /// Messages allowed per window (at least 1).
    public var count: Int
    /// The window's length in milliseconds (at least 1).
    public var windowMilliseconds: Int64

    /// `count` messages per `windowMilliseconds`.
    public init(count: Int, windowMilliseconds: Int64) {
        self.count = count
        self.windowMilliseconds = windowMilliseconds
    }

    /// The store counts a window in this many buckets; a bucket is counted until the whole window
    /// after its end, and ``marginBuckets`` more, have passed: the store errs on the side of sending
    /// less (up to a tenth under the limit when saturated), never more.
    public static let bucketsPerWindow: Int64 = 20
    /// Buckets counted beyond the window: room for the time between a permit and the message's start
    /// on the wire (a twentieth of the window: 50 ms of a second).
    public static let marginBuckets: Int64 = 1

    /// One bucket's width in milliseconds.
    public var bucketMilliseconds: Int64 { max(1, windowMilliseconds / Self.bucketsPerWindow) }
}

/// The store's answer to ``MailStore/takeSendPermits(_:wanted:limits:)``.
///
/// ```swift
/// let grant = try await store.takeSendPermits("upstream:relay", wanted: 4, limits: limits)
/// // send grant.granted messages now; ask again at grant.retryAt for the rest
/// ```
public struct SendPermitGrant: Sendable, Hashable {
    /// How many messages may start now (0 up to the number wanted); they are counted already.
    public var granted: Int
    /// When fewer were granted than wanted: the earliest time the limits may allow more.
    public var retryAt: Date?

    /// A grant; see the properties.
    public init(granted: Int, retryAt: Date?) {
        self.granted = granted
        self.retryAt = retryAt
    }
}
