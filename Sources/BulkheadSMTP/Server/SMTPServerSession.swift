/// The SMTP server protocol as a pure state machine: it takes events (connected, a line received,
/// TLS established, the delegate's answers, a timer fired, shutdown asked, connection closed) and
/// returns the actions to perform (write a reply, start TLS, ask the delegate, arm a timer, close).
/// It does no I/O; `SMTPServerHandler` runs it on a NIO channel.
///
/// It handles one line at a time. While it waits for the delegate (sender, recipient, credentials,
/// message) or for the TLS handshake it takes no line (`isAcceptingLines` is false): the handler
/// holds pipelined lines back and feeds them in order afterwards, so replies go out in order.
///
/// The rules it keeps: strict CRLF framing (a line with a bare LF or CR or a NUL is refused; in DATA
/// it refuses the message and never ends DATA, so smuggled `<LF>.<LF>` cannot split one message
/// into two); `250` for a message only after the delegate stored it; STARTTLS refused when anything
/// was pipelined after it; AUTH only under TLS (or on loopback when the configuration allows); and
/// every limit of `SMTPServerLimits` with its RFC 3463 code.
///
/// ```swift
/// var session = SMTPServerSession(configuration: .init(hostname: "mx.test"), connection: .init(remoteAddress: "192.0.2.1"))
/// session.connected()                               // [.write("220 mx.test ESMTP Bulkhead\r\n"), .setTimer(id: 1, after: .seconds(300))]
/// session.lineReceived(SMTPServerLine("HELO client.test"))   // [.write("250 mx.test\r\n"), .setTimer(id: 2, …)]
/// session.lineReceived(SMTPServerLine("MAIL FROM:<a@client.test>"))   // [.cancelTimer, .checkSender(…)]
/// session.senderChecked(.accept)                    // [.write("250 2.1.0 Ok\r\n"), .setTimer(id: 3, …)]
/// ```
public struct SMTPServerSession: Sendable {
    /// What the I/O layer must do, in order.
    public enum Action: Sendable, Hashable {
        /// Write these bytes (a reply); the handler flushes once the lines at hand are answered.
        case write([UInt8])
        /// Flush what was written, then insert the TLS server handler and report `tlsEstablished()`.
        case startTLS
        /// Arm the single timer (replacing any earlier one): it fires when no line has arrived for
        /// `after`, each received line restarting it; report `timerFired(id)` then.
        case setTimer(id: Int, after: Duration)
        /// Disarm the timer.
        case cancelTimer
        /// Ask the delegate to check credentials; report `authenticated(_:)` or `authenticationUnavailable()`.
        case authenticate(SMTPServerCredentials)
        /// Ask the delegate about the reverse path; report `senderChecked(_:)`.
        case checkSender(SMTPServerEnvelope)
        /// Ask the delegate about one recipient (the envelope holds the ones accepted so far);
        /// report `recipientChecked(_:)`.
        case checkRecipient(String, SMTPServerEnvelope)
        /// Hand the message to the delegate to store durably; report `messageStored(_:)`.
        case deliverMessage(SMTPServerEnvelope, [UInt8])
        /// Close the connection once what was written is sent.
        case close
    }

    private enum Waiting: Sendable, Hashable {
        case sender(SMTPServerEnvelope)
        case recipient(String)
        case authentication
        case message
        case tlsHandshake
    }

    private enum State: Sendable, Hashable {
        case notStarted
        /// Waiting for a command line.
        case command
        /// Waiting for an AUTH response line.
        case auth(SMTPServerAuthExchange)
        /// Inside DATA.
        case data(SMTPServerDataReceiver)
        /// Waiting for the delegate or the TLS handshake; no line is taken.
        case waiting(Waiting)
        case closed
    }

