public import BulkheadPolicy
public import Foundation

/// What the store allows an auto-responder: at most one reply per sender in ``oncePerSender``, never
/// to mail written long before the responder was enabled (``backlogGrace``), and a global breaker:
/// the reply that would make more than ``breakerReplies`` within ``breakerWindow`` pauses every
/// responder (the ``Latch/autoReplyBreaker`` latch) instead of going out.
///
/// ```swift
/// let limits = AutoReplyLimits(oncePerSender: .seconds(7 * 86_400), breakerReplies: 50, breakerWindow: .seconds(600))
/// ```
public struct AutoReplyLimits: Sendable, Hashable {
    /// The least time between two replies to one sender.
    public var oncePerSender: Duration
    /// The most replies (all responders together) within ``breakerWindow``; 0 turns the breaker off.
    public var breakerReplies: Int
    public var breakerWindow: Duration
    /// Mail whose `Date:` is more than this before the responder was enabled is backlog: no reply.
    public var backlogGrace: Duration

    public init(
        oncePerSender: Duration = .seconds(7 * 86_400), breakerReplies: Int = 50, breakerWindow: Duration = .seconds(600),
        backlogGrace: Duration = .seconds(3_600)
    ) {
        self.oncePerSender = oncePerSender
        self.breakerReplies = breakerReplies
        self.breakerWindow = breakerWindow
        self.backlogGrace = backlogGrace
    }
}

/// One message that reached an auto-responder, as the engine hands it to
/// ``MailStore/receiveAutoResponderMail(_:limits:)``: the reply the RFC 3834 rule allows (or the rule's
/// reason for none) and the forward of the message itself.
public struct NewAutoResponderMail: Sendable, Hashable {
    /// The responder's address, canonical (``NormalizedAddress``).
    public var responder: String
    /// The envelope sender as received ("" for the null sender).
    public var sender: String
    /// The message's Message-ID without brackets, when it has one.
    public var messageID: String?
    /// The message's `Date:`, when it has a readable one.
    public var writtenAt: Date?
    /// What the RFC 3834 rule allows.
    public var answer: Answer
    /// The message delivered on to `forward_to` (nil when it is kept in a Maildir).
    public var forward: NewRelayMessage?

    public init(
        responder: String, sender: String, messageID: String?, writtenAt: Date?, answer: Answer, forward: NewRelayMessage?
    ) {
        self.responder = responder
        self.sender = sender
        self.messageID = messageID
        self.writtenAt = writtenAt
        self.answer = answer
        self.forward = forward
    }

    /// What the RFC 3834 rule allows for one message.
    public enum Answer: Sendable, Hashable {
        /// This reply, filed when the store's limits allow it.
        case reply(NewRelayMessage)
        /// No reply, for this reason.
        case skip(AutoReplySkip)
    }

    /// The key a sender is counted by: lowercased, the domain in ASCII form (as ``RelaySender/mailFrom(_:)``).
    public static func senderKey(_ sender: String) -> String { RelaySender.mailFrom(sender).name }
}

/// What became of one message at an auto-responder; each has a stable ``code`` (the log's `outcome`).
///
/// ```swift
/// AutoReplyOutcome.oncePerSender.code              // "once-per-sender"
/// AutoReplyOutcome(code: "auto-submitted")         // .skipped(.autoSubmitted)
/// ```
public enum AutoReplyOutcome: Sendable, Hashable, CustomStringConvertible {
    /// A reply was filed.
    case replied
    /// The RFC 3834 rule gives no reply.
    case skipped(AutoReplySkip)
    /// A message with this Message-ID reached this responder before (received or imported).
    case alreadySeen
    /// Written before the responder was enabled: backlog, never answered.
    case backlog
    /// The sender had a reply within the once-per-sender period.
    case oncePerSender
    /// The breaker has paused every responder.
    case paused
    /// This reply would have exceeded the breaker's limit: every responder is paused now.
    case breakerTripped
    /// Recorded by `bulkhead autoreply import`: never answered.
    case imported

    public var code: String {
        switch self {
        case .replied: "replied"
        case .skipped(let reason): reason.code
        case .alreadySeen: "already-seen"
        case .backlog: "backlog"
        case .oncePerSender: "once-per-sender"
        case .paused: "paused"
        case .breakerTripped: "breaker-tripped"
        case .imported: "imported"
        }
    }

    /// The outcome with this code, or nil.
    public init?(code: String) {
        if let reason = AutoReplySkip(rawValue: code) {
            self = .skipped(reason)
            return
        }
        let outcomes: [AutoReplyOutcome] = [.replied, .alreadySeen, .backlog, .oncePerSender, .paused, .breakerTripped, .imported]
        guard let outcome = outcomes.first(where: { $0.code == code }) else { return nil }
        self = outcome
    }

    public var description: String {
        switch self {
        case .replied: "replied"
        case .skipped(let reason): reason.description
        case .alreadySeen: "a message with this Message-ID reached the responder before"
        case .backlog: "written before the responder was enabled (backlog)"
        case .oncePerSender: "the sender had a reply within the once-per-sender period"
        case .paused: "auto-replies are paused by the breaker (bulkhead autoreply resume)"
        case .breakerTripped: "this reply would have exceeded the auto-reply breaker: every responder is paused"
        case .imported: "imported from a mailbox: never answered"
        }
    }
}

/// What the store did with a message for an auto-responder, durably, in one transaction.
public struct AutoResponderReceipt: Sendable, Hashable {
    public var outcome: AutoReplyOutcome
    /// The filed reply (when ``outcome`` is ``AutoReplyOutcome/replied``).
    public var reply: RelayReceipt?
    /// The filed forward, when there is one.
    public var forward: RelayReceipt?

    public init(outcome: AutoReplyOutcome, reply: RelayReceipt?, forward: RelayReceipt?) {
        self.outcome = outcome
        self.reply = reply
        self.forward = forward
    }
}

/// One message of a mailbox imported by `bulkhead autoreply import`: recorded, never answered.
public struct ImportedAutoResponderMail: Sendable, Hashable {
    /// The envelope sender (Return-Path) or the From address; "" when neither.
    public var sender: String
    public var messageID: String?

    public init(sender: String, messageID: String?) {
        self.sender = sender
        self.messageID = messageID
    }
}

/// An auto-responder as the store knows it, with what became of the mail it received.
public struct AutoResponderSummary: Sendable, Hashable {
    public var address: String
    public var enabledAt: Date
    /// Messages per ``AutoReplyOutcome/code``.
    public var outcomes: [String: Int]
    /// Distinct senders seen (received or imported).
    public var senders: Int

    public init(address: String, enabledAt: Date, outcomes: [String: Int], senders: Int) {
        self.address = address
        self.enabledAt = enabledAt
        self.outcomes = outcomes
        self.senders = senders
    }
}
