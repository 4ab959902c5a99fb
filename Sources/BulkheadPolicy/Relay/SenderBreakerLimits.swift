/// When a sender's breaker opens: `messages` messages or `distinctRecipients` distinct envelope
/// recipients from one sender within `window` (each counts "from N up").
///
/// ```swift
/// let limits = SenderBreakerLimits()   // 30 messages or 100 distinct recipients in 10 minutes
/// let off = SenderBreakerLimits(messages: 0)
/// ```
public struct SenderBreakerLimits: Sendable, Hashable {
    /// Messages per window that open the breaker (`relay.breaker_messages`); 0 or less turns the
    /// breaker off altogether.
    public var messages: Int
    /// Distinct envelope recipients per window that open the breaker
    /// (`relay.breaker_distinct_recipients`); 0 or less turns off this limit only.
    public var distinctRecipients: Int
    /// The window's length (`relay.breaker_window_seconds`); a window of zero or less judges each
    /// message alone.
    public var window: Duration

    /// The limits; the defaults are 30 messages or 100 distinct recipients in 10 minutes.
    public init(messages: Int = 30, distinctRecipients: Int = 100, window: Duration = .seconds(600)) {
        self.messages = messages
        self.distinctRecipients = distinctRecipients
        self.window = window
    }
}
