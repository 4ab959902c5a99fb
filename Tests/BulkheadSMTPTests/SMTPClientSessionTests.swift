import Testing

@testable import BulkheadSMTP

/// The state machine, without I/O, with exact bytes.
@Suite("SMTP client session state machine")
struct SMTPClientSessionTests {
    typealias Action = SMTPClientSession.Action

    static func reply(_ code: Int, _ lines: String..., buffered: Bool = false) -> SMTPDecodedReply {
        SMTPDecodedReply(reply: SMTPReply(code: code, lines: lines), hasBufferedBytesAfter: buffered)
    }

    static func write(_ text: String) -> Action { .write(Array(text.utf8)) }

    /// The actions without timer bookkeeping.
    static func io(_ actions: [Action]) -> [Action] {
        actions.filter {
            switch $0 {
            case .setTimer, .cancelTimer: false
            default: true
            }
        }
    }

    static func config(_ tls: SMTPTLSPolicy = .opportunistic) -> SMTPSessionConfiguration {
        var config = SMTPSessionConfiguration(heloName: "mailer.test")
        config.tlsPolicy = tls
        return config
    }

    static let envelope = try! Envelope(mailFrom: "bounce+1@sender.test", recipient: "ada@rcpt.test")
    static let message = Array("Subject: hi\r\n\r\n.dot line\r\nbye\r\n".utf8)
    static let wireBody = Array("Subject: hi\r\n\r\n..dot line\r\nbye\r\n.\r\n".utf8)

    /// A session that went through greeting and EHLO with `extensions`, now ready.
    static func readySession(_ extensions: [String], config: SMTPSessionConfiguration = config()) -> SMTPClientSession {
        var session = SMTPClientSession(configuration: config)
        _ = session.connected()
        _ = session.replyReceived(reply(220, "mx.test ESMTP"))
        var lines = ["mx.test"]
        lines += extensions
        _ = session.replyReceived(SMTPDecodedReply(reply: SMTPReply(code: 250, lines: lines), hasBufferedBytesAfter: false))
        return session
    }

