public import BulkheadPolicy
public import Foundation

/// The identifier of one message the guard relay received.
public struct RelayMessageID: RawRepresentable, Hashable, Sendable, Codable, Comparable {
    /// The database key.
    public var rawValue: Int64
    /// Wraps a database key.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by key.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a relayed message is.
///
/// `held → queued` (released) `| discarded`; `waiting → queued` (its undo window ran out) `| held`
/// (recalled); `queued → done` once every recipient reached a final state. Nothing leaves `held`
/// without a person: nothing in the hold queue expires.
public enum RelayMessageState: String, Sendable, Hashable, Codable, CaseIterable {
    /// In the hold queue: a person releases or discards it.
    case held
    /// In the bulk undo window until ``RelayMessageRecord/relayAfter``; can be recalled.
    case waiting
    /// Its recipients are being delivered.
    case queued
    /// Every recipient reached a final state.
    case done
    /// A person discarded it (final; the bytes are kept for the record).
    case discarded
}

/// Why a message is in the hold queue.
public enum RelayHoldReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// A rule found an `error` or `approval` finding (the findings say which).
    case findings
    /// This message opened its sender's breaker.
    case breakerTripped = "breaker-tripped"
    /// Its sender's breaker was open already.
    case breakerOpen = "breaker-open"
    /// `bulkhead stop --all` was latched when it arrived, or when its undo window ran out.
    case stopped
    /// A person recalled it during its undo window.
    case recalled
}

/// How the copies of a released message are written.
public enum RelayCopyForm: String, Sendable, Hashable, Codable, CaseIterable {
    /// As submitted (without its `Bcc:` field), one copy per envelope recipient.
    case original
    /// One copy per recipient whose `To:` names only that recipient (`Cc:` removed), re-signed.
    case split
    /// One copy per recipient with `To: undisclosed-recipients:;` (`Cc:` removed), re-signed.
    case bcc
}

/// Where one recipient of a relayed message is: `queued → sending → sent | queued (deferred, due at
/// ``RelayRecipient/nextAttemptAt``) | failed | uncertain`, or `queued → suppressed` when the address is
/// on the suppression list when it comes due (a person who opted out never gets another message).
public enum RelayRecipientState: String, Sendable, Hashable, Codable, CaseIterable {
    case queued
    case sending
    case sent
    case failed
    case uncertain
    case suppressed
    /// Its message was discarded before delivery.
    case discarded

    /// True for the states delivery never leaves.
    public var isFinal: Bool { self != .queued && self != .sending }
}

/// A message the relay received, as the gateway hands it to the store.
///
/// ```swift
/// let new = NewRelayMessage(
///     sender: RelaySender(authenticatedUser: "ann", reversePath: "ann@shop.example"), mailFrom: "ann@shop.example",
///     recipients: ["bo@example.org"], clientAddress: "127.0.0.1", bytes: bytes, subject: "Hello",
///     findings: [], disposition: .relay(after: nil))
/// let receipt = try await store.receiveRelayMessage(new, breaker: SenderBreakerLimits())
/// ```
public struct NewRelayMessage: Sendable, Hashable {
    /// What the gateway decided before the breaker and the stop latch are looked at.
    public enum Disposition: Sendable, Hashable {
        /// Relay it; when `after` is given, it waits in the bulk undo window until then.
        case relay(after: Date?)
        /// Hold it (its findings say why).
        case hold
    }

    public var sender: RelaySender
    /// The reverse path ("" is the null sender).
    public var mailFrom: String
    /// The envelope recipients, in order, without angle brackets (duplicates by ``AddressKey`` are kept once).
    public var recipients: [String]
    /// The client's IP address as text, when known.
    public var clientAddress: String?
    /// The message octets as they will be relayed (trace field added, `Bcc:` removed).
    public var bytes: [UInt8]
    /// The decoded subject, for listings ("" when none).
    public var subject: String
    /// Every finding of the relay rules, most severe first.
    public var findings: [Finding]
    public var disposition: Disposition

    public init(
        sender: RelaySender, mailFrom: String, recipients: [String], clientAddress: String?, bytes: [UInt8], subject: String,
        findings: [Finding], disposition: Disposition
    ) {
        self.sender = sender
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.clientAddress = clientAddress
        self.bytes = bytes
        self.subject = subject
        self.findings = findings
        self.disposition = disposition
    }
}

/// What the store did with a received message (durably, in the same transaction).
public struct RelayReceipt: Sendable, Hashable {
    public var id: RelayMessageID
    /// `held`, `waiting` or `queued`.
    public var state: RelayMessageState
    /// Why it is held, when it is.
    public var holdReason: RelayHoldReason?
    /// True when this message opened its sender's breaker: the caller sends the trip's one notice and one alert.
    public var breakerTripped: Bool

    public init(id: RelayMessageID, state: RelayMessageState, holdReason: RelayHoldReason?, breakerTripped: Bool) {
        self.id = id
        self.state = state
        self.holdReason = holdReason
        self.breakerTripped = breakerTripped
    }
}

