import NIOSSL
import Testing

@testable import BulkheadSMTP

/// The server state machine without I/O: events in, actions out, exact bytes.
@Suite("SMTP server session state machine")
struct SMTPServerSessionTests {
    typealias Action = SMTPServerSession.Action

    static func config(tls: Bool = false, loopbackAuth: Bool = false) -> SMTPServerConfiguration {
        var config = SMTPServerConfiguration(hostname: "mx.test")
        config.limits.maximumMessageSize = 10000
        config.limits.maximumRecipients = 3
        config.limits.maximumCommands = 50
        config.limits.maximumInvalidCommands = 20
        // the session only needs to know that STARTTLS is offered; the handler does the handshake
        if tls { config.tls = SMTPServerTLS(configuration: .makeClientConfiguration()) }
        config.insecureAllowsAuthWithoutTLSOnLoopback = loopbackAuth
        return config
    }

    static func write(_ text: String) -> Action { .write(Array(text.utf8)) }

    static let ehloReply = "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n"

    /// A session greeted and past EHLO.
    static func afterEHLO(_ config: SMTPServerConfiguration = config(), client: String = "192.0.2.7") -> SMTPServerSession {
        var session = SMTPServerSession(configuration: config, connection: .init(remoteAddress: client))
        _ = session.connected()
        _ = session.lineReceived(SMTPServerLine("EHLO client.test"))
        return session
    }

