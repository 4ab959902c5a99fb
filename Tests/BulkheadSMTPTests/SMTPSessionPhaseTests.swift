import Testing

@testable import BulkheadSMTP

/// Each phase of the client session on its own (greeting and EHLO, STARTTLS, AUTH, the mail
/// transaction), then every phase's timeout and the quit path through the session, without I/O.
@Suite("SMTP client session phases")
struct SMTPSessionPhaseTests {
    typealias Action = SMTPClientSession.Action

    static func reply(_ code: Int, _ lines: String...) -> SMTPReply { SMTPReply(code: code, lines: lines) }
    static func decoded(_ code: Int, _ lines: String..., buffered: Bool = false) -> SMTPDecodedReply {
        SMTPDecodedReply(reply: SMTPReply(code: code, lines: lines), hasBufferedBytesAfter: buffered)
    }
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let envelope = try! Envelope(mailFrom: "bounce@sender.test", recipient: "ada@rcpt.test")
    static let message = Array("Subject: hi\r\n\r\nbody\r\n".utf8)

    static func capabilities(_ lines: String...) -> SMTPCapabilities {
        SMTPCapabilities(ehloReply: SMTPReply(code: 250, lines: ["mx.test"] + lines))
    }

    // MARK: greeting, EHLO, HELO

    @Test func greetingThenEHLOAccepted() {
        var phase = SMTPGreetingPhase(heloName: "mailer.test")
        #expect(phase.step == .greeting)
        #expect(phase.replyReceived(Self.reply(220, "mx.test ESMTP")) == .send(Self.bytes("EHLO mailer.test\r\n")))
        #expect(phase.step == .ehlo)
        #expect(phase.replyReceived(Self.reply(250, "mx.test", "PIPELINING")) == .done(Self.capabilities("PIPELINING")))
    }

    @Test func heloOnlyAfterAPermanentEHLORefusal() {
        var old = SMTPGreetingPhase(heloName: "mailer.test")
        _ = old.replyReceived(Self.reply(220, "old.test"))
        #expect(old.replyReceived(Self.reply(500, "what?")) == .send(Self.bytes("HELO mailer.test\r\n")))
        #expect(old.step == .helo)
        #expect(old.replyReceived(Self.reply(250, "old.test")) == .done(SMTPCapabilities()))

        var refused = SMTPGreetingPhase(heloName: "mailer.test")
        _ = refused.replyReceived(Self.reply(220, "old.test"))
        _ = refused.replyReceived(Self.reply(502, "no EHLO"))
        let no = Self.reply(550, "go away")
        #expect(refused.replyReceived(no) == .failed(.rejected(.helo, no)))

        var busy = SMTPGreetingPhase(heloName: "mailer.test")
        _ = busy.replyReceived(Self.reply(220, "mx.test"))
        let transient = Self.reply(451, "later")
        #expect(busy.replyReceived(transient) == .failed(.rejected(.ehlo, transient)), "a 4xx is no reason to fall back")
    }

    @Test func greetingOtherThan220Fails() {
        var phase = SMTPGreetingPhase(heloName: "mailer.test")
        let busy = Self.reply(421, "busy")
        #expect(phase.replyReceived(busy) == .failed(.rejected(.greeting, busy)))
    }

    @Test func afterTLSTheGreetingPhaseStartsAtEHLO() {
        let start = SMTPGreetingPhase.afterTLS(heloName: "mailer.test")
        var phase = start.phase
        #expect(start.command == Self.bytes("EHLO mailer.test\r\n"))
        #expect(phase.step == .ehlo)
        #expect(phase.replyReceived(Self.reply(250, "mx.test", "AUTH PLAIN")) == .done(Self.capabilities("AUTH PLAIN")))
    }

    // MARK: STARTTLS

