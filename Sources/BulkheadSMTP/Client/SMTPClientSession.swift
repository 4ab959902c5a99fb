import BulkheadMail
/// The SMTP client protocol as a pure state machine: it takes events (connected, reply received, TLS
/// established, body written, timer fired, message queued, quit requested, connection closed) and
/// returns the actions to perform (write bytes, start TLS, arm a timer, report an outcome, close).
/// It does no I/O; `SMTPClientHandler` runs it on a NIO channel.
///
/// One message is in flight at a time, with one recipient. With PIPELINING, `MAIL`, `RCPT` and
/// `DATA` go in one write and their replies are matched in order. After a failed message the
/// session sends `RSET` before the next one.
///
/// ```swift
/// var session = SMTPClientSession(configuration: .init(heloName: "mailer.example.com"))
/// var actions = session.connected()                 // [.setTimer(…)]
/// actions = session.replyReceived(.init(reply: SMTPReply(code: 220, lines: ["hi"]), hasBufferedBytesAfter: false))
/// // [.write("EHLO mailer.example.com\r\n"), .setTimer(…)]
/// ```
public struct SMTPClientSession: Sendable {
    /// Identifies a queued message in outcomes.
    public typealias MessageID = UInt64

    /// What the I/O layer must do, in order.
    public enum Action: Sendable, Hashable {
        /// Write these bytes (a command or commands).
        case write([UInt8])
        /// Write the message body (dot-stuffed, final dot included); report `bodyWritten()` when done.
        /// Always the last action of its list, as the report may come before `write` returns.
        case writeBody([UInt8])
        /// Insert the TLS client handler now (nothing else is buffered) and report `tlsEstablished()`.
        case startTLS
        /// Arm the single timer (replacing any earlier one); report `timerFired(id)` when it fires.
        case setTimer(id: Int, after: Duration)
        /// Disarm the timer.
        case cancelTimer
        /// The session is set up; messages can be sent.
        case sessionReady(SMTPCapabilities)
        /// The session could not be set up or broke; it is over.
        case sessionFailed(SMTPSessionError)
        /// What became of message `id`.
        case outcome(id: MessageID, DeliveryOutcome)
        /// Close the connection.
        case close
    }

    private struct Pending: Sendable {
        var id: MessageID
        var envelope: Envelope
        var message: [UInt8]
    }

    private struct Transaction: Sendable {
        var id: MessageID
        var data: SMTPMessageData
        var unsent: [(SMTPStep, [UInt8])]
        var awaiting: [SMTPStep]
        var failure: (SMTPStep, SMTPReply)?
        var bodyStarted = false
        var sendingEmptyData = false
    }

    private enum AuthStage: Sendable { case plain, loginUsername, loginPassword, loginDone }

    private enum State: Sendable {
        case notConnected
        case greeting
        case ehlo
        case helo
        case startTLS
        case tlsHandshake
        case auth(AuthStage)
        case ready
        case transaction(Transaction)
        case rset
        case quit
        case closed
    }

    /// The configuration this session runs with.
    public let configuration: SMTPSessionConfiguration
    private var state: State = .notConnected
    private var pending: [Pending] = []
    private var pendingHead = 0
    private var timerID = 0
    private var quitWhenIdle = false
    /// The server's extensions (from the latest EHLO; empty after HELO).
    public private(set) var capabilities = SMTPCapabilities()
    /// True once STARTTLS completed.
    public private(set) var isTLSActive = false
    /// True once the session was ready at least once.
    public private(set) var wasReady = false

    /// A session that has not connected yet.
    public init(configuration: SMTPSessionConfiguration) {
        self.configuration = configuration
    }

    /// True when the session is set up and no message is in flight.
    public var isIdle: Bool {
        if case .ready = state { return true }
        return false
    }

    /// True once the session is over (failed, quit, closed).
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    // MARK: events

    /// The TCP connection is up: wait for the greeting.
    public mutating func connected() -> [Action] {
        guard case .notConnected = state else { return [] }
        state = .greeting
        return [arm(configuration.timeouts.greeting)]
    }

