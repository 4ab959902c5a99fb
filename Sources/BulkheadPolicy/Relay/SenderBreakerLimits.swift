/// When a sender's breaker opens: `messages` messages or `distinctRecipients` distinct envelope
/// recipients from one sender within `window` (each counts "from N up": the message that reaches a
/// limit trips it and is held too). An open breaker stays open until a person closes it.
///
/// The counts come from the store (``SenderVolume``, counted in the same transaction that files the
/// message), so they survive a restart and are shared by every worker; this type only decides.
///
/// ```swift
/// let limits = SenderBreakerLimits()   // 30 messages or 100 distinct recipients in 10 minutes
/// limits.isTripped(by: SenderVolume(messages: 30, distinctRecipients: 4))  // true
/// SenderBreakerLimits(messages: 0).isTripped(by: SenderVolume(messages: 1_000))  // false: off
/// ```
public struct SenderBreakerLimits: Sendable, Hashable {
    /// Messages per window that open the breaker (`relay.breaker.messages`); 0 or less turns the
    /// breaker off altogether.
    public var messages: Int
    /// Distinct envelope recipients per window that open the breaker (`relay.breaker.recipients`);
    /// 0 or less turns off this limit only.
    public var distinctRecipients: Int
    /// The window's length (`relay.breaker.window_seconds`).
    public var window: Duration

    /// The limits; the defaults are 30 messages or 100 distinct recipients in 10 minutes.
    public init(messages: Int = 30, distinctRecipients: Int = 100, window: Duration = .seconds(600)) {
        self.messages = messages
        self.distinctRecipients = distinctRecipients
        self.window = window
    }

    /// True when the breaker is on at all.
    public var isOn: Bool { messages > 0 }

    /// True when a sender whose window (this message included) holds `volume` trips the breaker.
    public func isTripped(by volume: SenderVolume) -> Bool {
        guard isOn else { return false }
        return volume.messages >= messages || (distinctRecipients > 0 && volume.distinctRecipients >= distinctRecipients)
    }
}
