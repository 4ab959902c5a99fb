/// One message on a ready session: `MAIL FROM`, `RCPT TO` (its one recipient), `DATA`, the body and
/// its final dot. With PIPELINING (RFC 2920) the three commands go in one write and the replies are
/// matched to them in order; without it each command waits for the reply to the one before. The
/// first refusal decides the outcome; a 354 that comes although MAIL or RCPT was refused is answered
/// with an empty body (only "."), never with the message.
///
/// A transaction that breaks off (timeout, closed connection, protocol violation) ends by one rule,
/// ``outcome(interruptedBy:)``: `deferred` while nothing of the body went out, `uncertain` once it did.
///
/// ```swift
/// guard case .started(var transaction, let bytes) = SMTPMailTransaction.start(id: 1, envelope: envelope, message: message, capabilities: caps) else { … }
/// // write bytes ("MAIL FROM:<…>\r\nRCPT TO:<…>\r\nDATA\r\n" with PIPELINING); then, reply by reply:
/// transaction.replyReceived(SMTPReply(code: 250, lines: ["ok"]))   // .wait (for the reply to RCPT)
/// ```
struct SMTPMailTransaction: Sendable {
    /// Whether the message can start on this server.
    enum Start: Sendable {
        /// The message cannot go to this server as it is (nothing sent).
        case refused(DeliveryOutcome)
        /// Write `bytes`; the reply to MAIL is awaited.
        case started(SMTPMailTransaction, bytes: [UInt8])
    }

    /// What the session does after a reply.
    enum Next: Sendable, Hashable {
        /// Write this command, then wait for the reply to ``awaitedStep``.
        case send([UInt8])
        /// Wait for the reply to ``awaitedStep`` (already written).
        case wait
        /// Write the body (dot-stuffed, final dot included) and wait for the reply to the final dot.
        case sendBody([UInt8])
        /// Done, accepted: the session is ready for the next message.
        case delivered(DeliveryOutcome)
        /// Done, refused: reset the session (RSET) before the next message.
        case refused(DeliveryOutcome)
        /// Done; the connection cannot be trusted any more (`reason`): close it.
        case abandoned(DeliveryOutcome, reason: String)
    }

    /// How a transaction can break off before its outcome is known.
    enum Interruption: Sendable, Hashable {
        /// No reply in time.
        case timeout
        /// The connection closed (`reason`).
        case connectionClosed(String)
        /// The server broke the protocol (`why`).
        case protocolViolation(String)
    }

    private struct Refusal: Sendable {
        var step: SMTPStep
        var reply: SMTPReply
    }

    private enum Stage: Sendable {
        /// MAIL, RCPT and DATA: written (all, or one by one) and answered in order; the first refusal so far.
        case commands(firstRefusal: Refusal?)
        /// DATA got 354 although MAIL or RCPT was refused: only "." was written.
        case emptyData(Refusal)
        /// The body (ending with the final dot) was handed to the connection: it may arrive.
        case body
    }

    /// The message's id in the session.
    let id: SMTPClientSession.MessageID
    private let body: [UInt8]
    /// Commands not written yet (without PIPELINING), in order.
    private var unwritten: [(step: SMTPStep, command: [UInt8])]
    /// Commands written whose replies are awaited, in order.
    private var awaiting: [SMTPStep]
    private var stage: Stage = .commands(firstRefusal: nil)

    private init(id: SMTPClientSession.MessageID, body: [UInt8], unwritten: [(step: SMTPStep, command: [UInt8])]) {
        self.id = id
        self.body = body
        self.unwritten = unwritten
        self.awaiting = []
    }

    /// Checks the message against the server's extensions and starts it; refuses it (nothing sent)
    /// when it cannot go to this server as it is.
    static func start(
        id: SMTPClientSession.MessageID, envelope: Envelope, message: [UInt8], capabilities: SMTPCapabilities
    ) -> Start {
        let data: SMTPMessageData
        do {
            data = try SMTPMessageData(message: message)
        } catch {
            return .refused(.failed(.note(error.description), hardBounce: false))
        }
        if envelope.requiresSMTPUTF8 && !capabilities.smtpUTF8 {
            return .refused(.failed(.note("the message needs SMTPUTF8 and the server does not offer it"), hardBounce: false))
        }
        let utf8Allowed = envelope.requiresSMTPUTF8 && capabilities.smtpUTF8
        if data.has8BitOctets && !capabilities.eightBitMIME && !utf8Allowed {
            return .refused(.failed(.note("the message has 8-bit octets and the server does not offer 8BITMIME"), hardBounce: false))
        }
        if let limit = capabilities.sizeLimit, limit > 0, data.messageSize > limit {
            return .refused(.failed(.note("the message (\(data.messageSize) octets) exceeds the server's SIZE limit of \(limit)"), hardBounce: false))
        }
        var mail = "MAIL FROM:<\(envelope.mailFrom)>"
        if capabilities.sizeLimit != nil { mail += " SIZE=\(data.messageSize)" }
        if data.has8BitOctets && capabilities.eightBitMIME { mail += " BODY=8BITMIME" }
        if envelope.requiresSMTPUTF8 { mail += " SMTPUTF8" }
        var transaction = SMTPMailTransaction(
            id: id, body: data.bytes,
            unwritten: [
                (.mail, SMTPClientSession.line(mail)),
                (.rcpt, SMTPClientSession.line("RCPT TO:<\(envelope.recipient)>")),
                (.data, SMTPClientSession.line("DATA")),
            ])
        let count = capabilities.pipelining ? transaction.unwritten.count : 1
        let first = transaction.unwritten.prefix(count)
        transaction.unwritten.removeFirst(count)
        transaction.awaiting = first.map(\.step)
        return .started(transaction, bytes: first.flatMap(\.command))
    }

