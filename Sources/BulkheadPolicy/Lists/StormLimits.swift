/// Reply-all storm protection for hosted lists (`lists.storm`): in a list with at least `minMembers`
/// members, once a thread has `replies` replies within `window`, further replies in it are refused for
/// `block`. Microsoft 365's defaults are 10 replies, 2,500 recipients, 60 minutes and 6 hours; 1,000
/// members is its lowest recipient setting and Bulkhead's default. `replies` 0 turns it off.
///
/// ```swift
/// let limits = StormLimits()
/// limits.applies(toMembers: 2_000)                          // true
/// limits.isStorm(repliesInWindow: 10)                       // true: the 11th reply is refused
/// ```
public struct StormLimits: Sendable, Hashable {
    public var minMembers: Int
    public var replies: Int
    public var window: Duration
    public var block: Duration

    public init(minMembers: Int = 1_000, replies: Int = 10, window: Duration = .seconds(3_600), block: Duration = .seconds(21_600)) {
        self.minMembers = minMembers
        self.replies = replies
        self.window = window
        self.block = block
    }

    /// Whether a list of this many members is protected.
    public func applies(toMembers members: Int) -> Bool {
        replies > 0 && members >= minMembers
    }

    /// Whether a thread with this many replies already distributed within the window is a storm (the
    /// reply now arriving is refused).
    public func isStorm(repliesInWindow: Int) -> Bool {
        replies > 0 && repliesInWindow >= replies
    }
}