    @Test func greetingEHLOAndHELO() {
        var session = SMTPServerSession(configuration: Self.config(), connection: .init(remoteAddress: "192.0.2.7"))
        #expect(session.connected() == [Self.write("220 mx.test ESMTP Bulkhead\r\n"), .setTimer(id: 1, after: .seconds(300))])
        #expect(session.lineReceived(SMTPServerLine("ehlo client.test")) == [Self.write(Self.ehloReply), .setTimer(id: 2, after: .seconds(300))])
        #expect(session.lineReceived(SMTPServerLine("HELO client.test")) == [Self.write("250 mx.test\r\n"), .setTimer(id: 3, after: .seconds(300))])
        #expect(session.info.heloName == "client.test" && !session.info.isESMTP)
        #expect(
            session.lineReceived(SMTPServerLine("EHLO")) == [
                Self.write("501 5.5.4 Syntax: EHLO hostname\r\n"), .setTimer(id: 4, after: .seconds(300)),
            ])
    }

    /// MAIL, RCPT and the message each wait for the delegate; the 250 for the message comes only with
    /// `messageStored`, and no line is taken meanwhile.
    @Test func transactionWaitsForTheDelegateAtEveryStep() {
        var session = Self.afterEHLO()
        let sender = SMTPServerEnvelope(reversePath: "a@client.test", declaredSize: 120, body: .eightBitMIME)
        #expect(session.lineReceived(SMTPServerLine("MAIL FROM:<a@client.test> SIZE=120 BODY=8BITMIME")) == [.cancelTimer, .checkSender(sender)])
        #expect(!session.isAcceptingLines && session.isAwaitingDelegate)
        #expect(session.lineReceived(SMTPServerLine("RCPT TO:<b@mx.test>")) == [], "no line while waiting")
        #expect(session.senderChecked(.accept) == [Self.write("250 2.1.0 Ok\r\n"), .setTimer(id: 3, after: .seconds(300))])

        #expect(session.lineReceived(SMTPServerLine("RCPT TO:<b@mx.test>")) == [.cancelTimer, .checkRecipient("b@mx.test", sender)])
        #expect(session.recipientChecked(.accept) == [Self.write("250 2.1.5 Ok\r\n"), .setTimer(id: 4, after: .seconds(300))])
        #expect(
            session.lineReceived(SMTPServerLine("RCPT TO:<c@elsewhere.test>")) == [
                .cancelTimer,
                .checkRecipient(
                    "c@elsewhere.test",
                    SMTPServerEnvelope(reversePath: "a@client.test", recipients: ["b@mx.test"], declaredSize: 120, body: .eightBitMIME)),
            ])
        #expect(
            session.recipientChecked(.refuse(SMTPReply(code: 550, lines: ["5.7.1 Relaying denied"]))) == [
                Self.write("550 5.7.1 Relaying denied\r\n"), .setTimer(id: 5, after: .seconds(300)),
            ])

        #expect(
            session.lineReceived(SMTPServerLine("DATA")) == [
                Self.write("354 End data with <CR><LF>.<CR><LF>\r\n"), .setTimer(id: 6, after: .seconds(180)),
            ])
        #expect(session.lineReceived(SMTPServerLine("Subject: hi")) == [])
        #expect(session.lineReceived(SMTPServerLine("")) == [])
        #expect(session.lineReceived(SMTPServerLine("..dot")) == [])
        let envelope = SMTPServerEnvelope(reversePath: "a@client.test", recipients: ["b@mx.test"], declaredSize: 120, body: .eightBitMIME)
        #expect(session.lineReceived(SMTPServerLine(".")) == [.cancelTimer, .deliverMessage(envelope, Array("Subject: hi\r\n\r\n.dot\r\n".utf8))])
        #expect(session.isAwaitingDelegate && session.isInTransaction)
        #expect(session.lineReceived(SMTPServerLine("QUIT")) == [], "nothing is answered before the message is stored")
        #expect(session.messageStored(.accept) == [Self.write("250 2.0.0 Ok: queued\r\n"), .setTimer(id: 7, after: .seconds(300))])
        #expect(!session.isInTransaction)
        #expect(session.lineReceived(SMTPServerLine("QUIT")) == [.cancelTimer, Self.write("221 2.0.0 mx.test closing connection\r\n"), .close])
    }

    @Test func storeFailureIsTheDelegatesReplyAndEndsTheTransaction() {
        var conversation = ServerConversation()
        conversation.answer = { action in
            if case .deliverMessage = action { return .refuse(SMTPReply(code: 452, lines: ["4.3.1 Insufficient system storage"])) }
            return .accept
        }
        #expect(
            conversation.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nhi\r\n.\r\nRCPT TO:<b@mx.test>\r\n")
                == Self.ehloReply + "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
                + "452 4.3.1 Insufficient system storage\r\n503 5.5.1 Send MAIL first\r\n")
    }

    /// A delegate reply that is not a refusal, or that carries a line break, cannot reach the wire as is.
    @Test func delegateRepliesAreSanitised() {
        var session = Self.afterEHLO()
        _ = session.lineReceived(SMTPServerLine("MAIL FROM:<>"))
        #expect(
            session.senderChecked(.refuse(SMTPReply(code: 250, lines: ["ok?"]))).first
                == Self.write("451 4.3.0 Requested action aborted: local error in processing\r\n"))
        _ = session.lineReceived(SMTPServerLine("MAIL FROM:<>"))
        #expect(
            session.senderChecked(.refuse(SMTPReply(code: 550, lines: ["5.7.1 no\r\n250 injected"]))).first
                == Self.write("550 5.7.1 no??250 injected\r\n"))
        _ = session.lineReceived(SMTPServerLine("MAIL FROM:<>"))
        #expect(
            session.senderChecked(.refuse(SMTPReply(code: 421, lines: ["4.7.0 go away"])))
                == [.cancelTimer, Self.write("421 4.7.0 go away\r\n"), .close])
    }

    @Test func dotUnstuffingAndTheMessageBytes() {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n")
        let replies = conversation.send("..\r\n...two\r\n.x\r\nplain.\r\n \r\n.\r\n")
        #expect(replies == "250 2.0.0 Ok: queued\r\n")
        #expect(conversation.delivered.map(\.bytes) == [Array(".\r\n..two\r\nx\r\nplain.\r\n \r\n".utf8)])
    }

    @Test func sequenceErrors() {
        var conversation = ServerConversation()
        #expect(conversation.send("MAIL FROM:<a@c.test>\r\n") == "503 5.5.1 Send EHLO or HELO first\r\n")
        conversation.send("EHLO c\r\n")
        #expect(conversation.send("RCPT TO:<b@mx.test>\r\n") == "503 5.5.1 Send MAIL first\r\n")
        #expect(conversation.send("DATA\r\n") == "503 5.5.1 Send MAIL first\r\n")
        conversation.answer = { action in
            if case .checkRecipient = action { return .refuse(SMTPReply(code: 550, lines: ["5.1.1 no such user"])) }
            return .accept
        }
        #expect(
            conversation.send("MAIL FROM:<a@c.test>\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<x@mx.test>\r\nDATA\r\nRSET\r\nDATA\r\n")
                == "250 2.1.0 Ok\r\n503 5.5.1 Nested MAIL command\r\n550 5.1.1 no such user\r\n554 5.5.1 No valid recipients\r\n"
                + "250 2.0.0 Ok\r\n503 5.5.1 Send MAIL first\r\n")
        #expect(
            conversation.send("NOOP\r\nHELP\r\nVRFY ada\r\nEXPN list\r\nBDAT 10 LAST\r\nFOO\r\n")
                == "250 2.0.0 Ok\r\n214 2.0.0 See RFC 5321\r\n252 2.5.0 Cannot VRFY user; try RCPT to attempt delivery\r\n502 5.5.1 Command not implemented\r\n502 5.5.1 Command not implemented\r\n500 5.5.2 Command unrecognized\r\n"
        )
    }

    @Test func pathsAndParameters() {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\n")
        #expect(conversation.send("MAIL FROM:a@c.test\r\n") == "501 5.1.7 Bad sender address syntax: the address must be in angle brackets\r\n")
        #expect(conversation.send("MAIL FROM:<a b@c.test>\r\n") == "501 5.1.7 Bad sender address syntax: space outside quotes\r\n")
        #expect(conversation.send("MAIL FROM:<a@c.test> FOO=1\r\n") == "555 5.5.4 Unsupported parameter FOO\r\n")
        #expect(conversation.send("MAIL FROM:<a@c.test> SIZE=x\r\n") == "501 5.5.4 Invalid parameter: SIZE=x is not a number\r\n")
        #expect(conversation.send("MAIL FROM:<ä@c.test>\r\n") == "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n")
        #expect(conversation.send("MAIL FROM: <@relay.test:ä@c.test> SMTPUTF8 BODY=8bitmime AUTH=<>\r\n") == "250 2.1.0 Ok\r\n")
        #expect(
            conversation.actions.contains(.checkSender(SMTPServerEnvelope(reversePath: "ä@c.test", body: .eightBitMIME, smtpUTF8: true))))
        #expect(conversation.send("RCPT TO:<b@mx.test> NOTIFY=NEVER\r\n") == "555 5.5.4 Unsupported parameter NOTIFY\r\n")
        #expect(conversation.send("RCPT TO:<>\r\n") == "501 5.1.3 Bad recipient address syntax: empty address\r\n")
        #expect(conversation.send("RCPT TO:<Postmaster>\r\nRCPT TO:<\"two words\"@mx.test>\r\n") == "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n")
        #expect(conversation.send("RCPT TO:<x@mx.test>junk\r\n") == "501 5.1.3 Bad recipient address syntax: text right after '>'\r\n")
        // ESMTP parameters need EHLO
        var helo = ServerConversation()
        helo.send("HELO c\r\n")
        #expect(helo.send("MAIL FROM:<a@c.test> SIZE=10\r\nMAIL FROM:<a@c.test>\r\n") == "555 5.5.4 MAIL parameters need EHLO\r\n250 2.1.0 Ok\r\n")
    }

    // MARK: framing

    @Test(arguments: [
        ("NOOP\n", "500 5.5.2 Syntax error: bare LF (lines must end with CRLF)\r\n"),
        ("NO\rOP", "500 5.5.2 Syntax error: bare CR (lines must end with CRLF)\r\n"),
        ("NOOP\0", "500 5.5.2 Syntax error: NUL octet\r\n"),
        ("MAIL FROM:<a@c.test>\nRCPT TO:<b@mx.test>", "500 5.5.2 Syntax error: bare LF (lines must end with CRLF)\r\n"),
        ("NOOP \u{FF}", "250 2.0.0 Ok\r\n"),
    ])
    func commandFramingFaults(line: String, reply: String) {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\n")
        #expect(conversation.send(line + "\r\n") == reply)
        #expect(conversation.send(bytes: Array("NOOP ".utf8) + [0xFF, 0x0D, 0x0A]) == "500 5.5.2 Syntax error: invalid UTF-8\r\n")
    }

    @Test func commandLineLength() {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\n")
        let longest = "NOOP " + String(repeating: "x", count: 505)  // 510 octets + CRLF = 512
        #expect(conversation.send(longest + "\r\n") == "250 2.0.0 Ok\r\n")
        #expect(conversation.send(longest + "x\r\n") == "500 5.5.2 Line too long (at most 512 octets with CRLF)\r\n")
        #expect(
            conversation.send(String(repeating: "y", count: 5000) + "\r\nNOOP\r\n")
                == "500 5.5.2 Line too long (at most 512 octets with CRLF)\r\n250 2.0.0 Ok\r\n")
    }

    /// In DATA, a line with a bare LF or CR or a NUL refuses the message, and no such line ends DATA:
    /// what follows (a smuggled second transaction) stays inside the one refused message.
    @Test(arguments: ["\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\n..\n", "\r\n.\r\r\n", "\r\n.\0\r\n"])
    func smuggledEndOfDataIsNeverTheEnd(variant: String) {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n")
        let smuggling = "Subject: one\r\n\r\nfirst" + variant + "MAIL FROM:<evil@c.test>\r\nRCPT TO:<victim@mx.test>\r\nDATA\r\n\r\nsmuggled\r\n"
        #expect(conversation.send(smuggling) == "", "no reply: still inside the first message")
        let end = conversation.send(".\r\n")
        #expect(end.hasPrefix("550 5.6.0 Message refused: ") || end.hasPrefix("500 5.5.2"), "\(end)")
        #expect(conversation.delivered.isEmpty)
        #expect(!conversation.actions.contains(.checkSender(SMTPServerEnvelope(reversePath: "evil@c.test"))))
        #expect(conversation.send("NOOP\r\n") == "250 2.0.0 Ok\r\n", "back to commands after the real end")
    }

    /// The control: with a real `<CRLF>.<CRLF>` the pipelined second transaction is one, so the test
    /// above would see it.
    @Test func realEndOfDataThenASecondTransaction() {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n")
        #expect(
            conversation.send("first\r\n.\r\nMAIL FROM:<evil@c.test>\r\nRCPT TO:<victim@mx.test>\r\nDATA\r\n\r\nsecond\r\n.\r\n")
                == "250 2.0.0 Ok: queued\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued\r\n")
        #expect(conversation.delivered.count == 2)
    }

    @Test func dataFaultsRefuseTheMessageAtItsEnd() {
        for (body, reply) in [
            ("a\nb\r\n", "550 5.6.0 Message refused: bare LF in DATA (lines must end with CRLF; possible SMTP smuggling)\r\n"),
            ("a\rb\r\n", "550 5.6.0 Message refused: bare CR in DATA (lines must end with CRLF; possible SMTP smuggling)\r\n"),
            ("a\0b\r\n", "550 5.6.0 Message refused: NUL octet in DATA\r\n"),
            (String(repeating: "z", count: 999) + "\r\n", "500 5.5.2 Message refused: line longer than 998 octets\r\n"),
        ] {
            var conversation = ServerConversation()
            conversation.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n")
            #expect(conversation.send(body + "more\r\n") == "")
            #expect(conversation.send(".\r\n") == reply)
            #expect(conversation.delivered.isEmpty)
        }
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n")
        #expect(conversation.send(String(repeating: "z", count: 998) + "\r\n.\r\n") == "250 2.0.0 Ok: queued\r\n", "998 octets is fine")
    }

    // MARK: limits

    @Test func sizeLimitAtMailAndAtTheEnd() {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\n")
        #expect(conversation.send("MAIL FROM:<a@c.test> SIZE=10001\r\n") == "552 5.3.4 Message size exceeds fixed maximum message size\r\n")
        #expect(
            conversation.send("MAIL FROM:<a@c.test> SIZE=10000\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n").hasSuffix(
                "354 End data with <CR><LF>.<CR><LF>\r\n"))
        let line = String(repeating: "x", count: 98) + "\r\n"
        #expect(conversation.send(String(repeating: line, count: 101)) == "", "read on past the limit, silently")
        #expect(conversation.send(".\r\n") == "552 5.3.4 Message size exceeds fixed maximum message size\r\n")
        #expect(conversation.delivered.isEmpty)
        // exactly the limit is fine
        conversation.send("MAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n")
        #expect(conversation.send(String(repeating: line, count: 100) + ".\r\n") == "250 2.0.0 Ok: queued\r\n")
        #expect(conversation.delivered.first?.bytes.count == 10000)
    }

    /// Past the limit nothing more is kept in memory.
    @Test func sizeLimitStopsStoring() {
        var receiver = SMTPServerDataReceiver(maximumSize: 1000)
        let line = SMTPServerLine(String(repeating: "x", count: 98))
        var ends: [Bool] = []
        for _ in 0..<10 { ends.append(receiver.lineReceived(line)) }
        #expect(receiver.bytes.count == 1000)
        ends.append(receiver.lineReceived(line))
        #expect(receiver.bytes.isEmpty && receiver.size == 1100)
        for _ in 0..<1000 { ends.append(receiver.lineReceived(line)) }
        #expect(receiver.bytes.isEmpty && receiver.size == 101_100)
        #expect(!ends.contains(true))
        let end = receiver.lineReceived(SMTPServerLine("."))
        #expect(end)
        #expect(receiver.result == .failure(SMTPServerRefusal(reply: SMTPServerReplies.messageTooBig)))
    }

    @Test func recipientLimit() {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\n")
        #expect(
            conversation.send("RCPT TO:<1@mx.test>\r\nRCPT TO:<2@mx.test>\r\nRCPT TO:<3@mx.test>\r\nRCPT TO:<4@mx.test>\r\n")
                == "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n452 4.5.3 Too many recipients\r\n")
        #expect(
            conversation.actions.filter { if case .checkRecipient = $0 { true } else { false } }.count == 3, "the fourth never reaches the delegate")
        conversation.send("DATA\r\nhi\r\n.\r\n")
        #expect(conversation.delivered.first?.envelope.recipients == ["1@mx.test", "2@mx.test", "3@mx.test"])
    }

    @Test func commandLimit() {
        var config = Self.config()
        config.limits.maximumCommands = 3
        var conversation = ServerConversation(configuration: config)
        #expect(
            conversation.send("EHLO c\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n")
                == Self.ehloReply + "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n421 4.7.0 mx.test Too many commands, closing connection\r\n")
        #expect(conversation.closed && conversation.session.isClosed)
    }

    @Test func invalidCommandLimit() {
        var config = Self.config()
        config.limits.maximumInvalidCommands = 5
        var conversation = ServerConversation(configuration: config)
        let five = String(repeating: "FOO\r\n", count: 5)
        #expect(conversation.send(five) == String(repeating: "500 5.5.2 Command unrecognized\r\n", count: 5))
        #expect(!conversation.closed)
        #expect(conversation.send("RCPT TO:<a@b.test>\r\nNOOP\r\n") == "421 4.7.0 mx.test Too many errors, closing connection\r\n")
        #expect(conversation.closed)
    }

    // MARK: timers

    @Test func timeouts() {
        var session = Self.afterEHLO()
        #expect(session.timerFired(1) == [], "a stale timer is ignored")
        #expect(session.timerFired(2) == [.cancelTimer, Self.write("421 4.4.2 mx.test Timeout exceeded, closing connection\r\n"), .close])

        var data = Self.afterEHLO()
        _ = data.lineReceived(SMTPServerLine("MAIL FROM:<>"))
        _ = data.senderChecked(.accept)
        _ = data.lineReceived(SMTPServerLine("RCPT TO:<b@mx.test>"))
        _ = data.recipientChecked(.accept)
        #expect(data.lineReceived(SMTPServerLine("DATA")).last == .setTimer(id: 5, after: .seconds(180)))
        _ = data.lineReceived(SMTPServerLine("half a message"))
        #expect(data.timerFired(5) == [.cancelTimer, Self.write("421 4.4.2 mx.test Timeout exceeded, closing connection\r\n"), .close])
        #expect(data.lineReceived(SMTPServerLine(".")) == [], "nothing is delivered after the timeout")
    }

    @Test func connectionClosedMidDataStoresNothing() {
        var conversation = ServerConversation()
        conversation.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nSubject: cut\r\n\r\nhalf")
        #expect(conversation.session.connectionClosed() == [.cancelTimer])
        #expect(conversation.session.lineReceived(SMTPServerLine(".")) == [])
        #expect(conversation.delivered.isEmpty)
    }

    // MARK: STARTTLS and AUTH

    @Test func startTLSResetsTheSession() {
        var session = Self.afterEHLO(Self.config(tls: true))
        #expect(
            session.lineReceived(SMTPServerLine("STARTTLS")) == [
                Self.write("220 2.0.0 Ready to start TLS\r\n"), .startTLS, .setTimer(id: 3, after: .seconds(300)),
            ])
        #expect(!session.isAcceptingLines && !session.isAwaitingDelegate)
        #expect(session.tlsEstablished() == [.setTimer(id: 4, after: .seconds(300))])
        #expect(session.info.isTLSActive && session.info.heloName == nil)
        #expect(session.lineReceived(SMTPServerLine("MAIL FROM:<>")).first == Self.write("503 5.5.1 Send EHLO or HELO first\r\n"))
        #expect(
            session.lineReceived(SMTPServerLine("EHLO c")).first
                == Self.write(
                    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN\r\n"
                ))
        #expect(session.lineReceived(SMTPServerLine("STARTTLS")).first == Self.write("503 5.5.1 TLS already active\r\n"))
    }

    @Test func startTLSOfferedOnlyWhenConfigured() {
        var conversation = ServerConversation(configuration: Self.config(tls: true))
        #expect(
            conversation.send("EHLO c\r\n")
                == "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n")
        var plain = ServerConversation()
        plain.send("EHLO c\r\n")
        #expect(plain.send("STARTTLS\r\n") == "502 5.5.1 Command not implemented\r\n")
    }

    /// Commands pipelined after STARTTLS would be read as if they came over TLS (CVE-2011-0411).
    @Test func startTLSWithPipelinedCommandsIsRefused() {
        var session = Self.afterEHLO(Self.config(tls: true))
        #expect(
            session.lineReceived(SMTPServerLine(bytes: Array("STARTTLS".utf8), hasBufferedBytesAfter: true)) == [
                .cancelTimer, Self.write("554 5.7.0 Commands were pipelined after STARTTLS; closing connection\r\n"), .close,
            ])
        var conversation = ServerConversation(configuration: Self.config(tls: true))
        #expect(
            conversation.send("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@c.test>\r\n").hasSuffix(
                "554 5.7.0 Commands were pipelined after STARTTLS; closing connection\r\n"))
        #expect(!conversation.actions.contains(.startTLS) && conversation.closed)
    }

    @Test func authNeedsTLS() {
        var conversation = ServerConversation(configuration: Self.config(tls: true))
        #expect(!conversation.send("EHLO c\r\n").contains("AUTH"))
        #expect(conversation.send("AUTH PLAIN AGFkYQBzZWNyZXQ=\r\n") == "538 5.7.11 Encryption required for requested authentication mechanism\r\n")
        #expect(!conversation.actions.contains { if case .authenticate = $0 { true } else { false } })
        // the loopback exception needs both the flag and a loopback client
        var remote = ServerConversation(configuration: Self.config(loopbackAuth: true), connection: .init(remoteAddress: "192.0.2.7"))
        #expect(!remote.send("EHLO c\r\n").contains("AUTH"))
        var local = ServerConversation(configuration: Self.config(loopbackAuth: true), connection: .init(remoteAddress: "127.0.0.1"))
        #expect(local.send("EHLO c\r\n").hasSuffix("250 AUTH PLAIN LOGIN\r\n"))
        #expect(local.send("AUTH PLAIN AGFkYQBzZWNyZXQ=\r\n") == "235 2.7.0 Authentication successful\r\n")
    }

    @Test func authPlainAndLogin() {
        var session = Self.afterEHLO(Self.config(loopbackAuth: true), client: "127.0.0.1")
        #expect(
            session.lineReceived(SMTPServerLine("AUTH PLAIN AGFkYQBzZWNyZXQ=")) == [
                .cancelTimer, .authenticate(SMTPServerCredentials(mechanism: .plain, username: "ada", password: "secret")),
            ])
        #expect(session.authenticated("ada") == [Self.write("235 2.7.0 Authentication successful\r\n"), .setTimer(id: 3, after: .seconds(300))])
        #expect(session.info.authenticatedUser == "ada")
        #expect(session.lineReceived(SMTPServerLine("AUTH PLAIN AGFkYQBzZWNyZXQ=")).first == Self.write("503 5.5.1 Already authenticated\r\n"))

        var plain = Self.afterEHLO(Self.config(loopbackAuth: true), client: "127.0.0.1")
        #expect(plain.lineReceived(SMTPServerLine("AUTH PLAIN")) == [Self.write("334 \r\n"), .setTimer(id: 3, after: .seconds(300))])
        #expect(
            plain.lineReceived(SMTPServerLine("YWRtaW4AYWRhAHNlY3JldA==")) == [
                .cancelTimer,
                .authenticate(SMTPServerCredentials(mechanism: .plain, authorizationIdentity: "admin", username: "ada", password: "secret")),
            ])
        #expect(plain.authenticated(nil).first == Self.write("535 5.7.8 Authentication credentials invalid\r\n"))
        #expect(plain.invalidCommandCount == 1)

        var login = Self.afterEHLO(Self.config(loopbackAuth: true), client: "127.0.0.1")
        #expect(login.lineReceived(SMTPServerLine("auth login")).first == Self.write("334 VXNlcm5hbWU6\r\n"))
        #expect(login.lineReceived(SMTPServerLine("YWRh")).first == Self.write("334 UGFzc3dvcmQ6\r\n"))
        #expect(
            login.lineReceived(SMTPServerLine("c2VjcmV0")) == [
                .cancelTimer, .authenticate(SMTPServerCredentials(mechanism: .login, username: "ada", password: "secret")),
            ])
        #expect(login.authenticationUnavailable().first == Self.write("454 4.7.0 Temporary authentication failure\r\n"))

        var conversation = ServerConversation(configuration: Self.config(loopbackAuth: true), connection: .init(remoteAddress: "127.0.0.1"))
        conversation.send("EHLO c\r\n")
        #expect(conversation.send("AUTH LOGIN\r\n*\r\n") == "334 VXNlcm5hbWU6\r\n501 5.0.0 Authentication cancelled\r\n")
        #expect(conversation.send("AUTH PLAIN !!!!\r\n") == "501 5.5.2 Cannot decode response\r\n")
        #expect(conversation.send("AUTH PLAIN YWRh\r\n") == "501 5.5.2 Malformed PLAIN response\r\n")
        #expect(conversation.send("AUTH CRAM-MD5\r\n") == "504 5.5.4 Unrecognized authentication mechanism\r\n")
        #expect(
            conversation.send("MAIL FROM:<a@c.test>\r\nAUTH PLAIN AGFkYQBzZWNyZXQ=\r\n")
                == "250 2.1.0 Ok\r\n503 5.5.1 AUTH not allowed during a mail transaction\r\n")
        #expect(conversation.session.commandCount == 8)
    }

    // MARK: shutdown

    @Test func shutdownWaitsForTheTransaction() {
        var idle = Self.afterEHLO()
        #expect(idle.shutdownRequested() == [.cancelTimer, Self.write("421 4.3.2 mx.test Service shutting down, closing connection\r\n"), .close])

        var busy = ServerConversation()
        busy.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\n")
        #expect(busy.session.shutdownRequested() == [])
        #expect(
            busy.send("DATA\r\nhi\r\n.\r\n")
                == "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued\r\n421 4.3.2 mx.test Service shutting down, closing connection\r\n")
        #expect(busy.delivered.count == 1 && busy.closed)

        var late = ServerConversation()
        late.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nhalf\r\n")
        #expect(late.session.shutdownRequested() == [])
        #expect(late.session.shutdownNow() == [.cancelTimer, Self.write("421 4.3.2 mx.test Service shutting down, closing connection\r\n"), .close])
        #expect(late.send(".\r\n") == "" && late.delivered.isEmpty)

        var fresh = SMTPServerSession(configuration: Self.config(), connection: .init(remoteAddress: nil))
        _ = fresh.shutdownRequested()
        #expect(fresh.connected() == [.cancelTimer, Self.write("421 4.3.2 mx.test Service shutting down, closing connection\r\n"), .close])
    }
}