    /// The configuration this session runs with.
    public let configuration: SMTPServerConfiguration
    /// The client.
    public let connection: SMTPServerConnectionInfo
    private var state: State = .notStarted
    private var heloName: String?
    private var isESMTP = false
    private var isTLSActive = false
    private var authenticatedUser: String?
    /// The envelope of the mail transaction in progress (after an accepted MAIL).
    private var transaction: SMTPServerEnvelope?
    private var shutdownPending = false
    private var timerID = 0
    /// Command lines taken so far (AUTH responses included).
    public private(set) var commandCount = 0
    /// Commands refused as invalid so far.
    public private(set) var invalidCommandCount = 0

    /// A session for a client that just connected (call `connected()` to greet it).
    public init(configuration: SMTPServerConfiguration, connection: SMTPServerConnectionInfo) {
        self.configuration = configuration
        self.connection = connection
    }

    /// What the delegate is told about the session.
    public var info: SMTPServerSessionInfo {
        SMTPServerSessionInfo(
            connection: connection, heloName: heloName, isESMTP: isESMTP, isTLSActive: isTLSActive, authenticatedUser: authenticatedUser)
    }

    /// True when the session takes the next line now (false while it waits for the delegate or the
    /// TLS handshake, and once closed).
    public var isAcceptingLines: Bool {
        switch state {
        case .command, .auth, .data: true
        case .notStarted, .waiting, .closed: false
        }
    }

    /// True while the session waits for the delegate's answer (not for the TLS handshake).
    public var isAwaitingDelegate: Bool {
        switch state {
        case .waiting(.tlsHandshake): false
        case .waiting: true
        default: false
        }
    }

    /// True once the session is over.
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// True while a mail transaction is open (from an accepted MAIL to its end).
    public var isInTransaction: Bool {
        switch state {
        case .data, .waiting(.sender), .waiting(.message): true
        default: transaction != nil
        }
    }

    // MARK: connection events

    /// The client connected: greet it (or, when a shutdown is pending, say 421 and close).
    public mutating func connected() -> [Action] {
        guard case .notStarted = state else { return [] }
        if shutdownPending { return closing(SMTPServerReplies.shuttingDown(configuration.hostname)) }
        state = .command
        return [.write(SMTPServerReplies.greeting(configuration.hostname).serverBytes), arm(configuration.timeouts.command)]
    }

    /// The TLS handshake completed: everything learnt before is forgotten (RFC 3207 §4.2), the
    /// client must say EHLO again.
    public mutating func tlsEstablished() -> [Action] {
        guard case .waiting(.tlsHandshake) = state else { return [] }
        isTLSActive = true
        heloName = nil
        isESMTP = false
        authenticatedUser = nil
        transaction = nil
        state = .command
        if shutdownPending { return closing(SMTPServerReplies.shuttingDown(configuration.hostname)) }
        return [arm(configuration.timeouts.command)]
    }

    /// The timer `id` fired: no line for too long. Stale timers are ignored.
    public mutating func timerFired(_ id: Int) -> [Action] {
        guard id == timerID else { return [] }
        switch state {
        case .notStarted, .closed:
            return []
        case .waiting(.tlsHandshake):
            state = .closed
            return [.close]
        case .waiting:
            return []
        case .command, .auth, .data:
            return closing(SMTPServerReplies.timeout(configuration.hostname))
        }
    }

    /// The connection closed (by the client, an error or our own close). A message not yet handed
    /// to the delegate is dropped: nothing is stored.
    public mutating func connectionClosed() -> [Action] {
        if case .closed = state { return [] }
        state = .closed
        return [.cancelTimer]
    }

    /// The server stops: a session outside a mail transaction says `421 4.3.2` and closes now; one in
    /// a transaction finishes it (the message, or RSET) and closes then.
    public mutating func shutdownRequested() -> [Action] {
        shutdownPending = true
        switch state {
        case .command where transaction == nil, .auth:
            return closing(SMTPServerReplies.shuttingDown(configuration.hostname))
        case .notStarted, .command, .data, .waiting, .closed:
            return []
        }
    }