    @Test func whetherToAskForSTARTTLS() {
        let offered = Self.capabilities("STARTTLS")
        let none = SMTPCapabilities()
        #expect(SMTPStartTLSPhase.begin(policy: .off, capabilities: offered, isTLSActive: false) == .skip)
        #expect(SMTPStartTLSPhase.begin(policy: .required, capabilities: offered, isTLSActive: true) == .skip)
        #expect(SMTPStartTLSPhase.begin(policy: .opportunistic, capabilities: none, isTLSActive: false) == .skip)
        #expect(SMTPStartTLSPhase.begin(policy: .required, capabilities: none, isTLSActive: false) == .failed(.tlsRequiredButNotOffered))
        guard case .start(let phase, let command) = SMTPStartTLSPhase.begin(policy: .opportunistic, capabilities: offered, isTLSActive: false) else {
            Issue.record("STARTTLS not asked for")
            return
        }
        #expect(command == Self.bytes("STARTTLS\r\n"))
        #expect(phase.stage == .awaitingReply)
    }

    static func startTLS(_ policy: SMTPTLSPolicy) -> SMTPStartTLSPhase? {
        guard case .start(let phase, _) = SMTPStartTLSPhase.begin(policy: policy, capabilities: capabilities("STARTTLS"), isTLSActive: false) else {
            return nil
        }
        return phase
    }

    @Test func startTLSReplies() throws {
        var accepted = try #require(Self.startTLS(.required))
        #expect(accepted.replyReceived(Self.decoded(220, "go ahead")) == .startHandshake)
        #expect(accepted.stage == .handshaking)
        #expect(accepted.replyReceived(Self.decoded(250, "what")) == .failed(.protocolViolation("reply received during the TLS handshake")))

        var injected = try #require(Self.startTLS(.opportunistic))
        #expect(
            injected.replyReceived(Self.decoded(220, "go ahead", buffered: true))
                == .failed(.protocolViolation("the server sent more data after its 220 reply to STARTTLS (possible injection)")))

        let refusal = Self.reply(454, "4.7.0 not now")
        var required = try #require(Self.startTLS(.required))
        #expect(required.replyReceived(SMTPDecodedReply(reply: refusal, hasBufferedBytesAfter: false)) == .failed(.tlsRequiredButRefused(refusal)))
        var opportunistic = try #require(Self.startTLS(.opportunistic))
        #expect(opportunistic.replyReceived(SMTPDecodedReply(reply: refusal, hasBufferedBytesAfter: false)) == .continueInPlaintext)

