/// How much one sender sent through the relay within the breaker's window.
///
/// ```swift
/// let volume = breaker.volume(of: sender, at: clock.now)
/// volume.messages            // 12
/// volume.distinctRecipients  // 40
/// ```
public struct SenderVolume: Sendable, Hashable {
    /// Messages recorded in the window.
    public var messages: Int
    /// Distinct envelope recipients of those messages.
    public var distinctRecipients: Int

    /// Describes a volume (none by default).
    public init(messages: Int = 0, distinctRecipients: Int = 0) {
        self.messages = messages
        self.distinctRecipients = distinctRecipients
    }
}