    /// The shutdown's grace period is over: say `421 4.3.2` and close whatever the session does. A
    /// message being stored may still be stored; the client, without its 250, may send it again.
    public mutating func shutdownNow() -> [Action] {
        shutdownPending = true
        switch state {
        case .closed:
            return []
        case .notStarted, .waiting(.tlsHandshake):
            state = .closed
            return [.cancelTimer, .close]
        case .command, .auth, .data, .waiting:
            return closing(SMTPServerReplies.shuttingDown(configuration.hostname))
        }
    }

    // MARK: lines

    /// A line arrived. Call only while `isAcceptingLines`; a line at any other time is ignored.
    public mutating func lineReceived(_ line: SMTPServerLine) -> [Action] {
        switch state {
        case .notStarted, .waiting, .closed:
            return []
        case .data(var receiver):
            // Take the receiver out of `state` before appending: with a second reference left in the
            // enum, every line copied the whole message so far (quadratic in its size).
            state = .closed  // a placeholder: every path below sets the state again
            guard receiver.lineReceived(line) else {
                state = .data(receiver)
                return []
            }
            return dataEnded(receiver)
        case .auth(let exchange):
            if let closed = countCommand() { return closed }
            if let refusal = Self.framingRefusal(line) {
                state = .command
                return invalid(refusal)
            }
            return authContinues(exchange.responseReceived(line.bytes))
        case .command:
            if let closed = countCommand() { return closed }
            if let refusal = Self.framingRefusal(line) { return invalid(refusal) }
            switch SMTPServerCommand.parse(line.bytes) {
            case .failure(let refusal): return invalid(refusal.reply)
            case .success(let command): return execute(command, hasBufferedBytesAfter: line.hasBufferedBytesAfter)
            }
        }
    }

    /// Why a command line is refused before it is parsed: faults first, then length.
    private static func framingRefusal(_ line: SMTPServerLine) -> SMTPReply? {
        if line.faults.contains(.bareLF) { return SMTPServerReplies.bareLFInCommand }
        if line.faults.contains(.bareCR) { return SMTPServerReplies.bareCRInCommand }
        if line.faults.contains(.nul) { return SMTPServerReplies.nulInCommand }
        if line.faults.contains(.tooLong) || line.length > SMTPServerLimits.commandLineLength - 2 { return SMTPServerReplies.lineTooLong }
        return nil
    }