    /// Queues a message. It starts at once if the session is idle, else after the earlier ones.
    public mutating func messageQueued(id: MessageID, envelope: Envelope, message: [UInt8]) -> [Action] {
        if case .closed = state {
            return [.outcome(id: id, .deferred(.note("connection is closed; nothing was sent")))]
        }
        pending.append(Pending(id: id, envelope: envelope, message: message))
        if case .ready = state { return startNext() }
        return []
    }

    /// Ends the session politely (QUIT) once every queued message is done.
    public mutating func quitRequested() -> [Action] {
        quitWhenIdle = true
        switch state {
        case .ready: return startNext()
        case .notConnected:
            state = .closed
            return deferAllPending(.note("session ended before connecting; nothing was sent")) + [.close]
        default: return []
        }
    }

    /// The message body has been written completely: now wait for the reply to the final dot.
    public mutating func bodyWritten() -> [Action] {
        guard case let .transaction(transaction) = state, transaction.bodyStarted,
              transaction.awaiting == [.endOfData] else { return [] }
        return [arm(configuration.timeouts.dataTermination)]
    }

    /// The TLS handshake completed: say EHLO again (capabilities may differ under TLS).
    public mutating func tlsEstablished() -> [Action] {
        guard case .tlsHandshake = state else { return [] }
        isTLSActive = true
        capabilities = SMTPCapabilities()
        state = .ehlo
        return [.write(Self.line("EHLO \(configuration.heloName)")), arm(configuration.timeouts.command)]
    }

    /// The timer `id` fired. Stale timers are ignored.
    public mutating func timerFired(_ id: Int) -> [Action] {
        guard id == timerID else { return [] }
        switch state {
        case .notConnected, .closed, .ready:
            return []
        case let .transaction(transaction):
            let step = transaction.awaiting.first ?? .endOfData
            let outcome: DeliveryOutcome = transaction.bodyStarted && !transaction.sendingEmptyData
                ? .uncertain(.note("timeout waiting for the reply to \(step.rawValue) after the message body started"))
                : .deferred(.note("timeout waiting for the reply to \(step.rawValue); the message was not sent"))
            state = .closed
            return [.outcome(id: transaction.id, outcome)]
                + deferAllPending(.note("connection timed out; nothing was sent")) + [.close]
        case .rset, .quit:
            let step: SMTPStep = if case .rset = state { .rset } else { .quit }
            return closeSession(.timeout(step))
        default:
            return closeSession(.timeout(setupStep))
        }
    }

    /// The connection closed (by the server, a network error, a TLS failure or our own close).
    public mutating func connectionClosed(reason: String) -> [Action] {
        switch state {
        case .closed:
            return []
        case let .transaction(transaction):
            state = .closed
            let outcome: DeliveryOutcome = transaction.bodyStarted && !transaction.sendingEmptyData
                ? .uncertain(.note("connection closed after the message body started (\(reason))"))
                : .deferred(.note("connection closed before the message body was sent (\(reason))"))
            return [.cancelTimer, .outcome(id: transaction.id, outcome)]
                + deferAllPending(.note("connection closed (\(reason)); nothing was sent"))
        case .quit:
            state = .closed
            return [.cancelTimer] + deferAllPending(.note("connection closed; nothing was sent"))
        case .tlsHandshake:
            return closeSession(.tlsFailed(reason), sendClose: false)
        default:
            return closeSession(.connectionClosed(reason), sendClose: false)
        }
    }

    /// The server's bytes could not be framed as a reply: the connection is unusable.
    public mutating func protocolError(_ error: SMTPReplyError) -> [Action] {
        violation("\(error)")
    }

