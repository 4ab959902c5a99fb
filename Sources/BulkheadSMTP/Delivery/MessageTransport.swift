// What every transport (SMTP pool, capture store) offers the delivery engine.

/// Why an `Envelope` cannot be built.
public struct EnvelopeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which address is wrong: `"mail from"` or `"recipient"`.
    public var field: String
    /// Byte offset of the offending character in that address.
    public var offset: Int
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(field: String, offset: Int, reason: String) {
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// A readable explanation.
    public var description: String { "invalid \(field) address at offset \(offset): \(reason)" }
}

/// The SMTP envelope of one message: the return path and exactly one recipient (Bulkhead sends one
/// recipient per message, so no recipient can ever see another).
///
/// ```swift
/// let envelope = try Envelope(mailFrom: "bounce+42@example.com", recipient: "ada@example.org")
/// ```
public struct Envelope: Sendable, Hashable, Codable {
    /// The reverse path (`MAIL FROM:<…>`), e.g. a per-recipient VERP address; "" is the null sender.
    public let mailFrom: String
    /// The single forward path (`RCPT TO:<…>`).
    public let recipient: String
    /// True when either address is not ASCII (or the caller says the headers need it): the message
    /// may only go to a server that offers SMTPUTF8 (RFC 6531).
    public let requiresSMTPUTF8: Bool

    /// Checks the addresses and builds the envelope. Addresses are written without angle brackets;
    /// they may not contain controls, spaces, `<` or `>` (that would inject SMTP commands), and the
    /// recipient may not be empty.
    public init(mailFrom: String, recipient: String, requiresSMTPUTF8: Bool = false) throws(EnvelopeError) {
        try Self.check(mailFrom, field: "mail from", allowEmpty: true)
        try Self.check(recipient, field: "recipient", allowEmpty: false)
        self.mailFrom = mailFrom
        self.recipient = recipient
        let nonASCII = mailFrom.utf8.contains { $0 >= 0x80 } || recipient.utf8.contains { $0 >= 0x80 }
        self.requiresSMTPUTF8 = requiresSMTPUTF8 || nonASCII
    }

    private enum CodingKeys: String, CodingKey { case mailFrom, recipient, requiresSMTPUTF8 }

    /// Decodes an envelope and checks it exactly like `init(mailFrom:recipient:requiresSMTPUTF8:)`,
    /// so stored data cannot smuggle a CR/LF into a command.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            mailFrom: try container.decode(String.self, forKey: .mailFrom),
            recipient: try container.decode(String.self, forKey: .recipient),
            requiresSMTPUTF8: try container.decodeIfPresent(Bool.self, forKey: .requiresSMTPUTF8) ?? false
        )
    }

    private static func check(_ address: String, field: String, allowEmpty: Bool) throws(EnvelopeError) {
        let bytes = Array(address.utf8)
        if bytes.isEmpty {
            if allowEmpty { return }
            throw EnvelopeError(field: field, offset: 0, reason: "empty")
        }
        if bytes.count > 256 {
            throw EnvelopeError(field: field, offset: 256, reason: "longer than 256 octets (RFC 5321 §4.5.3.1.3)")
        }
        // A space may only stand inside a quoted local part (`"two words"@example.org`, RFC 5321
        // §4.1.2 qtextSMTP and quoted-pairSMTP); controls never.
        var quoted = false
        var escaped = false
        for (offset, byte) in bytes.enumerated() {
            if byte < 0x20 || byte == 0x7F || (byte == 0x20 && !quoted) {
                throw EnvelopeError(field: field, offset: offset, reason: "control character or space")
            }
            if escaped {
                escaped = false
            } else if quoted && byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") && (offset == 0 || quoted) {
                quoted.toggle()
            }
            if byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") {
                throw EnvelopeError(field: field, offset: offset, reason: "angle bracket")
            }
        }
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1 else {
            throw EnvelopeError(field: field, offset: 0, reason: "not of the form local-part@domain")
        }
    }
}

/// Where a delivery outcome comes from: the server's reply to a step, or a local explanation
/// (connection refused, TLS required but not offered, message refused before sending…).
public enum DeliveryDetail: Sendable, Hashable, CustomStringConvertible {
    /// The server answered `reply` to `step`.
    case reply(SMTPStep, SMTPReply)
    /// A local explanation.
    case note(String)

    /// A readable explanation, e.g. `RCPT: 550 5.1.1 No such user`.
    public var description: String {
        switch self {
        case .reply(let step, let reply): "\(step.rawValue): \(reply)"
        case .note(let text): text
        }
    }