    private mutating func execute(_ command: SMTPServerCommand, hasBufferedBytesAfter: Bool) -> [Action] {
        switch command {
        case .ehlo(let name), .helo(let name):
            heloName = name
            transaction = nil
            if case .ehlo = command {
                isESMTP = true
                return reply(SMTPReply(code: 250, lines: [configuration.hostname] + extensions))
            }
            isESMTP = false
            return reply(SMTPReply(code: 250, lines: [configuration.hostname]))
        case .mail(let envelope):
            guard heloName != nil else { return invalid(SMTPServerReplies.helloFirst) }
            guard transaction == nil else { return invalid(SMTPServerReplies.nestedMail) }
            if !isESMTP && (envelope.declaredSize != nil || envelope.body != nil || envelope.smtpUTF8) {
                return invalid(SMTPServerReplies.parametersNeedEHLO)
            }
            if !envelope.smtpUTF8 && Self.isNonASCII(envelope.reversePath) { return reply(SMTPServerReplies.smtpUTF8Required) }
            if let size = envelope.declaredSize, size > configuration.limits.maximumMessageSize {
                return reply(SMTPServerReplies.messageTooBig)
            }
            state = .waiting(.sender(envelope))
            return [.cancelTimer, .checkSender(envelope)]
        case .rcpt(let recipient):
            guard let transaction else { return invalid(SMTPServerReplies.mailFirst) }
            if transaction.recipients.count >= configuration.limits.maximumRecipients { return reply(SMTPServerReplies.tooManyRecipients) }
            if !transaction.smtpUTF8 && Self.isNonASCII(recipient) { return reply(SMTPServerReplies.smtpUTF8Required) }
            state = .waiting(.recipient(recipient))
            return [.cancelTimer, .checkRecipient(recipient, transaction)]
        case .data:
            guard let transaction else { return invalid(SMTPServerReplies.mailFirst) }
            // after pipelined RCPTs that were all refused this is normal client behaviour: not counted
            guard !transaction.recipients.isEmpty else { return reply(SMTPServerReplies.noRecipients) }
            state = .data(SMTPServerDataReceiver(maximumSize: configuration.limits.maximumMessageSize, expectedSize: transaction.declaredSize))
            return [.write(SMTPServerReplies.startData.serverBytes), arm(configuration.timeouts.dataBlock)]
        case .rset:
            transaction = nil
            return reply(SMTPServerReplies.ok)
        case .noop:
            return reply(SMTPServerReplies.ok)
        case .quit:
            return closing(SMTPServerReplies.bye(configuration.hostname))
        case .vrfy:
            return reply(SMTPServerReplies.cannotVerify)
        case .help:
            return reply(SMTPServerReplies.help)
        case .notImplemented:
            return invalid(SMTPServerReplies.notImplemented)
        case .startTLS:
            guard configuration.tls != nil else { return invalid(SMTPServerReplies.notImplemented) }
            guard !isTLSActive else { return invalid(SMTPServerReplies.tlsAlreadyActive) }
            guard transaction == nil else { return invalid(SMTPServerReplies.tlsInTransaction) }
            // anything after STARTTLS was sent in plaintext before the handshake: injection (CVE-2011-0411)
            if hasBufferedBytesAfter { return closing(SMTPServerReplies.startTLSInjection) }
            state = .waiting(.tlsHandshake)
            return [.write(SMTPServerReplies.readyForTLS.serverBytes), .startTLS, arm(configuration.timeouts.command)]
        case .auth(let name, let initialResponse):
            guard !configuration.authMechanisms.isEmpty else { return invalid(SMTPServerReplies.notImplemented) }
            guard isAuthAllowed else { return invalid(SMTPServerReplies.authNeedsTLS) }
            guard isESMTP else { return invalid(SMTPServerReplies.authNeedsEHLO) }
            guard authenticatedUser == nil else { return invalid(SMTPServerReplies.alreadyAuthenticated) }
            guard transaction == nil else { return invalid(SMTPServerReplies.authInTransaction) }
            guard let mechanism = SMTPServerAuthMechanism(rawValue: name), configuration.authMechanisms.contains(mechanism) else {
                return invalid(SMTPServerReplies.unknownMechanism)
            }
            return authContinues(SMTPServerAuthExchange.begin(mechanism, initialResponse: initialResponse))
        }
    }