/// One recipient of a relayed message.
public struct RelayRecipient: Sendable, Hashable, Codable {
    /// The envelope address as submitted.
    public var address: String
    public var state: RelayRecipientState
    /// How many times it was claimed.
    public var attempts: Int
    /// When a deferred recipient is due again.
    public var nextAttemptAt: Date?
    /// The last SMTP reply, or a local explanation.
    public var lastReply: SMTPReplyRecord?

    public init(address: String, state: RelayRecipientState, attempts: Int, nextAttemptAt: Date?, lastReply: SMTPReplyRecord?) {
        self.address = address
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastReply = lastReply
    }
}

/// A relayed message as the store keeps it (without its bytes: ``MailStore/relayMessageBytes(_:)``).
public struct RelayMessageRecord: Sendable, Hashable {
    public var id: RelayMessageID
    public var receivedAt: Date
    public var sender: RelaySender
    public var mailFrom: String
    public var clientAddress: String?
    public var subject: String
    public var size: Int
    public var state: RelayMessageState
    public var holdReason: RelayHoldReason?
    public var findings: [Finding]
    /// End of the bulk undo window, for a `waiting` message (and kept afterwards).
    public var relayAfter: Date?
    /// How released copies are written (`original` until a person picks `split` or `bcc`).
    public var copyForm: RelayCopyForm
    /// Who released, discarded or recalled it last, and when.
    public var decidedBy: String?
    public var decidedAt: Date?
    /// True once the sender's notice about this hold went out (at most one per held message, one per breaker trip).
    public var senderNotified: Bool
    /// The recipients, in the order submitted.
    public var recipients: [RelayRecipient]
    /// The hosted list it was posted to (its recipients are the list's members), or nil.
    public var list: ListID?

    public init(
        id: RelayMessageID, receivedAt: Date, sender: RelaySender, mailFrom: String, clientAddress: String?, subject: String,
        size: Int, state: RelayMessageState, holdReason: RelayHoldReason?, findings: [Finding], relayAfter: Date?,
        copyForm: RelayCopyForm, decidedBy: String?, decidedAt: Date?, senderNotified: Bool, recipients: [RelayRecipient], list: ListID? = nil
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.sender = sender
        self.mailFrom = mailFrom
        self.clientAddress = clientAddress
        self.subject = subject
        self.size = size
        self.state = state
        self.holdReason = holdReason
        self.findings = findings
        self.relayAfter = relayAfter
        self.copyForm = copyForm
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.senderNotified = senderNotified
        self.recipients = recipients
        self.list = list
    }
}

/// A person's decision about a held or waiting message.
public enum RelayDecision: Sendable, Hashable {
    /// `held → queued`, copies written in this form.
    case release(RelayCopyForm)
    /// `held → discarded` (its recipients become `discarded`).
    case discard
    /// `waiting → held` with reason `recalled`.
    case recall
}

/// One recipient claimed for delivery: rows are durably `sending` before any byte goes out.
public struct RelayDelivery: Sendable, Hashable {
    /// The recipient row's key.
    public var id: Int64
    public var message: RelayMessageID
    public var mailFrom: String
    public var recipient: String
    public var copyForm: RelayCopyForm
    /// The attempt this claim is (1 for the first).
    public var attempt: Int
    /// For a list post: the list and the member (whose own unsubscribe link the copy carries).
    public var listMember: ListMember?

    /// A hosted list's member, as a list post's recipient.
    public struct ListMember: Sendable, Hashable {
        public var list: ListID
        public var subscriber: SubscriberID

        public init(list: ListID, subscriber: SubscriberID) {
            self.list = list
            self.subscriber = subscriber
        }
    }

    public init(
        id: Int64, message: RelayMessageID, mailFrom: String, recipient: String, copyForm: RelayCopyForm, attempt: Int,
        listMember: ListMember? = nil
    ) {
        self.id = id
        self.message = message
        self.mailFrom = mailFrom
        self.recipient = recipient
        self.copyForm = copyForm
        self.attempt = attempt
        self.listMember = listMember
    }
}

/// What became of one claimed recipient.
public struct RelayDeliveryOutcome: Sendable, Hashable {
    public enum Result: Sendable, Hashable {
        case sent(SMTPReplyRecord)
        /// Try again at `retryAt` (the attempt counts).
        case deferred(SMTPReplyRecord, retryAt: Date)
        /// Not sent, not charged an attempt: back to `queued`, due at `retryAt` (upstream down, stop latched).
        case postponed(SMTPReplyRecord, retryAt: Date)
        case failed(SMTPReplyRecord)
        case uncertain(SMTPReplyRecord)
    }

    public var delivery: RelayDelivery
    public var result: Result

    public init(delivery: RelayDelivery, result: Result) {
        self.delivery = delivery
        self.result = result
    }
}

/// An open per-sender breaker: that sender's mail is held until a person closes it.
public struct RelayBreaker: Sendable, Hashable {
    public var sender: RelaySender
    public var openedAt: Date
    /// The message that tripped it.
    public var trippedBy: RelayMessageID
    /// Messages held since it opened (the tripping one included).
    public var heldMessages: Int

    public init(sender: RelaySender, openedAt: Date, trippedBy: RelayMessageID, heldMessages: Int) {
        self.sender = sender
        self.openedAt = openedAt
        self.trippedBy = trippedBy
        self.heldMessages = heldMessages
    }
}
