/// How much one sender sent through the relay within the breaker's window, counted by the store
/// (distinct recipients by ``AddressKey``).
///
/// ```swift
/// SenderBreakerLimits().isTripped(by: SenderVolume(messages: 12, distinctRecipients: 100))  // true
/// ```
public struct SenderVolume: Sendable, Hashable {
    /// Messages in the window.
    public var messages: Int
    /// Distinct envelope recipients of those messages.
    public var distinctRecipients: Int

    /// Describes a volume (none by default).
    public init(messages: Int = 0, distinctRecipients: Int = 0) {
        self.messages = messages
        self.distinctRecipients = distinctRecipients
    }
}