    /// The server's reply, if the outcome came from one.
    public var reply: SMTPReply? {
        if case .reply(_, let reply) = self { return reply }
        return nil
    }
}

/// The steps of an SMTP session, named in outcomes.
public enum SMTPStep: String, Sendable, Hashable, Codable {
    /// The session steps, in protocol order; the raw value is the name used in reports.
    case greeting = "greeting"
    case ehlo = "EHLO"
    case helo = "HELO"
    case startTLS = "STARTTLS"
    case auth = "AUTH"
    case mail = "MAIL"
    case rcpt = "RCPT"
    case data = "DATA"
    case endOfData = "end of data"
    case rset = "RSET"
    case quit = "QUIT"
}

/// What became of one message. The ledger maps these one to one:
/// `sent` (the server said 250 to the final dot), `deferred` (4xx, or nothing was sent yet: safe to
/// retry later), `failed` (5xx; `hardBounce` marks an unknown recipient, which goes on the suppression
/// list), `uncertain` (the connection broke after the message body started: it may have arrived, so it
/// is never re-sent blindly), `postponed` (the upstream is down: not sent, not charged an attempt).
public enum DeliveryOutcome: Sendable, Hashable, CustomStringConvertible {
    /// Accepted by the server (or durably captured).
    case sent(DeliveryDetail)
    /// Not delivered now; retry later with backoff.
    case deferred(DeliveryDetail)
    /// Refused for good. `hardBounce` is true for an unknown recipient (550 or 5.1.x on RCPT).
    case failed(DeliveryDetail, hardBounce: Bool)
    /// The connection broke or timed out after the body started: may or may not have arrived.
    case uncertain(DeliveryDetail)
    /// Nothing was sent because the upstream cannot be reached (its connection failed, or its circuit
    /// breaker is open): the message is not charged an attempt and should be tried again after
    /// `retryAfter` (zero: at once).
    case postponed(DeliveryDetail, retryAfter: Duration)

    /// The note of a message its sender kept back at the last look (``MessageTransport/deliver(_:_:lastLook:)``).
    public static let withdrawnNote = "kept back by the sender at the last look; nothing was sent"

    /// The reply or explanation.
    public var detail: DeliveryDetail {
        switch self {
        case .sent(let detail), .deferred(let detail), .failed(let detail, _), .uncertain(let detail), .postponed(let detail, _): detail
        }
    }

    /// `sent: 250 OK`, `failed (hard bounce): RCPT: 550 …`, ….
    public var description: String {
        switch self {
        case .sent(let detail): "sent: \(detail)"
        case .deferred(let detail): "deferred: \(detail)"
        case .failed(let detail, let hardBounce): "failed\(hardBounce ? " (hard bounce)" : ""): \(detail)"
        case .uncertain(let detail): "uncertain: \(detail)"
        case .postponed(let detail, let retryAfter): "postponed (\(retryAfter)): \(detail)"
        }
    }
}

/// Something that delivers one message to one recipient and says what became of it. It never
/// throws: every failure is an outcome the ledger records.
///
/// ```swift
/// let transport: any MessageTransport = try CaptureTransport(directory: captureFolder)
/// let outcome = await transport.deliver(envelope, messageBytes)
/// ```
public protocol MessageTransport: Sendable {
    /// Delivers `message` (the complete RFC 5322 message, CRLF line endings) to `envelope`'s recipient.
    func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome
    /// Delivers like ``deliver(_:_:)``, but first asks `lastLook`, after every wait (a rate limit, a
    /// free connection) and right before the message goes out. When it answers false nothing is sent
    /// and the outcome is `.postponed` with ``DeliveryOutcome/withdrawnNote``. A transport that may
    /// try again elsewhere asks again: `lastLook` must keep answering false once it has.
    ///
    /// ```swift
    /// let outcome = await transport.deliver(envelope, bytes, lastLook: { await stillWanted() })
    /// ```
    func deliver(_ envelope: Envelope, _ message: [UInt8], lastLook: @escaping LastLook) async -> DeliveryOutcome
}

/// A sender's last look before its message goes out: true to send it, false to keep it back.
public typealias LastLook = @Sendable () async -> Bool

extension MessageTransport {
    /// For a transport that never waits: the last look comes first.
    public func deliver(_ envelope: Envelope, _ message: [UInt8], lastLook: @escaping LastLook) async -> DeliveryOutcome {
        guard await lastLook() else { return .postponed(.note(DeliveryOutcome.withdrawnNote), retryAfter: .zero) }
        return await deliver(envelope, message)
    }
}
