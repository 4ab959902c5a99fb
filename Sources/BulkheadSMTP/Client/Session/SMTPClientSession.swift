import DequeModule

/// The SMTP client protocol as a pure state machine: it takes events (connected, reply received, TLS
/// established, body written, timer fired, message queued, quit requested, connection closed) and
/// returns the actions to perform (write bytes, start TLS, arm a timer, report an outcome, close).
/// It does no I/O; `SMTPClientHandler` runs it on a NIO channel.
///
/// A session goes through phases, each its own small state type: greeting and EHLO (HELO as the
/// fallback, `SMTPGreetingPhase`), STARTTLS (`SMTPStartTLSPhase`, then EHLO again), AUTH
/// (`SMTPAuthPhase`), then, once ready, one mail transaction per message (`SMTPMailTransaction`:
/// MAIL, RCPT, DATA, body and final dot), RSET after a refused one, and QUIT at the end. The session
/// composes them: it arms the timers, keeps the queue of messages and the capabilities, and ends
/// the session when a phase fails.
///
/// Each message has one recipient. With PIPELINING, `MAIL`, `RCPT` and `DATA` go in one write and
/// their replies are matched in order; and once a message's body is out, the next message's commands
/// follow it at once (RFC 2920 allows the body as the first "command" of a group): its `MAIL`, `RCPT`
/// and `DATA` are written behind the final dot and answered after the dot's reply, so a message costs
/// one round trip instead of two. At most one message follows the one in flight; a queued message
/// takes that place right away, and when none is queued ``Action/pipelineOpen(after:)`` says that one
/// queued now would. Without PIPELINING one message is in flight at a time.
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
        /// Message `after`'s body is going out and nothing follows it yet: a message queued now is
        /// pipelined behind it (its commands are written at once). Comes once per message at most,
        /// only with PIPELINING.
        case pipelineOpen(after: MessageID)
        /// Acknowledge the bytes just read at once (TCP_QUICKACK). The reply to a final dot came with
        /// a message's commands already behind it: a server such as Postfix sends that reply on its
        /// own and holds the next ones back (Nagle) until it is acknowledged, which a delayed ACK
        /// would put off by 40 ms a message.
        case acknowledgeNow
        /// Close the connection.
        case close
    }

    private struct Pending: Sendable {
        var id: MessageID
        var envelope: Envelope
        var message: [UInt8]
    }

    private enum State: Sendable {
        case notConnected
        /// Greeting, EHLO, HELO (and EHLO again after STARTTLS).
        case greeting(SMTPGreetingPhase)
        case startTLS(SMTPStartTLSPhase)
        case auth(SMTPAuthPhase)
        case ready
        case transaction(SMTPMailTransaction)
        /// RSET after a refused message; its reply is awaited.
        case reset
        /// QUIT written; its reply is awaited.
        case quit
        case closed
    }

    /// The configuration this session runs with.
    public let configuration: SMTPSessionConfiguration
    private var state: State = .notConnected
    private var pending: Deque<Pending> = []
    /// The message whose commands were written behind the body of the one in flight (`.transaction`,
    /// its body out); its replies come after the reply to that body's final dot.
    private var following: SMTPMailTransaction?
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
        state = .greeting(SMTPGreetingPhase(heloName: configuration.heloName))
        return [arm(for: .greeting)]
    }

    /// Queues a message. It starts at once if the session is idle, else after the earlier ones.
    public mutating func messageQueued(id: MessageID, envelope: Envelope, message: [UInt8]) -> [Action] {
        let message = Pending(id: id, envelope: envelope, message: message)
        switch state {
        case .closed:
            // Not this message's doing (the connection closed as it was handed over): no attempt charged.
            return [.outcome(id: id, .postponed(.note("connection is closed; nothing was sent"), retryAfter: .zero))]
        case .ready:
            pending.append(message)
            return startNext()
        case .transaction(let transaction):
            pending.append(message)
            guard transaction.isSendingBody, following == nil, pending.count == 1 else { return [] }
            return startFollowing(announcing: false)
        case .notConnected, .greeting, .startTLS, .auth, .reset, .quit:
            pending.append(message)
            return []
        }
    }

    /// Ends the session politely (QUIT) once every queued message is done.
    public mutating func quitRequested() -> [Action] {
        quitWhenIdle = true
        switch state {
        case .ready:
            return startNext()
        case .notConnected:
            state = .closed
            return deferAllPending(.note("session ended before connecting; nothing was sent")) + [.close]
        case .greeting, .startTLS, .auth, .transaction, .reset, .quit, .closed:
            return []
        }
    }

    /// The message body has been written completely: now wait for the reply to the final dot.
    public mutating func bodyWritten() -> [Action] {
        guard case .transaction(let transaction) = state, transaction.isSendingBody else { return [] }
        return [arm(for: .endOfData)]
    }

    /// The TLS handshake completed: say EHLO again (capabilities may differ under TLS).
    public mutating func tlsEstablished() -> [Action] {
        guard case .startTLS(let phase) = state, phase.stage == .handshaking else { return [] }
        isTLSActive = true
        capabilities = SMTPCapabilities()
        let (greeting, command) = SMTPGreetingPhase.afterTLS(heloName: configuration.heloName)
        state = .greeting(greeting)
        return [.write(command), arm(for: greeting.step)]
    }

    /// The timer `id` fired. Stale timers are ignored.
    public mutating func timerFired(_ id: Int) -> [Action] {
        guard id == timerID else { return [] }
        switch state {
        case .notConnected, .closed, .ready:
            return []
        case .transaction(let transaction):
            state = .closed
            return [.outcome(id: transaction.id, transaction.outcome(interruptedBy: .timeout))]
                + deferFollowing(.timeout) + deferAllPending(.note("connection timed out; nothing was sent")) + [.close]
        case .greeting(let phase):
            return closeSession(.timeout(phase.step))
        case .startTLS:
            return closeSession(.timeout(.startTLS))
        case .auth:
            return closeSession(.timeout(.auth))
        case .reset:
            return closeSession(.timeout(.rset))
        case .quit:
            return closeSession(.timeout(.quit))
        }
    }

    /// The connection closed (by the server, a network error, a TLS failure or our own close).
    public mutating func connectionClosed(reason: String) -> [Action] {
        switch state {
        case .closed:
            return []
        case .transaction(let transaction):
            state = .closed
            return [.cancelTimer, .outcome(id: transaction.id, transaction.outcome(interruptedBy: .connectionClosed(reason)))]
                + deferFollowing(.connectionClosed(reason)) + deferAllPending(.note("connection closed (\(reason)); nothing was sent"))
        case .quit:
            state = .closed
            return [.cancelTimer] + deferAllPending(.note("connection closed; nothing was sent"))
        case .startTLS(let phase):
            return closeSession(phase.closed(reason: reason), sendClose: false)
        case .notConnected, .greeting, .auth, .ready, .reset:
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
        case .greeting(var phase):
            switch phase.replyReceived(reply) {
            case .send(let command):
                state = .greeting(phase)
                return [.write(command), arm(for: phase.step)]
            case .done(let announced):
                capabilities = announced
                return afterGreeting()
            case .failed(let error):
                return closeSession(error)
            }
        case .startTLS(var phase):
            switch phase.replyReceived(decoded) {
            case .startHandshake:
                state = .startTLS(phase)
                return [.startTLS, arm(for: .startTLS)]
            case .continueInPlaintext:
                return afterStartTLS()
            case .failed(let error):
                return closeSession(error)
            }
        case .auth(var phase):
            switch phase.replyReceived(reply) {
            case .send(let line):
                state = .auth(phase)
                return [.write(line), arm(for: .auth)]
            case .authenticated:
                return becomeReady()
            case .failed(let error):
                return closeSession(error)
            }
        case .ready:
            if reply.code == 421 { return closeSession(.rejected(.greeting, reply)) }
            return violation("unsolicited reply \(reply)")
        case .transaction(var transaction):
            let next = transaction.replyReceived(reply)
            return transactionContinues(transaction, next)
        case .reset:
            guard reply.code == 250 else { return closeSession(.rejected(.rset, reply)) }
            state = .ready
            return [.cancelTimer] + startNext()
        case .quit:
            state = .closed
            return [.cancelTimer, .close]
        }
    }

    // MARK: setup

    /// After EHLO or HELO: STARTTLS if the policy wants it and the server offers it.
    private mutating func afterGreeting() -> [Action] {
        switch SMTPStartTLSPhase.begin(policy: configuration.tlsPolicy, capabilities: capabilities, isTLSActive: isTLSActive) {
        case .start(let phase, let command):
            state = .startTLS(phase)
            return [.write(command), arm(for: .startTLS)]
        case .skip:
            return afterStartTLS()
        case .failed(let error):
            return closeSession(error)
        }
    }

    /// After STARTTLS (done, refused or skipped): AUTH if credentials are configured.
    private mutating func afterStartTLS() -> [Action] {
        switch SMTPAuthPhase.begin(configuration: configuration, capabilities: capabilities, isTLSActive: isTLSActive) {
        case .notNeeded:
            return becomeReady()
        case .start(let phase, let command):
            state = .auth(phase)
            return [.write(command), arm(for: .auth)]
        case .failed(let error):
            return closeSession(error)
        }
    }

    private mutating func becomeReady() -> [Action] {
        state = .ready
        wasReady = true
        return [.cancelTimer, .sessionReady(capabilities)] + startNext()
    }

    // MARK: messages

    /// Starts the next queued message that can go to this server (reporting those that cannot), or
    /// says QUIT when none is left and quitting was asked for.
    private mutating func startNext() -> [Action] {
        let (refused, started) = startFirstQueued()
        if let (transaction, bytes) = started {
            state = .transaction(transaction)
            return refused + [.write(bytes), arm(for: transaction.awaitedStep)]
        }
        var actions = refused
        if quitWhenIdle {
            state = .quit
            actions += [.write(Self.line("QUIT")), arm(for: .quit)]
        }
        return actions
    }

    private mutating func transactionContinues(_ transaction: SMTPMailTransaction, _ next: SMTPMailTransaction.Next) -> [Action] {
        switch next {
        case .send(let command):
            state = .transaction(transaction)
            return [.write(command), arm(for: transaction.awaitedStep)]
        case .wait:
            state = .transaction(transaction)
            return [arm(for: transaction.awaitedStep)]
        case .sendBody(let body):
            state = .transaction(transaction)
            // the timer comes first: the write may complete (and report bodyWritten) at once
            return [arm(configuration.timeouts.dataBlock), .writeBody(body)] + startFollowing(announcing: true)
        case .delivered(let outcome):
            if let next = takeFollowing() { return [.outcome(id: transaction.id, outcome)] + next }
            state = .ready
            return [.cancelTimer, .outcome(id: transaction.id, outcome)] + startNext()
        case .refused(let outcome):
            // The reply to a final dot ends the transaction whatever it says (RFC 5321 §4.1.1.4): the
            // message behind it needs no RSET first.
            if let next = takeFollowing() { return [.outcome(id: transaction.id, outcome)] + next }
            state = .reset
            return [.outcome(id: transaction.id, outcome), .write(Self.line("RSET")), arm(for: .rset)]
        case .abandoned(let outcome, let reason):
            return abandon(transaction, outcome, reason)
        }
    }

    /// Pipelines the first queued message behind the body going out (with PIPELINING, when nothing
    /// follows it yet): its commands are written now. Queued messages this server cannot take are
    /// reported on the way. When none is queued and `announcing` (the body has just gone out):
    /// ``Action/pipelineOpen(after:)``.
    private mutating func startFollowing(announcing: Bool) -> [Action] {
        guard capabilities.pipelining, following == nil, case .transaction(let current) = state, current.isSendingBody else { return [] }
        let (refused, started) = startFirstQueued()
        if let (transaction, bytes) = started {
            following = transaction
            return refused + [.write(bytes)]
        }
        return announcing ? refused + [.pipelineOpen(after: current.id)] : refused
    }

    /// Takes queued messages in order until one can start on this server: the outcomes of those that
    /// cannot (nothing sent), and the started one with the bytes to write, if any.
    private mutating func startFirstQueued() -> (refused: [Action], started: (SMTPMailTransaction, [UInt8])?) {
        var refused: [Action] = []
        while let next = pending.popFirst() {
            switch SMTPMailTransaction.start(id: next.id, envelope: next.envelope, message: next.message, capabilities: capabilities) {
            case .refused(let outcome):
                refused.append(.outcome(id: next.id, outcome))
            case .started(let transaction, let bytes):
                return (refused, (transaction, bytes))
            }
        }
        return (refused, nil)
    }

    /// After the reply to the final dot: the following message, if any, is the one in flight now (its
    /// commands are written), and its reply is awaited.
    private mutating func takeFollowing() -> [Action]? {
        guard let next = following else { return nil }
        following = nil
        state = .transaction(next)
        return [arm(for: next.awaitedStep), .acknowledgeNow]
    }

    /// The following message's outcome when the connection breaks under the message ahead of it: its
    /// commands went out, its body never did, and the failure was not its own: `postponed` (nothing
    /// sent, no attempt charged; another connection or upstream takes it).
    private mutating func deferFollowing(_ interruption: SMTPMailTransaction.Interruption) -> [Action] {
        guard let next = following else { return [] }
        following = nil
        return [.outcome(id: next.id, .postponed(next.outcome(interruptedBy: interruption).detail, retryAfter: .zero))]
    }

    /// Reports the message and closes the connection; every queued message is deferred.
    private mutating func abandon(_ transaction: SMTPMailTransaction, _ outcome: DeliveryOutcome, _ why: String) -> [Action] {
        state = .closed
        return [.cancelTimer, .outcome(id: transaction.id, outcome)]
            + deferFollowing(.connectionClosed("abandoned: \(why)"))
            + deferAllPending(.note("connection abandoned (\(why)); nothing was sent")) + [.close]
    }

    /// A hard bounce is a permanent RCPT refusal for the recipient's address: enhanced status 5.1.x,
    /// or code 550 when the server gives no enhanced status. (550 5.7.1, a policy block, is not.)
    ///
    /// ```swift
    /// SMTPClientSession.isHardBounce(step: .rcpt, reply: SMTPReply(code: 550, lines: ["5.1.1 no such user"]))   // true
    /// ```
    public static func isHardBounce(step: SMTPStep, reply: SMTPReply) -> Bool {
        guard step == .rcpt, reply.isPermanentFailure else { return false }
        if let status = reply.enhancedStatus { return status.subject == 1 }
        return reply.code == 550
    }

    // MARK: helpers

    private mutating func arm(for step: SMTPStep) -> Action {
        arm(configuration.timeouts.waitingForReply(to: step))
    }

    private mutating func arm(_ duration: Duration) -> Action {
        timerID += 1
        return .setTimer(id: timerID, after: duration)
    }

    /// The server broke the protocol: a message in flight ends by the deferred-or-uncertain rule, a
    /// session being set up fails.
    private mutating func violation(_ why: String) -> [Action] {
        if case .transaction(let transaction) = state {
            return abandon(transaction, transaction.outcome(interruptedBy: .protocolViolation(why)), why)
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
        defer { pending.removeAll() }
        return pending.map { Action.outcome(id: $0.id, .deferred(detail)) }
    }

    /// `text` as a command line (CRLF appended).
    static func line(_ text: String) -> [UInt8] {
        Array(text.utf8) + [0x0D, 0x0A]
    }
}