    /// A reply arrived.
    public mutating func replyReceived(_ decoded: SMTPDecodedReply) -> [Action] {
        let reply = decoded.reply
        switch state {
        case .notConnected, .closed:
            return []
        case .greeting:
            guard reply.code == 220 else { return closeSession(.rejected(.greeting, reply)) }
            let name = configuration.heloName.utf8
            guard !name.isEmpty, name.count <= 255, name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return closeSession(.invalidConfiguration("EHLO name must be 1-255 printable ASCII characters without spaces"))
            }
            state = .ehlo
            return [.write(Self.line("EHLO \(configuration.heloName)")), arm(configuration.timeouts.command)]
        case .ehlo:
            if reply.code == 250 {
                capabilities = SMTPCapabilities(ehloReply: reply)
                return afterGreetingExchange()
            }
            guard reply.isPermanentFailure, reply.code != 421 else { return closeSession(.rejected(.ehlo, reply)) }
            state = .helo
            return [.write(Self.line("HELO \(configuration.heloName)")), arm(configuration.timeouts.command)]
        case .helo:
            guard reply.code == 250 else { return closeSession(.rejected(.helo, reply)) }
            capabilities = SMTPCapabilities()
            return afterGreetingExchange()
        case .startTLS:
            if reply.code == 220 {
                if decoded.hasBufferedBytesAfter {
                    return violation("the server sent more data after its 220 reply to STARTTLS (possible injection)")
                }
                state = .tlsHandshake
                return [.startTLS, arm(configuration.timeouts.command)]
            }
            if configuration.tlsPolicy == .required || reply.code == 421 {
                return closeSession(reply.code == 421 ? .rejected(.startTLS, reply) : .tlsRequiredButRefused(reply))
            }
            return afterTLSDecision()
        case .tlsHandshake:
            return violation("reply received during the TLS handshake")
        case let .auth(stage):
            return authReply(stage, reply)
        case .ready:
            if reply.code == 421 { return closeSession(.rejected(.greeting, reply)) }
            return violation("unsolicited reply \(reply)")
        case let .transaction(transaction):
            return transactionReply(transaction, reply)
        case .rset:
            guard reply.code == 250 else { return closeSession(.rejected(.rset, reply)) }
            state = .ready
            return [.cancelTimer] + startNext()
        case .quit:
            state = .closed
            return [.cancelTimer, .close]
        }
    }

    // MARK: setup

    private var setupStep: SMTPStep {
        switch state {
        case .greeting: .greeting
        case .ehlo: .ehlo
        case .helo: .helo
        case .startTLS, .tlsHandshake: .startTLS
        case .auth: .auth
        case .rset: .rset
        case .quit: .quit
        default: .greeting
        }
    }

    private mutating func afterGreetingExchange() -> [Action] {
        if configuration.tlsPolicy != .off && !isTLSActive {
            if capabilities.startTLS {
                state = .startTLS
                return [.write(Self.line("STARTTLS")), arm(configuration.timeouts.command)]
            }
            if configuration.tlsPolicy == .required { return closeSession(.tlsRequiredButNotOffered) }
        }
        return afterTLSDecision()
    }

    private mutating func afterTLSDecision() -> [Action] {
        guard let credentials = configuration.credentials else { return becomeReady() }
        if !isTLSActive && !configuration.insecureAllowAuthWithoutTLS { return closeSession(.authRequiresTLS) }
        if capabilities.authMechanisms.contains("PLAIN") {
            state = .auth(.plain)
            let token = Base64Encoder.line([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))
            return [.write(Self.line("AUTH PLAIN \(token)")), arm(configuration.timeouts.command)]
        }
        if capabilities.authMechanisms.contains("LOGIN") {
            state = .auth(.loginUsername)
            return [.write(Self.line("AUTH LOGIN")), arm(configuration.timeouts.command)]
        }
        return closeSession(.authMechanismNotOffered(offered: capabilities.authMechanisms.sorted()))
    }

    private mutating func authReply(_ stage: AuthStage, _ reply: SMTPReply) -> [Action] {
        guard let credentials = configuration.credentials else { return violation("AUTH without credentials") }
        switch (stage, reply.code) {
        case (.plain, 235), (.loginDone, 235):
            return becomeReady()
        case (.loginUsername, 334):
            state = .auth(.loginPassword)
            return [.write(Self.line(Base64Encoder.line(Array(credentials.username.utf8)))), arm(configuration.timeouts.command)]
        case (.loginPassword, 334):
            state = .auth(.loginDone)
            return [.write(Self.line(Base64Encoder.line(Array(credentials.password.utf8)))), arm(configuration.timeouts.command)]
        default:
            return closeSession(.rejected(.auth, reply))
        }
    }

    private mutating func becomeReady() -> [Action] {
        state = .ready
        wasReady = true
        return [.cancelTimer, .sessionReady(capabilities)] + startNext()
    }

    // MARK: messages

    private mutating func startNext() -> [Action] {
        var actions: [Action] = []
        while pendingHead < pending.count {
            let next = pending[pendingHead]
            pendingHead += 1
            if pendingHead == pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingHead = 0
            }
            switch prepare(next) {
            case let .refused(outcome):
                actions.append(.outcome(id: next.id, outcome))
            case let .start(transaction):
                return actions + begin(transaction)
            }
        }
        if quitWhenIdle {
            state = .quit
            actions += [.write(Self.line("QUIT")), arm(configuration.timeouts.command)]
        }
        return actions
    }

    private enum Preparation { case refused(DeliveryOutcome), start(Transaction) }

    /// Checks a message against the server's extensions and builds its commands; refuses it
    /// (nothing sent) when it cannot go to this server as is.
    private func prepare(_ message: Pending) -> Preparation {
        let data: SMTPMessageData
        do {
            data = try SMTPMessageData(message: message.message)
        } catch {
            return .refused(.failed(.note(error.description), hardBounce: false))
        }
        let envelope = message.envelope
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
        let commands: [(SMTPStep, [UInt8])] = [
            (.mail, Self.line(mail)),
            (.rcpt, Self.line("RCPT TO:<\(envelope.recipient)>")),
            (.data, Self.line("DATA")),
        ]
        return .start(Transaction(id: message.id, data: data, unsent: commands, awaiting: []))
    }

    private mutating func begin(_ transaction: Transaction) -> [Action] {
        var transaction = transaction
        var bytes: [UInt8] = []
        if capabilities.pipelining {
            for (step, command) in transaction.unsent {
                bytes += command
                transaction.awaiting.append(step)
            }
            transaction.unsent = []
        } else {
            let (step, command) = transaction.unsent.removeFirst()
            bytes = command
            transaction.awaiting = [step]
        }
        state = .transaction(transaction)
        return [.write(bytes), arm(timeout(for: .mail))]
    }

    private func timeout(for step: SMTPStep) -> Duration {
        switch step {
        case .mail: configuration.timeouts.mail
        case .rcpt: configuration.timeouts.rcpt
        case .data: configuration.timeouts.dataInitiation
        case .endOfData: configuration.timeouts.dataTermination
        case .greeting: configuration.timeouts.greeting
        default: configuration.timeouts.command
        }
    }

    private mutating func transactionReply(_ current: Transaction, _ reply: SMTPReply) -> [Action] {
        var transaction = current
        guard !transaction.awaiting.isEmpty else { return violation("unexpected reply \(reply)") }
        let step = transaction.awaiting.removeFirst()

        if step == .endOfData {
            if transaction.sendingEmptyData { return finish(transaction) }
            if reply.isPositiveCompletion { return finish(transaction, with: .sent(.reply(.endOfData, reply))) }
            if reply.isPositiveIntermediate {
                return finishAndClose(transaction, .uncertain(.reply(.endOfData, reply)), "unexpected reply to the final dot")
            }
            transaction.failure = (.endOfData, reply)
            if reply.code == 421 {
                return finishAndClose(transaction, Self.outcome(forFailure: (.endOfData, reply)), "server closing (421)")
            }
            return finish(transaction)
        }

        if step == .data && reply.code == 354 {
            guard transaction.failure == nil else {
                // RFC 2920 §3.1: DATA accepted although MAIL or RCPT failed; end it with an empty body.
                transaction.sendingEmptyData = true
                transaction.awaiting = [.endOfData]
                state = .transaction(transaction)
                return [.write(Self.line(".")), arm(configuration.timeouts.dataTermination)]
            }
            transaction.bodyStarted = true
            transaction.awaiting = [.endOfData]
            state = .transaction(transaction)
            // the timer comes first: the write may complete (and report bodyWritten) at once
            return [arm(configuration.timeouts.dataBlock), .writeBody(transaction.data.bytes)]
        }

        let expected = step == .data ? false : reply.isPositiveCompletion
        if !expected {
            if !reply.isTransientFailure && !reply.isPermanentFailure {
                return finishAndClose(transaction, .deferred(.reply(step, reply)), "unexpected reply to \(step.rawValue)")
            }
            if transaction.failure == nil { transaction.failure = (step, reply) }
            if reply.code == 421 {
                return finishAndClose(transaction, Self.outcome(forFailure: (step, reply)), "server closing (421)")
            }
            transaction.unsent = []
            if transaction.awaiting.isEmpty { return finish(transaction) }
            state = .transaction(transaction)
            return [arm(timeout(for: transaction.awaiting[0]))]
        }

        if !transaction.unsent.isEmpty {
            let (next, command) = transaction.unsent.removeFirst()
            transaction.awaiting.append(next)
            state = .transaction(transaction)
            return [.write(command), arm(timeout(for: next))]
        }
        state = .transaction(transaction)
        guard let next = transaction.awaiting.first else { return violation("transaction ended without DATA") }
        return [arm(timeout(for: next))]
    }

    /// Reports the message's outcome and moves on (RSET after a failure).
    private mutating func finish(_ transaction: Transaction, with success: DeliveryOutcome? = nil) -> [Action] {
        if let success {
            state = .ready
            return [.cancelTimer, .outcome(id: transaction.id, success)] + startNext()
        }
        guard let failure = transaction.failure else {
            return violation("transaction ended without a result")
        }
        state = .rset
        return [.outcome(id: transaction.id, Self.outcome(forFailure: failure)),
                .write(Self.line("RSET")), arm(configuration.timeouts.command)]
    }

    private mutating func finishAndClose(_ transaction: Transaction, _ outcome: DeliveryOutcome, _ why: String) -> [Action] {
        state = .closed
        return [.cancelTimer, .outcome(id: transaction.id, outcome)]
            + deferAllPending(.note("connection abandoned (\(why)); nothing was sent")) + [.close]
    }

    /// 4xx → deferred; 5xx → failed, a hard bounce when RCPT got 5.1.x (or plain 550 without an
    /// enhanced code).
    static func outcome(forFailure failure: (SMTPStep, SMTPReply)) -> DeliveryOutcome {
        let (step, reply) = failure
        if reply.isTransientFailure { return .deferred(.reply(step, reply)) }
        return .failed(.reply(step, reply), hardBounce: isHardBounce(step: step, reply: reply))
    }

    /// A hard bounce is a permanent RCPT refusal for the recipient's address: enhanced status 5.1.x,
    /// or code 550 when the server gives no enhanced status. (550 5.7.1, a policy block, is not.)
    public static func isHardBounce(step: SMTPStep, reply: SMTPReply) -> Bool {
        guard step == .rcpt, reply.isPermanentFailure else { return false }
        if let status = reply.enhancedStatus { return status.subject == 1 }
        return reply.code == 550
    }

    // MARK: helpers

    private mutating func arm(_ duration: Duration) -> Action {
        timerID += 1
        return .setTimer(id: timerID, after: duration)
    }

    private mutating func violation(_ why: String) -> [Action] {
        if case let .transaction(transaction) = state {
            let outcome: DeliveryOutcome = transaction.bodyStarted && !transaction.sendingEmptyData
                ? .uncertain(.note("SMTP protocol violation after the message body started: \(why)"))
                : .deferred(.note("SMTP protocol violation: \(why); the message was not sent"))
            return finishAndClose(transaction, outcome, why)
        }
        return closeSession(.protocolViolation(why))
    }

    /// Ends the session: reports the failure if it was never ready, defers every queued message.
    private mutating func closeSession(_ error: SMTPSessionError, sendClose: Bool = true) -> [Action] {
        state = .closed
        var actions: [Action] = [.cancelTimer]
        if !wasReady { actions.append(.sessionFailed(error)) }
        actions += deferAllPending(.note(error.description))
        if sendClose { actions.append(.close) }
        return actions
    }

    private mutating func deferAllPending(_ detail: DeliveryDetail) -> [Action] {
        let actions = pending[pendingHead...].map { Action.outcome(id: $0.id, .deferred(detail)) }
        pending.removeAll()
        pendingHead = 0
        return actions
    }

    static func line(_ text: String) -> [UInt8] {
        Array(text.utf8) + [0x0D, 0x0A]
    }
}
