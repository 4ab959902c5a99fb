/// The relay's circuit breaker per sender, as a pure state machine on instants the caller passes:
/// when one sender reaches ``SenderBreakerLimits/messages`` messages or
/// ``SenderBreakerLimits/distinctRecipients`` distinct recipients within the window, that sender's
/// breaker opens, and it stays open until a person closes it (a tool gone wrong does not fix itself
/// after ten minutes). The message that reaches a limit is the one that trips it, and is held too.
///
/// Memory is bounded by what the window needs: per sender with mail in the last window (idle senders
/// are dropped at least once per window) at most `messages − 1` instants and `distinctRecipients − 1`
/// recipient addresses with the instant each was last seen; per open sender, its key only. A sender's
/// counts are dropped when its breaker opens.
///
/// ```swift
/// var breaker = SenderBreaker<WallTime>()
/// switch breaker.record(sender: sender, recipients: envelope.recipients, at: clock.now) {
/// case .pass: relay(message)
/// case .tripped: hold(message); notifySender(); alertAdmins()  // once per trip
/// case .open: hold(message)
/// }
/// breaker.close(sender: sender)  // a person decided
/// ```
public struct SenderBreaker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What to do with a message `record` was told about.
    public enum Decision: Sendable, Hashable {
        /// The sender's breaker is closed: relay the message.
        case pass
        /// This message opened the breaker: hold it, and send the one notice and the one alert of this trip.
        case tripped
        /// The breaker was open already: hold the message, no new notice.
        case open
    }

    /// The limits.
    public let limits: SenderBreakerLimits
    private var windows: [RelaySender: SenderWindow<Instant>] = [:]
    private var opened: Set<RelaySender> = []
    private var lastSweep: Instant?

    /// A breaker with every sender's breaker closed.
    public init(limits: SenderBreakerLimits = SenderBreakerLimits()) {
        self.limits = limits
    }

    /// Counts a message from `sender` to `recipients` (envelope addresses) at `now`, and says what to do with it.
    /// Count every message the sender submits, held or not. A clock that goes backwards keeps the
    /// instants it finds in the future in the window until `now` passes them (never fewer counted).
    public mutating func record(sender: RelaySender, recipients: some Sequence<String>, at now: Instant) -> Decision {
        guard limits.messages > 0 else { return .pass }
        if opened.contains(sender) { return .open }
        sweepIfDue(now)
        var window = windows[sender] ?? SenderWindow()
        window.prune(at: now, length: limits.window)
        window.messages.append(now)
        if limits.distinctRecipients > 0 {
            for recipient in recipients {
                window.recipients[AddressKey(envelope: recipient)] = now
                if window.recipients.count >= limits.distinctRecipients { break }
            }
        }
        if window.messages.count >= limits.messages || (limits.distinctRecipients > 0 && window.recipients.count >= limits.distinctRecipients) {
            windows[sender] = nil
            opened.insert(sender)
            return .tripped
        }
        windows[sender] = window
        return .pass
    }

    /// Closes `sender`'s breaker (a person decided): its mail passes again, counted from nothing.
    /// Returns false when it was not open.
    @discardableResult
    public mutating func close(sender: RelaySender) -> Bool {
        windows[sender] = nil
        return opened.remove(sender) != nil
    }

    /// The senders whose breaker is open, users first, then by name.
    public var openSenders: [RelaySender] { opened.sorted() }

    /// What `sender` sent within the window that ends at `now` (nothing for an open sender: its counts
    /// were dropped when it tripped).
    public func volume(of sender: RelaySender, at now: Instant) -> SenderVolume {
        guard var window = windows[sender] else { return SenderVolume() }
        window.prune(at: now, length: limits.window)
        return SenderVolume(messages: window.messages.count, distinctRecipients: window.recipients.count)
    }

    /// How many closed senders have counts kept (each within the bound above).
    public var trackedSenders: Int { windows.count }

    /// Drops every sender with nothing left in the window, once per window length (and whenever the
    /// clock went back past the last sweep).
    private mutating func sweepIfDue(_ now: Instant) {
        if let lastSweep, now >= lastSweep, now < lastSweep.advanced(by: limits.window) { return }
        lastSweep = now
        for (sender, var window) in windows {
            window.prune(at: now, length: limits.window)
            windows[sender] = window.isEmpty ? nil : window
        }
    }
}

/// One sender's messages and recipients within the window.
private struct SenderWindow<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// When each message in the window was recorded.
    var messages: [Instant] = []
    /// Each distinct recipient in the window, with when it was last seen.
    var recipients: [AddressKey: Instant] = [:]

    var isEmpty: Bool { messages.isEmpty && recipients.isEmpty }

    /// Drops what happened at or before `now − length` (the window is `(now − length, now]`).
    mutating func prune(at now: Instant, length: Duration) {
        messages.removeAll { $0.advanced(by: length) <= now }
        recipients = recipients.filter { $0.value.advanced(by: length) > now }
    }
}