        let closing = Self.reply(421, "closing")
        var closed = try #require(Self.startTLS(.opportunistic))
        #expect(closed.replyReceived(SMTPDecodedReply(reply: closing, hasBufferedBytesAfter: false)) == .failed(.rejected(.startTLS, closing)))
    }

    @Test func aConnectionClosedDuringTheHandshakeIsATLSFailure() throws {
        var phase = try #require(Self.startTLS(.required))
        #expect(phase.closed(reason: "reset") == .connectionClosed("reset"))
        _ = phase.replyReceived(Self.decoded(220, "go ahead"))
        #expect(phase.closed(reason: "bad certificate") == .tlsFailed("bad certificate"))
    }

    // MARK: AUTH

    static func authConfig(tls: Bool = true) -> SMTPSessionConfiguration {
        var config = SMTPSessionConfiguration(heloName: "mailer.test")
        config.credentials = SMTPCredentials(username: "user", password: "pass")
        config.insecureAllowAuthWithoutTLS = !tls
        return config
    }

    @Test func whetherAndHowToAuthenticate() {
        #expect(
            SMTPAuthPhase.begin(
                configuration: SMTPSessionConfiguration(heloName: "m"), capabilities: Self.capabilities("AUTH PLAIN"),
                isTLSActive: true) == .notNeeded)
        var noInsecure = Self.authConfig()
        noInsecure.insecureAllowAuthWithoutTLS = false
        #expect(
            SMTPAuthPhase.begin(configuration: noInsecure, capabilities: Self.capabilities("AUTH PLAIN"), isTLSActive: false)
                == .failed(.authRequiresTLS))
        #expect(
            SMTPAuthPhase.begin(configuration: Self.authConfig(), capabilities: Self.capabilities("AUTH CRAM-MD5 XOAUTH2"), isTLSActive: true)
                == .failed(.authMechanismNotOffered(offered: ["CRAM-MD5", "XOAUTH2"])))
        guard
            case .start(_, let plain) = SMTPAuthPhase.begin(
                configuration: Self.authConfig(), capabilities: Self.capabilities("AUTH LOGIN PLAIN"),
                isTLSActive: true)
        else {
            Issue.record("no AUTH")
            return
        }
        #expect(plain == Self.bytes("AUTH PLAIN AHVzZXIAcGFzcw==\r\n"), "PLAIN is preferred")
    }

    @Test func authLoginExchangeAndRefusals() throws {
        func login() throws -> SMTPAuthPhase {
            guard
                case .start(let phase, let command) = SMTPAuthPhase.begin(
                    configuration: Self.authConfig(tls: false),
                    capabilities: Self.capabilities("AUTH LOGIN"), isTLSActive: false)
            else {
                throw PhaseTestError()
            }
            #expect(command == Self.bytes("AUTH LOGIN\r\n"))
            return phase
        }
        var phase = try login()
        #expect(phase.replyReceived(Self.reply(334, "VXNlcm5hbWU6")) == .send(Self.bytes("dXNlcg==\r\n")))
        #expect(phase.replyReceived(Self.reply(334, "UGFzc3dvcmQ6")) == .send(Self.bytes("cGFzcw==\r\n")))
        #expect(phase.replyReceived(Self.reply(235, "ok")) == .authenticated)

        for stage in 0..<3 {
            var refused = try login()
            for prompt in ["VXNlcm5hbWU6", "UGFzc3dvcmQ6"].prefix(stage) { _ = refused.replyReceived(Self.reply(334, prompt)) }
            let no = Self.reply(535, "5.7.8 no")
            #expect(refused.replyReceived(no) == .failed(.rejected(.auth, no)), "refused after \(stage) prompts")
        }
    }

    struct PhaseTestError: Error {}

    // MARK: mail transaction

    static func transaction(_ capabilities: SMTPCapabilities) throws -> (SMTPMailTransaction, [UInt8]) {
        guard
            case .started(let transaction, let bytes) = SMTPMailTransaction.start(
                id: 1, envelope: envelope, message: message,
                capabilities: capabilities)
        else {
            throw PhaseTestError()
        }
        return (transaction, bytes)
    }

    @Test func withoutPipeliningEachCommandWaitsForTheReplyBefore() throws {
        let started = try Self.transaction(SMTPCapabilities())
        var transaction = started.0
        #expect(started.1 == Self.bytes("MAIL FROM:<bounce@sender.test>\r\n"))
        #expect(transaction.awaitedStep == .mail)
        #expect(transaction.replyReceived(Self.reply(250, "ok")) == .send(Self.bytes("RCPT TO:<ada@rcpt.test>\r\n")))
        #expect(transaction.awaitedStep == .rcpt)
        #expect(transaction.replyReceived(Self.reply(250, "ok")) == .send(Self.bytes("DATA\r\n")))
        #expect(transaction.replyReceived(Self.reply(354, "go")) == .sendBody(Self.message + Self.bytes(".\r\n")))
        #expect(transaction.isSendingBody && transaction.awaitedStep == .endOfData)
        let ok = Self.reply(250, "queued")
        #expect(transaction.replyReceived(ok) == .delivered(.sent(.reply(.endOfData, ok))))
    }

    @Test func withPipeliningTheRepliesAreMatchedInOrderAndTheFirstRefusalDecides() throws {
        let started = try Self.transaction(Self.capabilities("PIPELINING"))
        var transaction = started.0
        #expect(started.1 == Self.bytes("MAIL FROM:<bounce@sender.test>\r\nRCPT TO:<ada@rcpt.test>\r\nDATA\r\n"))
        let refused = Self.reply(550, "5.1.1 no such user")
        #expect(transaction.replyReceived(Self.reply(250, "ok")) == .wait)
        #expect(transaction.replyReceived(refused) == .wait)
        #expect(transaction.awaitedStep == .data)
        // DATA accepted anyway: the body is never sent, only the final dot
        #expect(transaction.replyReceived(Self.reply(354, "go")) == .send(Self.bytes(".\r\n")))
        #expect(!transaction.isSendingBody && transaction.awaitedStep == .endOfData)
        #expect(
            transaction.replyReceived(Self.reply(554, "no valid recipients"))
                == .refused(.failed(.reply(.rcpt, refused), hardBounce: true)))
    }

    @Test func repliesThatEndTheConnection() throws {
        var closing = try Self.transaction(Self.capabilities("PIPELINING")).0
        let bye = Self.reply(421, "4.3.2 closing")
        #expect(closing.replyReceived(bye) == .abandoned(.deferred(.reply(.mail, bye)), reason: "server closing (421)"))

        var odd = try Self.transaction(SMTPCapabilities()).0
        _ = odd.replyReceived(Self.reply(250, "ok"))
        _ = odd.replyReceived(Self.reply(250, "ok"))
        let notData = Self.reply(250, "sure")
        #expect(odd.replyReceived(notData) == .abandoned(.deferred(.reply(.data, notData)), reason: "unexpected reply to DATA"))

        var afterBody = try Self.transaction(Self.capabilities("PIPELINING")).0
        for code in [250, 250, 354] { _ = afterBody.replyReceived(Self.reply(code, "ok")) }
        let again = Self.reply(354, "again?")
        #expect(afterBody.replyReceived(again) == .abandoned(.uncertain(.reply(.endOfData, again)), reason: "unexpected reply to the final dot"))
    }

    /// The one deferred-or-uncertain rule, in every stage of a transaction.
    @Test func anInterruptedMessageIsDeferredUntilItsBodyGoesOutThenUncertain() throws {
        var transaction = try Self.transaction(Self.capabilities("PIPELINING")).0
        #expect(transaction.outcome(interruptedBy: .timeout) == .deferred(.note("timeout waiting for the reply to MAIL; the message was not sent")))
        #expect(
            transaction.outcome(interruptedBy: .connectionClosed("reset"))
                == .deferred(.note("connection closed before the message body was sent (reset)")))
        #expect(
            transaction.outcome(interruptedBy: .protocolViolation("bare LF"))
                == .deferred(.note("SMTP protocol violation: bare LF; the message was not sent")))
        _ = transaction.replyReceived(Self.reply(250, "ok"))
        _ = transaction.replyReceived(Self.reply(250, "ok"))
        #expect(transaction.outcome(interruptedBy: .timeout) == .deferred(.note("timeout waiting for the reply to DATA; the message was not sent")))
        _ = transaction.replyReceived(Self.reply(354, "go"))
        #expect(
            transaction.outcome(interruptedBy: .timeout)
                == .uncertain(.note("timeout waiting for the reply to end of data after the message body started")))
        #expect(
            transaction.outcome(interruptedBy: .connectionClosed("reset"))
                == .uncertain(.note("connection closed after the message body started (reset)")))
        #expect(
            transaction.outcome(interruptedBy: .protocolViolation("bare LF"))
                == .uncertain(.note("SMTP protocol violation after the message body started: bare LF")))

        var empty = try Self.transaction(Self.capabilities("PIPELINING")).0
        _ = empty.replyReceived(Self.reply(550, "no"))
        _ = empty.replyReceived(Self.reply(250, "ok"))
        _ = empty.replyReceived(Self.reply(354, "go"))
        #expect(
            empty.outcome(interruptedBy: .timeout) == .deferred(.note("timeout waiting for the reply to end of data; the message was not sent")),
            "only the final dot went out, never the body")
    }

    // MARK: timers and the end of the session, through the session

    static func config(_ tls: SMTPTLSPolicy = .off) -> SMTPSessionConfiguration {
        var config = SMTPSessionConfiguration(heloName: "mailer.test")
        config.tlsPolicy = tls
        config.timeouts = SMTPTimeouts(all: .seconds(1))
        return config
    }

    /// The id of the timer the actions arm.
    static func timer(_ actions: [Action]) -> Int? {
        for case .setTimer(let id, _) in actions { return id }
        return nil
    }

    @Test func everySetupPhaseTimesOut() throws {
        var ehlo = SMTPClientSession(configuration: Self.config())
        _ = ehlo.connected()
        let ehloTimer = try #require(Self.timer(ehlo.replyReceived(Self.decoded(220, "mx"))))
        #expect(ehlo.timerFired(ehloTimer) == [.cancelTimer, .sessionFailed(.timeout(.ehlo)), .close])

        var startTLS = SMTPClientSession(configuration: Self.config(.required))
        _ = startTLS.connected()
        _ = startTLS.replyReceived(Self.decoded(220, "mx"))
        _ = startTLS.replyReceived(Self.decoded(250, "mx", "STARTTLS"))
        let handshake = try #require(Self.timer(startTLS.replyReceived(Self.decoded(220, "go ahead"))))
        #expect(startTLS.timerFired(handshake) == [.cancelTimer, .sessionFailed(.timeout(.startTLS)), .close])

        var config = Self.config()
        config.credentials = SMTPCredentials(username: "user", password: "pass")
        config.insecureAllowAuthWithoutTLS = true
        var auth = SMTPClientSession(configuration: config)
        _ = auth.connected()
        _ = auth.replyReceived(Self.decoded(220, "mx"))
        let authTimer = try #require(Self.timer(auth.replyReceived(Self.decoded(250, "mx", "AUTH LOGIN"))))
        #expect(auth.timerFired(authTimer) == [.cancelTimer, .sessionFailed(.timeout(.auth)), .close])
    }

    static func readySession(_ extensions: String...) -> SMTPClientSession {
        var session = SMTPClientSession(configuration: config())
        _ = session.connected()
        _ = session.replyReceived(decoded(220, "mx"))
        _ = session.replyReceived(SMTPDecodedReply(reply: SMTPReply(code: 250, lines: ["mx"] + extensions), hasBufferedBytesAfter: false))
        return session
    }

    @Test func timeoutsWhileWritingTheBodyAndAfterARefusal() throws {
        var body = Self.readySession("PIPELINING")
        _ = body.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = body.replyReceived(Self.decoded(250, "ok"))
        _ = body.replyReceived(Self.decoded(250, "ok"))
        // the data-block timer runs while the body is written: its expiry leaves the message uncertain
        let block = try #require(Self.timer(body.replyReceived(Self.decoded(354, "go"))))
        #expect(
            body.timerFired(block) == [
                .outcome(id: 1, .uncertain(.note("timeout waiting for the reply to end of data after the message body started"))), .close,
            ])

        var reset = Self.readySession("PIPELINING")
        _ = reset.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = reset.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        _ = reset.replyReceived(Self.decoded(250, "ok"))
        _ = reset.replyReceived(Self.decoded(550, "5.1.1 no"))
        let rset = try #require(Self.timer(reset.replyReceived(Self.decoded(554, "no recipients"))))
        // the session was ready once: no session failure, the queued message is deferred
        #expect(
            reset.timerFired(rset) == [
                .cancelTimer, .outcome(id: 2, .deferred(.note("timeout waiting for the reply to RSET"))), .close,
            ])
    }

    @Test func quitTimesOutOrEndsWithTheConnection() throws {
        var silent = Self.readySession()
        let quit = try #require(Self.timer(silent.quitRequested()))
        #expect(silent.timerFired(quit) == [.cancelTimer, .close])
        #expect(silent.isClosed)

        var closed = Self.readySession()
        _ = closed.quitRequested()
        #expect(closed.messageQueued(id: 5, envelope: Self.envelope, message: Self.message) == [], "queued behind QUIT")
        #expect(closed.connectionClosed(reason: "bye") == [.cancelTimer, .outcome(id: 5, .deferred(.note("connection closed; nothing was sent")))])
        #expect(
            closed.messageQueued(id: 6, envelope: Self.envelope, message: Self.message)
                == [.outcome(id: 6, .postponed(.note("connection is closed; nothing was sent"), retryAfter: .zero))])
    }

    @Test func quitBeforeConnectingDefersTheQueue() {
        var session = SMTPClientSession(configuration: Self.config())
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        #expect(session.quitRequested() == [.outcome(id: 1, .deferred(.note("session ended before connecting; nothing was sent"))), .close])
        #expect(session.isClosed)
        #expect(session.connected() == [])
    }

    @Test func eventsOutOfPlaceAreIgnored() {
        var session = Self.readySession()
        #expect(session.tlsEstablished() == [], "no STARTTLS under way")
        #expect(session.bodyWritten() == [], "no body under way")
        #expect(session.connected() == [], "already connected")
    }
}