    /// The EHLO keywords, in the order announced.
    private var extensions: [String] {
        var lines = ["PIPELINING", "SIZE \(configuration.limits.maximumMessageSize)", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"]
        if configuration.tls != nil && !isTLSActive { lines.append("STARTTLS") }
        if isAuthAllowed && !configuration.authMechanisms.isEmpty {
            lines.append((["AUTH"] + configuration.authMechanisms.map(\.rawValue)).joined(separator: " "))
        }
        return lines
    }

    /// AUTH is offered and accepted under TLS, or on loopback when the configuration allows it.
    private var isAuthAllowed: Bool {
        isTLSActive || (configuration.insecureAllowsAuthWithoutTLSOnLoopback && connection.isLoopback)
    }

    private static func isNonASCII(_ text: String) -> Bool {
        text.utf8.contains { $0 >= 0x80 }
    }

    private mutating func authContinues(_ next: SMTPServerAuthExchange.Next) -> [Action] {
        switch next {
        case .prompt(let exchange, let prompt):
            state = .auth(exchange)
            return [.write(prompt.serverBytes), arm(configuration.timeouts.command)]
        case .credentials(let credentials):
            state = .waiting(.authentication)
            return [.cancelTimer, .authenticate(credentials)]
        case .failed(let refusal):
            state = .command
            return invalid(refusal)
        }
    }

    private mutating func dataEnded(_ receiver: SMTPServerDataReceiver) -> [Action] {
        guard let envelope = transaction else { return reply(SMTPServerReplies.localError) }
        switch receiver.result {
        case .success(let bytes):
            state = .waiting(.message)
            return [.cancelTimer, .deliverMessage(envelope, bytes)]
        case .failure(let refusal):
            transaction = nil
            return reply(refusal.reply)
        }
    }

    // MARK: the delegate's answers

    /// The delegate's answer to `checkSender`: the transaction starts, or the refusal is sent.
    public mutating func senderChecked(_ verdict: SMTPServerVerdict) -> [Action] {
        guard case .waiting(.sender(let envelope)) = state else { return [] }
        switch verdict {
        case .accept:
            transaction = envelope
            return reply(SMTPServerReplies.senderOK)
        case .refuse(let refusal):
            return delegateRefused(refusal)
        }
    }

    /// The delegate's answer to `checkRecipient`.
    public mutating func recipientChecked(_ verdict: SMTPServerVerdict) -> [Action] {
        guard case .waiting(.recipient(let recipient)) = state else { return [] }
        switch verdict {
        case .accept:
            transaction?.recipients.append(recipient)
            return reply(SMTPServerReplies.recipientOK)
        case .refuse(let refusal):
            return delegateRefused(refusal)
        }
    }

    /// The delegate's answer to `deliverMessage`: `250` only now, once the message is stored.
    public mutating func messageStored(_ verdict: SMTPServerVerdict) -> [Action] {
        guard case .waiting(.message) = state else { return [] }
        transaction = nil
        switch verdict {
        case .accept: return reply(SMTPServerReplies.queued)
        case .refuse(let refusal): return delegateRefused(refusal)
        }
    }

    /// The delegate's answer to `authenticate`: a user name, or nil for invalid credentials.
    public mutating func authenticated(_ user: String?) -> [Action] {
        guard case .waiting(.authentication) = state else { return [] }
        guard let user, !user.isEmpty else { return invalid(SMTPServerReplies.authFailed) }
        authenticatedUser = user
        return reply(SMTPServerReplies.authenticated)
    }

    /// The delegate could not check credentials now (it threw): `454 4.7.0`.
    public mutating func authenticationUnavailable() -> [Action] {
        guard case .waiting(.authentication) = state else { return [] }
        return reply(SMTPServerReplies.authUnavailable)
    }

    /// A refusal from the delegate: a 4xx or 5xx as given (421 closes), anything else `451 4.3.0`.
    private mutating func delegateRefused(_ refusal: SMTPReply) -> [Action] {
        guard (400..<600).contains(refusal.code) else { return reply(SMTPServerReplies.localError) }
        if refusal.code == 421 { return closing(refusal) }
        return reply(refusal)
    }

    // MARK: helpers

    /// Sends `reply` and waits for the next command; when a shutdown waits for the transaction to
    /// end and it has, says 421 and closes instead of waiting.
    private mutating func reply(_ reply: SMTPReply) -> [Action] {
        state = .command
        if shutdownPending && transaction == nil {
            return [.write(reply.serverBytes)] + closing(SMTPServerReplies.shuttingDown(configuration.hostname))
        }
        return [.write(reply.serverBytes), arm(configuration.timeouts.command)]
    }

    /// Counts a refused command; past the limit the session ends with `421 4.7.0` instead.
    private mutating func invalid(_ refusal: SMTPReply) -> [Action] {
        invalidCommandCount += 1
        if invalidCommandCount > configuration.limits.maximumInvalidCommands {
            return closing(SMTPServerReplies.tooManyErrors(configuration.hostname))
        }
        return reply(refusal)
    }

    /// Counts a command line; past the limit the session ends with `421 4.7.0`.
    private mutating func countCommand() -> [Action]? {
        commandCount += 1
        guard commandCount > configuration.limits.maximumCommands else { return nil }
        return closing(SMTPServerReplies.tooManyCommands(configuration.hostname))
    }

    private mutating func closing(_ reply: SMTPReply) -> [Action] {
        state = .closed
        return [.cancelTimer, .write(reply.serverBytes), .close]
    }

    private mutating func arm(_ duration: Duration) -> Action {
        timerID += 1
        return .setTimer(id: timerID, after: duration)
    }
}