    /// True while the body is out and the reply to its final dot is awaited.
    var isSendingBody: Bool {
        switch stage {
        case .body: true
        case .commands, .emptyData: false
        }
    }

    /// The step whose reply is awaited.
    var awaitedStep: SMTPStep {
        switch stage {
        case .commands: awaiting.first ?? .endOfData
        case .emptyData, .body: .endOfData
        }
    }

    /// A reply arrived.
    mutating func replyReceived(_ reply: SMTPReply) -> Next {
        switch stage {
        case .body:
            if reply.isPositiveCompletion { return .delivered(.sent(.reply(.endOfData, reply))) }
            if reply.isPositiveIntermediate {
                return .abandoned(.uncertain(.reply(.endOfData, reply)), reason: "unexpected reply to the final dot")
            }
            let outcome = Self.outcome(refusedAt: .endOfData, reply)
            return reply.code == 421 ? .abandoned(outcome, reason: "server closing (421)") : .refused(outcome)
        case .emptyData(let refusal):
            return .refused(Self.outcome(refusedAt: refusal.step, refusal.reply))
        case .commands(let firstRefusal):
            return commandReplyReceived(reply, firstRefusal: firstRefusal)
        }
    }

    private mutating func commandReplyReceived(_ reply: SMTPReply, firstRefusal: Refusal?) -> Next {
        guard let step = awaiting.first else {
            let why = "unexpected reply \(reply)"
            return .abandoned(outcome(interruptedBy: .protocolViolation(why)), reason: why)
        }
        awaiting.removeFirst()
        if step == .data && reply.code == 354 {
            awaiting = []
            if let firstRefusal {
                // RFC 2920 §3.1: DATA accepted although MAIL or RCPT failed; end it with an empty body.
                stage = .emptyData(firstRefusal)
                return .send(SMTPClientSession.line("."))
            }
            stage = .body
            return .sendBody(body)
        }
        let accepted = step != .data && reply.isPositiveCompletion
        guard accepted else {
            if !reply.isTransientFailure && !reply.isPermanentFailure {
                return .abandoned(.deferred(.reply(step, reply)), reason: "unexpected reply to \(step.rawValue)")
            }
            if reply.code == 421 { return .abandoned(Self.outcome(refusedAt: step, reply), reason: "server closing (421)") }
            let refusal = firstRefusal ?? Refusal(step: step, reply: reply)
            stage = .commands(firstRefusal: refusal)
            unwritten = []
            return awaiting.isEmpty ? .refused(Self.outcome(refusedAt: refusal.step, refusal.reply)) : .wait
        }
        // MAIL or RCPT accepted: DATA (written or not) is still to come
        guard !unwritten.isEmpty else { return .wait }
        let next = unwritten.removeFirst()
        awaiting.append(next.step)
        return .send(next.command)
    }

    /// The one rule for a message whose transaction broke off before its outcome was known: until the
    /// body was handed to the connection nothing of the message went out, so it is `deferred` (safe to
    /// retry); from then on the body, final dot included, may have arrived, so it is `uncertain` (never
    /// re-sent blindly).
    func outcome(interruptedBy interruption: Interruption) -> DeliveryOutcome {
        let mayHaveArrived = isSendingBody
        switch interruption {
        case .timeout:
            let step = awaitedStep.rawValue
            return mayHaveArrived
                ? .uncertain(.note("timeout waiting for the reply to \(step) after the message body started"))
                : .deferred(.note("timeout waiting for the reply to \(step); the message was not sent"))
        case .connectionClosed(let reason):
            return mayHaveArrived
                ? .uncertain(.note("connection closed after the message body started (\(reason))"))
                : .deferred(.note("connection closed before the message body was sent (\(reason))"))
        case .protocolViolation(let why):
            return mayHaveArrived
                ? .uncertain(.note("SMTP protocol violation after the message body started: \(why)"))
                : .deferred(.note("SMTP protocol violation: \(why); the message was not sent"))
        }
    }

    /// A refusal's outcome: 4xx → deferred; 5xx → failed, a hard bounce when RCPT got 5.1.x (or plain
    /// 550 without an enhanced code).
    static func outcome(refusedAt step: SMTPStep, _ reply: SMTPReply) -> DeliveryOutcome {
        if reply.isTransientFailure { return .deferred(.reply(step, reply)) }
        return .failed(.reply(step, reply), hardBounce: SMTPClientSession.isHardBounce(step: step, reply: reply))
    }
}