    @Test func greetingThenEHLO() {
        var session = SMTPClientSession(configuration: Self.config())
        #expect(session.connected() == [.setTimer(id: 1, after: .seconds(300))])
        #expect(
            session.replyReceived(Self.reply(220, "mx.test ESMTP")) == [
                Self.write("EHLO mailer.test\r\n"), .setTimer(id: 2, after: .seconds(300)),
            ])
        let actions = session.replyReceived(Self.reply(250, "mx.test", "PIPELINING", "SIZE 10000", "8BITMIME"))
        var expected = SMTPCapabilities()
        expected.pipelining = true
        expected.sizeLimit = 10000
        expected.eightBitMIME = true
        #expect(actions == [.cancelTimer, .sessionReady(expected)])
        #expect(session.isIdle)
    }

    @Test func pipelinedMessageExactBytes() {
        var session = Self.readySession(["PIPELINING", "SIZE 10000", "8BITMIME"])
        let start = session.messageQueued(id: 7, envelope: Self.envelope, message: Self.message)
        #expect(
            Self.io(start) == [
                Self.write("MAIL FROM:<bounce+1@sender.test> SIZE=\(Self.message.count)\r\nRCPT TO:<ada@rcpt.test>\r\nDATA\r\n")
            ])
        #expect(Self.io(session.replyReceived(Self.reply(250, "2.1.0 Ok"))) == [])
        #expect(Self.io(session.replyReceived(Self.reply(250, "2.1.5 Ok"))) == [])
        let data = session.replyReceived(Self.reply(354, "End data with <CR><LF>.<CR><LF>"))
        #expect(Self.io(data) == [.writeBody(Self.wireBody), .pipelineOpen(after: 7)])
        let ok = Self.reply(250, "2.0.0 Ok: queued as ABC")
        #expect(Self.io(session.replyReceived(ok)) == [.outcome(id: 7, .sent(.reply(.endOfData, ok.reply)))])
        #expect(session.isIdle)
    }

    @Test func sequentialWithoutPipelining() {
        var session = Self.readySession([])
        #expect(
            Self.io(session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)) == [
                Self.write("MAIL FROM:<bounce+1@sender.test>\r\n")
            ])
        #expect(Self.io(session.replyReceived(Self.reply(250, "ok"))) == [Self.write("RCPT TO:<ada@rcpt.test>\r\n")])
        #expect(Self.io(session.replyReceived(Self.reply(250, "ok"))) == [Self.write("DATA\r\n")])
        #expect(Self.io(session.replyReceived(Self.reply(354, "go"))) == [.writeBody(Self.wireBody)])
        #expect(
            Self.io(session.replyReceived(Self.reply(250, "ok"))) == [
                .outcome(id: 1, .sent(.reply(.endOfData, SMTPReply(code: 250, lines: ["ok"]))))
            ])
    }

    @Test func timersFollowRFC5321Steps() {
        var config = Self.config()
        config.timeouts.mail = .seconds(11)
        config.timeouts.rcpt = .seconds(12)
        config.timeouts.dataInitiation = .seconds(13)
        config.timeouts.dataBlock = .seconds(14)
        config.timeouts.dataTermination = .seconds(15)
        var session = Self.readySession([], config: config)
        func timer(_ actions: [Action]) -> Duration? {
            for case .setTimer(_, let duration) in actions { return duration }
            return nil
        }
        #expect(timer(session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)) == .seconds(11))
        #expect(timer(session.replyReceived(Self.reply(250, "ok"))) == .seconds(12))
        #expect(timer(session.replyReceived(Self.reply(250, "ok"))) == .seconds(13))
        let data = session.replyReceived(Self.reply(354, "go"))
        #expect(timer(data) == .seconds(14))
        // the body write is last: its completion may be reported before the write call returns
        #expect(data.last == .writeBody(Self.wireBody))
        #expect(timer(session.bodyWritten()) == .seconds(15))
    }

    @Test func ehloRefusedFallsBackToHELO() {
        var session = SMTPClientSession(configuration: Self.config())
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "old.test"))
        #expect(Self.io(session.replyReceived(Self.reply(502, "5.5.2 what?"))) == [Self.write("HELO mailer.test\r\n")])
        #expect(Self.io(session.replyReceived(Self.reply(250, "old.test"))) == [.sessionReady(SMTPCapabilities())])
        // no extensions: plain MAIL FROM, one command at a time
        #expect(
            Self.io(session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)) == [
                Self.write("MAIL FROM:<bounce+1@sender.test>\r\n")
            ])
    }

    @Test func ehloTransientFailureEndsSession() {
        var session = SMTPClientSession(configuration: Self.config())
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        let queued = session.messageQueued(id: 3, envelope: Self.envelope, message: Self.message)
        #expect(queued == [])
        let reply = Self.reply(421, "4.3.2 busy")
        let error = SMTPSessionError.rejected(.ehlo, reply.reply)
        #expect(
            Self.io(session.replyReceived(reply)) == [
                .sessionFailed(error), .outcome(id: 3, .deferred(.note(error.description))), .close,
            ])
        #expect(session.isClosed)
    }

    @Test func invalidEHLONameIsNeverSent() {
        var session = SMTPClientSession(configuration: SMTPSessionConfiguration(heloName: "a\r\nMAIL FROM:<x@y>"))
        _ = session.connected()
        #expect(
            Self.io(session.replyReceived(Self.reply(220, "mx"))) == [
                .sessionFailed(.invalidConfiguration("EHLO name must be 1-255 printable ASCII characters without spaces")), .close,
            ])
    }

    @Test func greetingRejected() {
        var session = SMTPClientSession(configuration: Self.config())
        _ = session.connected()
        let reply = Self.reply(554, "5.7.1 go away")
        #expect(Self.io(session.replyReceived(reply)) == [.sessionFailed(.rejected(.greeting, reply.reply)), .close])
    }

    @Test func startTLSThenEHLOThenAuthPlain() {
        var config = Self.config(.required)
        config.credentials = SMTPCredentials(username: "user", password: "pass")
        var session = SMTPClientSession(configuration: config)
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        #expect(Self.io(session.replyReceived(Self.reply(250, "mx", "STARTTLS", "AUTH LOGIN"))) == [Self.write("STARTTLS\r\n")])
        #expect(Self.io(session.replyReceived(Self.reply(220, "2.0.0 Ready to start TLS"))) == [.startTLS])
        #expect(Self.io(session.tlsEstablished()) == [Self.write("EHLO mailer.test\r\n")])
        #expect(session.isTLSActive)
        // base64("\0user\0pass") == "AHVzZXIAcGFzcw=="
        #expect(
            Self.io(session.replyReceived(Self.reply(250, "mx", "AUTH PLAIN LOGIN", "PIPELINING"))) == [
                Self.write("AUTH PLAIN AHVzZXIAcGFzcw==\r\n")
            ])
        let ready = Self.io(session.replyReceived(Self.reply(235, "2.7.0 Authentication successful")))
        #expect(ready.count == 1)
        if case .sessionReady(let caps) = ready.first {
            #expect(caps.authMechanisms == ["PLAIN", "LOGIN"] && caps.pipelining && !caps.startTLS)
        } else {
            Issue.record("expected sessionReady, got \(ready)")
        }
    }

    @Test func authLoginExchangeWithInsecureOption() {
        var config = Self.config(.off)
        config.credentials = SMTPCredentials(username: "user", password: "pass")
        config.insecureAllowAuthWithoutTLS = true
        var session = SMTPClientSession(configuration: config)
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        #expect(Self.io(session.replyReceived(Self.reply(250, "mx", "STARTTLS", "AUTH=LOGIN"))) == [Self.write("AUTH LOGIN\r\n")])
        #expect(Self.io(session.replyReceived(Self.reply(334, "VXNlcm5hbWU6"))) == [Self.write("dXNlcg==\r\n")])
        #expect(Self.io(session.replyReceived(Self.reply(334, "UGFzc3dvcmQ6"))) == [Self.write("cGFzcw==\r\n")])
        #expect(Self.io(session.replyReceived(Self.reply(235, "ok"))).count == 1)
        #expect(session.isIdle && !session.isTLSActive)
    }

    @Test func authWithoutTLSRefusedByDefault() {
        var config = Self.config(.opportunistic)
        config.credentials = SMTPCredentials(username: "user", password: "pass")
        var session = SMTPClientSession(configuration: config)
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        #expect(Self.io(session.replyReceived(Self.reply(250, "mx", "AUTH PLAIN"))) == [.sessionFailed(.authRequiresTLS), .close])
    }

    @Test func authRejected() {
        var config = Self.config(.off)
        config.credentials = SMTPCredentials(username: "user", password: "bad")
        config.insecureAllowAuthWithoutTLS = true
        var session = SMTPClientSession(configuration: config)
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        _ = session.replyReceived(Self.reply(250, "mx", "AUTH PLAIN"))
        let reply = Self.reply(535, "5.7.8 bad credentials")
        #expect(Self.io(session.replyReceived(reply)) == [.sessionFailed(.rejected(.auth, reply.reply)), .close])
    }

    @Test func tlsRequiredButNotOfferedDefersEveryMessage() {
        var session = SMTPClientSession(configuration: Self.config(.required))
        _ = session.connected()
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = session.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        _ = session.replyReceived(Self.reply(220, "mx"))
        let reason = DeliveryDetail.note("TLS is required but the server does not offer STARTTLS")
        #expect(
            Self.io(session.replyReceived(Self.reply(250, "mx", "PIPELINING"))) == [
                .sessionFailed(.tlsRequiredButNotOffered), .outcome(id: 1, .deferred(reason)), .outcome(id: 2, .deferred(reason)), .close,
            ])
        // a later message on the dead session is postponed: nothing sent, not its doing, no attempt charged
        #expect(
            session.messageQueued(id: 3, envelope: Self.envelope, message: Self.message) == [
                .outcome(id: 3, .postponed(.note("connection is closed; nothing was sent"), retryAfter: .zero))
            ])
    }

    @Test func tlsRequiredButRefused() {
        var session = SMTPClientSession(configuration: Self.config(.required))
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        _ = session.replyReceived(Self.reply(250, "mx", "STARTTLS"))
        let refusal = Self.reply(454, "4.7.0 TLS not available")
        #expect(Self.io(session.replyReceived(refusal)) == [.sessionFailed(.tlsRequiredButRefused(refusal.reply)), .close])
    }

    @Test func opportunisticTLSRefusedContinuesInPlaintext() {
        var session = SMTPClientSession(configuration: Self.config(.opportunistic))
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        _ = session.replyReceived(Self.reply(250, "mx", "STARTTLS"))
        var caps = SMTPCapabilities()
        caps.startTLS = true
        #expect(Self.io(session.replyReceived(Self.reply(454, "4.7.0 not now"))) == [.sessionReady(caps)])
        #expect(!session.isTLSActive)
    }

    @Test func tlsOffNeverSendsSTARTTLS() {
        var session = SMTPClientSession(configuration: Self.config(.off))
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        let actions = Self.io(session.replyReceived(Self.reply(250, "mx", "STARTTLS")))
        #expect(actions.count == 1 && session.isIdle)
    }

    @Test func dataAfterSTARTTLSReplyIsInjection() {
        var session = SMTPClientSession(configuration: Self.config(.required))
        _ = session.connected()
        _ = session.replyReceived(Self.reply(220, "mx"))
        _ = session.replyReceived(Self.reply(250, "mx", "STARTTLS"))
        let actions = Self.io(session.replyReceived(Self.reply(220, "go ahead", buffered: true)))
        #expect(
            actions == [
                .sessionFailed(.protocolViolation("the server sent more data after its 220 reply to STARTTLS (possible injection)")),
                .close,
            ])
    }

    @Test func recipientUnknownIsHardBounceThenRSET() {
        var session = Self.readySession(["PIPELINING"])
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = session.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        #expect(Self.io(session.replyReceived(Self.reply(250, "ok"))) == [])
        let unknown = Self.reply(550, "5.1.1 <ada@rcpt.test>: Recipient address rejected")
        #expect(Self.io(session.replyReceived(unknown)) == [])
        #expect(
            Self.io(session.replyReceived(Self.reply(554, "5.5.1 Error: no valid recipients"))) == [
                .outcome(id: 1, .failed(.reply(.rcpt, unknown.reply), hardBounce: true)),
                Self.write("RSET\r\n"),
            ])
        // after RSET the next message starts
        #expect(
            Self.io(session.replyReceived(Self.reply(250, "2.0.0 Ok"))) == [
                Self.write("MAIL FROM:<bounce+1@sender.test>\r\nRCPT TO:<ada@rcpt.test>\r\nDATA\r\n")
            ])
    }

    @Test func hardBounceClassification() {
        #expect(SMTPClientSession.isHardBounce(step: .rcpt, reply: SMTPReply(code: 550, lines: ["no such user"])))
        #expect(SMTPClientSession.isHardBounce(step: .rcpt, reply: SMTPReply(code: 553, lines: ["5.1.3 bad address"])))
        #expect(!SMTPClientSession.isHardBounce(step: .rcpt, reply: SMTPReply(code: 550, lines: ["5.7.1 blocked by policy"])))
        #expect(!SMTPClientSession.isHardBounce(step: .mail, reply: SMTPReply(code: 550, lines: ["5.1.1 x"])))
        #expect(!SMTPClientSession.isHardBounce(step: .rcpt, reply: SMTPReply(code: 450, lines: ["4.1.1 try later"])))
    }

    @Test func transientFailuresAreDeferred() {
        for step in 0..<3 {
            var session = Self.readySession([])
            _ = session.messageQueued(id: 9, envelope: Self.envelope, message: Self.message)
            for _ in 0..<step { _ = session.replyReceived(Self.reply(250, "ok")) }
            let failure = Self.reply(451, "4.3.0 try again")
            let stepName: SMTPStep = [.mail, .rcpt, .data][step]
            #expect(
                Self.io(session.replyReceived(failure)) == [
                    .outcome(id: 9, .deferred(.reply(stepName, failure.reply))), Self.write("RSET\r\n"),
                ])
        }
    }

    @Test func finalDotReplies() {
        for (code, expected) in [(452, "deferred"), (554, "failed")] {
            var session = Self.readySession(["PIPELINING"])
            _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
            _ = session.replyReceived(Self.reply(250, "ok"))
            _ = session.replyReceived(Self.reply(250, "ok"))
            _ = session.replyReceived(Self.reply(354, "go"))
            _ = session.bodyWritten()
            let reply = Self.reply(code, "no")
            let outcome: DeliveryOutcome =
                expected == "deferred"
                ? .deferred(.reply(.endOfData, reply.reply))
                : .failed(.reply(.endOfData, reply.reply), hardBounce: false)
            #expect(Self.io(session.replyReceived(reply)) == [.outcome(id: 1, outcome), Self.write("RSET\r\n")])
        }
    }

    @Test func dataAcceptedDespiteRecipientFailureSendsEmptyBody() {
        var session = Self.readySession(["PIPELINING"])
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = session.replyReceived(Self.reply(250, "ok"))
        let refused = Self.reply(550, "5.7.1 relaying denied")
        _ = session.replyReceived(refused)
        // RFC 2920 §3.1: the message body must not be sent; end DATA at once
        #expect(Self.io(session.replyReceived(Self.reply(354, "go"))) == [Self.write(".\r\n")])
        #expect(
            Self.io(session.replyReceived(Self.reply(554, "no valid recipients"))) == [
                .outcome(id: 1, .failed(.reply(.rcpt, refused.reply), hardBounce: false)), Self.write("RSET\r\n"),
            ])
    }

    @Test func serverClosing421AbandonsConnection() {
        var session = Self.readySession(["PIPELINING"])
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = session.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        let closing = Self.reply(421, "4.4.2 shutting down")
        #expect(
            Self.io(session.replyReceived(closing)) == [
                .outcome(id: 1, .deferred(.reply(.mail, closing.reply))),
                .outcome(id: 2, .deferred(.note("connection abandoned (server closing (421)); nothing was sent"))),
                .close,
            ])
        #expect(session.isClosed)
    }

    @Test func dropBeforeDataIsDeferredAfterBodyIsUncertain() {
        var session = Self.readySession(["PIPELINING"])
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = session.replyReceived(Self.reply(250, "ok"))
        #expect(
            Self.io(session.connectionClosed(reason: "reset")) == [
                .outcome(id: 1, .deferred(.note("connection closed before the message body was sent (reset)")))
            ])

        var second = Self.readySession(["PIPELINING"])
        _ = second.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = second.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        _ = second.replyReceived(Self.reply(250, "ok"))
        _ = second.replyReceived(Self.reply(250, "ok"))
        _ = second.replyReceived(Self.reply(354, "go"))
        #expect(
            Self.io(second.connectionClosed(reason: "reset")) == [
                .outcome(id: 1, .uncertain(.note("connection closed after the message body started (reset)"))),
                .outcome(id: 2, .postponed(.note("connection closed before the message body was sent (reset)"), retryAfter: .zero)),
            ])
    }

    static let commands = "MAIL FROM:<bounce+1@sender.test>\r\nRCPT TO:<ada@rcpt.test>\r\nDATA\r\n"

    /// A session whose message 1 has its body out (PIPELINING): the replies to MAIL, RCPT and DATA came.
    static func bodyOut(_ extensions: [String] = ["PIPELINING"]) -> (SMTPClientSession, [Action]) {
        var session = readySession(extensions)
        _ = session.messageQueued(id: 1, envelope: envelope, message: message)
        _ = session.replyReceived(reply(250, "ok"))
        _ = session.replyReceived(reply(250, "ok"))
        let actions = session.replyReceived(reply(354, "go"))
        return (session, actions)
    }

    @Test func theNextMessageIsPipelinedBehindTheBodyAndAnsweredAfterTheDot() {
        var (session, data) = Self.bodyOut()
        #expect(Self.io(data) == [.writeBody(Self.wireBody), .pipelineOpen(after: 1)])
        // queued while message 1 waits for its dot's reply: its commands go out at once, and message
        // 1's timer stays as it is (no action but the write)
        #expect(session.messageQueued(id: 2, envelope: Self.envelope, message: Self.message) == [Self.write(Self.commands)])
        _ = session.bodyWritten()
        let ok = Self.reply(250, "queued 1")
        let first = session.replyReceived(ok)
        #expect(first.first == .outcome(id: 1, .sent(.reply(.endOfData, ok.reply))))
        guard first.count == 3, case .setTimer(_, let after) = first[1] else {
            Issue.record("no timer for message 2: \(first)")
            return
        }
        #expect(after == Self.config().timeouts.mail, "now the reply to message 2's MAIL is awaited")
        #expect(first[2] == .acknowledgeNow, "the dot's reply is acknowledged at once (the server holds the next replies for it)")
        #expect(Self.io(session.replyReceived(Self.reply(250, "ok"))) == [])
        #expect(Self.io(session.replyReceived(Self.reply(250, "ok"))) == [])
        #expect(Self.io(session.replyReceived(Self.reply(354, "go"))) == [.writeBody(Self.wireBody), .pipelineOpen(after: 2)])
        let second = Self.reply(250, "queued 2")
        #expect(Self.io(session.replyReceived(second)) == [.outcome(id: 2, .sent(.reply(.endOfData, second.reply)))])
        #expect(session.isIdle)
    }

    @Test func aMessageQueuedBeforeTheBodyFollowsItInTheSameWrite() {
        var session = Self.readySession(["PIPELINING"])
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = session.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        _ = session.messageQueued(id: 3, envelope: Self.envelope, message: Self.message)
        _ = session.replyReceived(Self.reply(250, "ok"))
        _ = session.replyReceived(Self.reply(250, "ok"))
        // one follows (no pipelineOpen: the place is taken); message 3 waits for message 2's body
        #expect(Self.io(session.replyReceived(Self.reply(354, "go"))) == [.writeBody(Self.wireBody), Self.write(Self.commands)])
        #expect(
            Self.io(session.replyReceived(Self.reply(250, "1"))) == [
                .outcome(id: 1, .sent(.reply(.endOfData, SMTPReply(code: 250, lines: ["1"])))), .acknowledgeNow,
            ])
        _ = session.replyReceived(Self.reply(250, "ok"))
        _ = session.replyReceived(Self.reply(250, "ok"))
        #expect(Self.io(session.replyReceived(Self.reply(354, "go"))) == [.writeBody(Self.wireBody), Self.write(Self.commands)])
    }

    @Test func aRefusedDotNeedsNoRSETBeforeTheMessageBehindIt() {
        var (session, _) = Self.bodyOut()
        _ = session.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        let refused = Self.reply(554, "5.7.1 spam")
        #expect(
            Self.io(session.replyReceived(refused)) == [
                .outcome(id: 1, .failed(.reply(.endOfData, refused.reply), hardBounce: false)), .acknowledgeNow,
            ])
        // message 2's own refusal at RCPT is reset as ever
        _ = session.replyReceived(Self.reply(250, "ok"))
        let unknown = Self.reply(550, "5.1.1 unknown")
        #expect(Self.io(session.replyReceived(unknown)) == [])
        #expect(
            Self.io(session.replyReceived(Self.reply(503, "5.5.1 no valid recipients"))) == [
                .outcome(id: 2, .failed(.reply(.rcpt, unknown.reply), hardBounce: true)), Self.write("RSET\r\n"),
            ])
    }

    /// Its body never went out, and the failure was the message ahead's: postponed (no attempt charged).
    @Test func whenTheConnectionBreaksTheMessageBehindTheBodyIsPostponedNeverUncertain() {
        var (closing, _) = Self.bodyOut()
        _ = closing.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        let shutdown = Self.reply(421, "4.3.2 shutting down")
        #expect(
            Self.io(closing.replyReceived(shutdown)) == [
                .outcome(id: 1, .deferred(.reply(.endOfData, shutdown.reply))),
                .outcome(
                    id: 2,
                    .postponed(.note("connection closed before the message body was sent (abandoned: server closing (421))"), retryAfter: .zero)),
                .close,
            ])
        #expect(closing.isClosed)

        var silent = Self.bodyOut().0
        _ = silent.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)
        _ = silent.messageQueued(id: 3, envelope: Self.envelope, message: Self.message)
        guard case .setTimer(let dotTimer, _)? = silent.bodyWritten().first else {
            Issue.record("no timer armed")
            return
        }
        #expect(
            Self.io(silent.timerFired(dotTimer)) == [
                .outcome(id: 1, .uncertain(.note("timeout waiting for the reply to end of data after the message body started"))),
                .outcome(id: 2, .postponed(.note("timeout waiting for the reply to MAIL; the message was not sent"), retryAfter: .zero)),
                .outcome(id: 3, .deferred(.note("connection timed out; nothing was sent"))), .close,
            ])
    }

    @Test func withoutPipeliningNothingFollowsABody() {
        var (session, data) = Self.bodyOut([])
        #expect(Self.io(data) == [.writeBody(Self.wireBody)])
        #expect(Self.io(session.messageQueued(id: 2, envelope: Self.envelope, message: Self.message)) == [])
        #expect(
            Self.io(session.replyReceived(Self.reply(250, "ok"))) == [
                .outcome(id: 1, .sent(.reply(.endOfData, SMTPReply(code: 250, lines: ["ok"])))),
                Self.write("MAIL FROM:<bounce+1@sender.test>\r\n"),
            ])
    }

    @Test func aMessageThisServerCannotTakeIsReportedWhileTheBodyIsOut() {
        var (session, _) = Self.bodyOut(["PIPELINING", "SIZE 1000"])
        let line = Array(repeating: UInt8(ascii: "a"), count: 98) + [0x0D, 0x0A]
        let big = Array((0..<20).map { _ in line }.joined())
        #expect(
            session.messageQueued(id: 2, envelope: Self.envelope, message: big) == [
                .outcome(id: 2, .failed(.note("the message (2000 octets) exceeds the server's SIZE limit of 1000"), hardBounce: false))
            ], "reported, and the place behind the body stays open (announced once, at the body)")
        #expect(
            Self.io(session.messageQueued(id: 3, envelope: Self.envelope, message: Self.message)) == [
                Self.write("MAIL FROM:<bounce+1@sender.test> SIZE=\(Self.message.count)\r\nRCPT TO:<ada@rcpt.test>\r\nDATA\r\n")
            ])
    }

    @Test func timeouts() {
        var session = Self.readySession([])
        let start = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        guard case .setTimer(let mailTimer, _)? = start.last else {
            Issue.record("no timer armed: \(start)")
            return
        }
        _ = session.replyReceived(Self.reply(250, "ok"))  // arms the RCPT timer
        #expect(session.timerFired(mailTimer) == [])  // stale: ignored
        #expect(
            Self.io(session.timerFired(mailTimer + 1)) == [
                .outcome(id: 1, .deferred(.note("timeout waiting for the reply to RCPT; the message was not sent"))), .close,
            ])

        var body = Self.readySession(["PIPELINING"])
        _ = body.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        _ = body.replyReceived(Self.reply(250, "ok"))
        _ = body.replyReceived(Self.reply(250, "ok"))
        _ = body.replyReceived(Self.reply(354, "go"))
        let armed = body.bodyWritten()
        guard case .setTimer(let dotTimer, _)? = armed.first else {
            Issue.record("no timer armed: \(armed)")
            return
        }
        #expect(
            Self.io(body.timerFired(dotTimer)) == [
                .outcome(id: 1, .uncertain(.note("timeout waiting for the reply to end of data after the message body started"))), .close,
            ])

        var greeting = SMTPClientSession(configuration: Self.config())
        guard case .setTimer(let greetingTimer, _)? = greeting.connected().first else {
            Issue.record("no greeting timer")
            return
        }
        #expect(Self.io(greeting.timerFired(greetingTimer)) == [.sessionFailed(.timeout(.greeting)), .close])
    }

    @Test func messagesRefusedBeforeSending() {
        var session = Self.readySession(["PIPELINING", "SIZE 20"])
        let bareLF = Array("Subject: x\n\r\nbody\r\n".utf8)
        #expect(
            session.messageQueued(id: 1, envelope: Self.envelope, message: bareLF) == [
                .outcome(id: 1, .failed(.note("message refused: bare LF (not preceded by CR) at offset 10"), hardBounce: false))
            ])
        #expect(
            session.messageQueued(id: 2, envelope: Self.envelope, message: Self.message) == [
                .outcome(id: 2, .failed(.note("the message (\(Self.message.count) octets) exceeds the server's SIZE limit of 20"), hardBounce: false))
            ])
        let utf8Envelope = try! Envelope(mailFrom: "a@sender.test", recipient: "jürgen@rcpt.test")
        #expect(
            session.messageQueued(id: 3, envelope: utf8Envelope, message: Array("a: b\r\n".utf8)) == [
                .outcome(id: 3, .failed(.note("the message needs SMTPUTF8 and the server does not offer it"), hardBounce: false))
            ])
        #expect(
            session.messageQueued(id: 4, envelope: Self.envelope, message: Array("a: ü\r\n".utf8)) == [
                .outcome(id: 4, .failed(.note("the message has 8-bit octets and the server does not offer 8BITMIME"), hardBounce: false))
            ])
        #expect(session.isIdle)
    }

    @Test func mailParametersForEightBitAndUTF8() {
        var session = Self.readySession(["PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8"])
        let envelope = try! Envelope(mailFrom: "a@sender.test", recipient: "jürgen@rcpt.test")
        let message = Array("Subject: grüße\r\n\r\nx\r\n".utf8)
        #expect(
            Self.io(session.messageQueued(id: 1, envelope: envelope, message: message)) == [
                Self.write("MAIL FROM:<a@sender.test> SIZE=\(message.count) BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<jürgen@rcpt.test>\r\nDATA\r\n")
            ])
    }

    @Test func quitWhenIdle() {
        var session = Self.readySession([])
        #expect(Self.io(session.quitRequested()) == [Self.write("QUIT\r\n")])
        #expect(Self.io(session.replyReceived(Self.reply(221, "bye"))) == [.close])
        #expect(session.isClosed)
    }

    @Test func quitWaitsForQueuedMessage() {
        var session = Self.readySession(["PIPELINING"])
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        #expect(Self.io(session.quitRequested()) == [])
        _ = session.replyReceived(Self.reply(250, "ok"))
        _ = session.replyReceived(Self.reply(250, "ok"))
        _ = session.replyReceived(Self.reply(354, "go"))
        let done = Self.io(session.replyReceived(Self.reply(250, "ok")))
        #expect(done == [.outcome(id: 1, .sent(.reply(.endOfData, SMTPReply(code: 250, lines: ["ok"])))), Self.write("QUIT\r\n")])
    }

    @Test func malformedReplyDuringMessage() {
        var session = Self.readySession(["PIPELINING"])
        _ = session.messageQueued(id: 1, envelope: Self.envelope, message: Self.message)
        #expect(
            Self.io(session.protocolError(SMTPReplyError(reason: .bareLF, offset: 3))) == [
                .outcome(id: 1, .deferred(.note("SMTP protocol violation: bare LF in reply at offset 3; the message was not sent"))),
                .close,
            ])
    }
}
