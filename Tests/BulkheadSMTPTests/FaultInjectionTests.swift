import BulkheadSMTP
import Foundation
import NIOSSL
import Testing

/// Every failure mode of a peer ends in the documented outcome (see docs/smtp.md).
@Suite("Fault-injecting SMTP peer", .serialized)
struct FaultInjectionTests {
    static let envelope = try! Envelope(mailFrom: "bounce@sender.test", recipient: "ada@rcpt.test")
    static let message = TestMessages.message(1, to: "ada@rcpt.test")

    private func deliver(
        _ script: FaultServer.Script, messages: Int = 1,
        configure: (inout SMTPUpstream) -> Void = { _ in }, recipients: ((Int) -> String)? = nil
    ) async throws -> ([DeliveryOutcome], FaultServer.Log) {
        let server = try await FaultServer.start(script)
        var upstream = TestMessages.upstream(port: server.port)
        upstream.maxConnections = 1
        // 10 s: a fresh-clone CI run under the whole suite's load once took more than 2 s to see the
        // fault server's greeting. The stall tests wait this long for their timeout.
        upstream.session.timeouts = SMTPTimeouts(all: .seconds(10))
        configure(&upstream)
        let pool = try SMTPConnectionPool(upstream: upstream)
        var outcomes: [DeliveryOutcome] = []
        for index in 0..<messages {
            let recipient = recipients?(index) ?? "ada@rcpt.test"
            let envelope = try Envelope(mailFrom: "bounce@sender.test", recipient: recipient)
            outcomes.append(await pool.deliver(envelope, TestMessages.message(index, to: recipient)))
        }
        await pool.shutdown()
        let log = server.snapshot
        await server.stop()
        return (outcomes, log)
    }

    private func single(
        _ react: @escaping @Sendable (FaultServer.Step, String) -> FaultServer.Reaction,
        configure: (inout SMTPUpstream) -> Void = { _ in }
    ) async throws -> (DeliveryOutcome, FaultServer.Log) {
        var script = FaultServer.Script()
        script.react = react
        let (outcomes, log) = try await deliver(script, configure: configure)
        return (try #require(outcomes.first), log)
    }

    @Test func delivered() async throws {
        let (outcome, log) = try await single { _, _ in .normal }
        guard case .sent(.reply(.endOfData, let reply)) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(reply.code == 250)
        #expect(
            log.received == [
                FaultServer.Received(
                    mailFrom: "bounce@sender.test", recipients: ["ada@rcpt.test"], data: TestMessages.message(0, to: "ada@rcpt.test"), overTLS: false)
            ])
    }

    struct ReplyCase: Sendable, CustomTestStringConvertible {
        var step: FaultServer.Step
        var reply: String
        var expected: String
        var testDescription: String { "\(step): \(reply) → \(expected)" }
    }

    static let replyCases: [ReplyCase] = [
        ReplyCase(step: .mail, reply: "421 4.3.2 shutting down", expected: "deferred"),
        ReplyCase(step: .mail, reply: "451 4.3.0 local error", expected: "deferred"),
        ReplyCase(step: .rcpt, reply: "452 4.2.2 mailbox full", expected: "deferred"),
        ReplyCase(step: .rcpt, reply: "451 4.7.1 greylisted", expected: "deferred"),
        ReplyCase(step: .rcpt, reply: "550 5.1.1 no such user", expected: "hard"),
        ReplyCase(step: .rcpt, reply: "554 5.7.1 relay denied", expected: "failed"),
        ReplyCase(step: .mail, reply: "550 5.7.1 sender blocked", expected: "failed"),
        ReplyCase(step: .data, reply: "451 4.3.0 try later", expected: "deferred"),
        ReplyCase(step: .endOfData, reply: "554 5.6.0 content rejected", expected: "failed"),
        ReplyCase(step: .endOfData, reply: "451 4.3.0 queue full", expected: "deferred"),
        ReplyCase(step: .endOfData, reply: "421 4.3.2 closing", expected: "deferred"),
    ]

    @Test(arguments: replyCases)
    func replyAtStep(_ testCase: ReplyCase) async throws {
        let step = testCase.step
        let reply = testCase.reply
        let (outcome, log) = try await single { current, _ in current == step ? .reply(reply) : .normal }
        let code = Int(reply.prefix(3))
        switch (testCase.expected, outcome) {
        case ("deferred", .deferred(let detail)), ("failed", .failed(let detail, hardBounce: false)),
            ("hard", .failed(let detail, hardBounce: true)):
            #expect(detail.reply?.code == code, "\(outcome)")
        default:
            Issue.record("\(step) \(reply): expected \(testCase.expected), got \(outcome)")
        }
        #expect(log.received.isEmpty)
    }

    @Test func greetingRefusedDefers() async throws {
        let (outcome, log) = try await single { step, _ in step == .greeting ? .reply("554 5.7.1 no service") : .normal }
        #expect(outcome == .postponed(.note("server refused the session at greeting: 554 5.7.1 no service"), retryAfter: .zero))
        #expect(log.received.isEmpty)
    }

    @Test func dropBeforeDataDefers() async throws {
        let (outcome, _) = try await single { step, _ in step == .rcpt ? .drop : .normal }
        guard case .deferred(.note(let text)) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(text.hasPrefix("connection closed before the message body was sent"))
    }

    @Test func dropMidDataIsUncertain() async throws {
        let (outcome, log) = try await single { step, _ in step == .body ? .drop : .normal }
        guard case .uncertain(.note(let text)) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(text.hasPrefix("connection closed after the message body started"))
        #expect(log.received.isEmpty)
    }

    @Test func stallAfterFinalDotIsUncertain() async throws {
        let (outcome, _) = try await single { step, _ in step == .endOfData ? .stall : .normal }
        #expect(outcome == .uncertain(.note("timeout waiting for the reply to end of data after the message body started")))
    }

    @Test func stallAtRecipientDefers() async throws {
        let (outcome, _) = try await single { step, _ in
            step == .rcpt ? .stall : .normal
        } configure: {
            $0.session.timeouts.rcpt = .milliseconds(500)
        }
        #expect(outcome == .deferred(.note("timeout waiting for the reply to RCPT; the message was not sent")))
    }

    @Test func stallAtGreetingDefers() async throws {
        let (outcome, _) = try await single { step, _ in step == .greeting ? .stall : .normal }
        #expect(outcome == .postponed(.note("timeout waiting for the reply to greeting"), retryAfter: .zero))
    }

    @Test func tlsRequiredButNotOfferedDefersEveryMessage() async throws {
        let (outcomes, log) = try await deliver(FaultServer.Script(), messages: 3) { $0.session.tlsPolicy = .required }
        #expect(
            outcomes == Array(repeating: .postponed(.note("TLS is required but the server does not offer STARTTLS"), retryAfter: .zero), count: 3))
        #expect(log.received.isEmpty)
        #expect(!log.commands.contains { $0.hasPrefix("MAIL") })
    }

    @Test func tlsRequiredButRefusedDefers() async throws {
        var script = FaultServer.Script()
        script.offerSTARTTLS = true
        script.react = { step, _ in step == .startTLS ? .reply("454 4.7.0 TLS not available") : .normal }
        let (outcomes, log) = try await deliver(script) { $0.session.tlsPolicy = .required }
        #expect(outcomes == [.postponed(.note("TLS is required but the server refused STARTTLS: 454 4.7.0 TLS not available"), retryAfter: .zero)])
        #expect(log.received.isEmpty)
    }

    @Test func opportunisticTLSRefusedSendsInPlaintext() async throws {
        var script = FaultServer.Script()
        script.offerSTARTTLS = true
        script.react = { step, _ in step == .startTLS ? .reply("454 4.7.0 TLS not available") : .normal }
        let (outcomes, log) = try await deliver(script) { $0.session.tlsPolicy = .opportunistic }
        guard case .sent = outcomes.first else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(log.received.count == 1 && log.received.first?.overTLS == false)
    }

    @Test func plaintextInjectedAfterSTARTTLSIsRefused() async throws {
        var script = FaultServer.Script()
        script.offerSTARTTLS = true
        script.react = { step, _ in step == .startTLS ? .raw("220 2.0.0 go ahead\r\n250 injected\r\n") : .normal }
        let (outcomes, log) = try await deliver(script) { $0.session.tlsPolicy = .required }
        #expect(
            outcomes == [
                .postponed(
                    .note("SMTP protocol violation: the server sent more data after its 220 reply to STARTTLS (possible injection)"),
                    retryAfter: .zero)
            ])
        #expect(log.received.isEmpty)
    }

    static func tlsServerContext() throws -> NIOSSLContext {
        let fixtures = try Peers.fixtures
        let certificates = try NIOSSLCertificate.fromPEMFile(fixtures.appendingPathComponent("test-server.cert.pem").path)
        let key = try NIOSSLPrivateKey(file: fixtures.appendingPathComponent("test-server.key.pem").path, format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        return try NIOSSLContext(configuration: configuration)
    }

    @Test func startTLSWithVerifiedCertificate() async throws {
        var script = FaultServer.Script()
        script.offerSTARTTLS = true
        script.tls = try Self.tlsServerContext()
        let certificates = try NIOSSLCertificate.fromPEMFile(try Peers.fixtures.appendingPathComponent("test-server.cert.pem").path)
        let (outcomes, log) = try await deliver(script) { upstream in
            upstream.session.tlsPolicy = .required
            upstream.tls.trustRoots = .certificates(certificates)
            upstream.tls.serverHostname = "localhost"
        }
        guard case .sent = outcomes.first else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(log.received.count == 1 && log.received.first?.overTLS == true)
        #expect(log.received.first?.data == TestMessages.message(0, to: "ada@rcpt.test"))
        // EHLO again after TLS, as RFC 3207 requires
        #expect(log.commands.filter { $0.hasPrefix("EHLO") }.count == 2)
    }

    @Test func startTLSWithUntrustedCertificateDefers() async throws {
        var script = FaultServer.Script()
        script.offerSTARTTLS = true
        script.tls = try Self.tlsServerContext()
        let (outcomes, log) = try await deliver(script) { upstream in
            upstream.session.tlsPolicy = .required
            upstream.tls.serverHostname = "localhost"
        }
        guard case .postponed(.note(let text), _)? = outcomes.first else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(text.hasPrefix("TLS failed"), "\(text)")
        #expect(log.received.isEmpty)
    }

    @Test func insecureSkipVerificationForTests() async throws {
        var script = FaultServer.Script()
        script.offerSTARTTLS = true
        script.tls = try Self.tlsServerContext()
        let (outcomes, log) = try await deliver(script) { upstream in
            upstream.session.tlsPolicy = .required
            upstream.tls.insecureSkipCertificateVerification = true
        }
        guard case .sent = outcomes.first else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(log.received.first?.overTLS == true)
    }

    static func authScript(_ mechanisms: [String]) throws -> FaultServer.Script {
        var script = FaultServer.Script()
        script.offerSTARTTLS = true
        script.tls = try tlsServerContext()
        script.authMechanisms = mechanisms
        return script
    }

    @Test(arguments: [["PLAIN", "LOGIN"], ["LOGIN"]])
    func authOverTLS(mechanisms: [String]) async throws {
        let (outcomes, log) = try await deliver(try Self.authScript(mechanisms)) { upstream in
            upstream.session.tlsPolicy = .required
            upstream.session.credentials = SMTPCredentials(username: "user", password: "secret")
            upstream.tls.insecureSkipCertificateVerification = true
        }
        guard case .sent = outcomes.first else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(log.authenticated == ["user"])
        #expect(log.commands.contains(mechanisms.contains("PLAIN") ? "AUTH PLAIN AHVzZXIAc2VjcmV0" : "AUTH LOGIN"))
        #expect(log.received.first?.overTLS == true)
    }

    @Test func authRefusedDefers() async throws {
        let (outcomes, log) = try await deliver(try Self.authScript(["PLAIN"])) { upstream in
            upstream.session.tlsPolicy = .required
            upstream.session.credentials = SMTPCredentials(username: "user", password: "wrong")
            upstream.tls.insecureSkipCertificateVerification = true
        }
        #expect(
            outcomes == [.postponed(.note("server refused the session at AUTH: 535 5.7.8 Authentication credentials invalid"), retryAfter: .zero)])
        #expect(log.received.isEmpty && log.authenticated.isEmpty)
    }

    @Test func credentialsNeverSentInPlaintext() async throws {
        var script = FaultServer.Script()
        script.authMechanisms = ["PLAIN", "LOGIN"]
        let (outcomes, log) = try await deliver(script) { upstream in
            upstream.session.tlsPolicy = .opportunistic
            upstream.session.credentials = SMTPCredentials(username: "user", password: "secret")
        }
        #expect(outcomes == [.postponed(.note("refusing to send credentials without TLS (insecureAllowAuthWithoutTLS is off)"), retryAfter: .zero)])
        #expect(!log.commands.contains { $0.uppercased().hasPrefix("AUTH") })
    }

    @Test func manyMessagesOneConnectionRSETAfterFailure() async throws {
        var script = FaultServer.Script()
        script.react = { step, argument in
            step == .rcpt && argument.hasPrefix("bad") ? .reply("550 5.1.1 no such user") : .normal
        }
        let recipients = ["good0@rcpt.test", "bad1@rcpt.test", "good2@rcpt.test", "bad3@rcpt.test", "good4@rcpt.test"]
        let (outcomes, log) = try await deliver(script, messages: 5, recipients: { recipients[$0] })
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .sent: #expect(index % 2 == 0)
            case .failed(_, hardBounce: true): #expect(index % 2 == 1)
            default: Issue.record("message \(index): \(outcome)")
            }
        }
        #expect(log.connections == 1)
        #expect(log.commands.filter { $0 == "RSET" }.count == 2)
        #expect(log.received.map(\.recipients) == [["good0@rcpt.test"], ["good2@rcpt.test"], ["good4@rcpt.test"]])
        #expect(log.received.map(\.data) == [0, 2, 4].map { TestMessages.message($0, to: recipients[$0]) })
    }

    /// Sends `count` messages at once over one connection to a server that answers each final dot
    /// 300 ms late with `reply`; the outcomes by sequence number and the server's log.
    private func sendAtOnce(_ count: Int, dotReplyAfter300ms reply: String) async throws -> ([Int: DeliveryOutcome], FaultServer.Log) {
        var script = FaultServer.Script()
        script.react = { step, _ in step == .endOfData ? .later(.milliseconds(300), reply) : .normal }
        let server = try await FaultServer.start(script)
        var upstream = TestMessages.upstream(port: server.port)
        upstream.maxConnections = 1
        let pool = try SMTPConnectionPool(upstream: upstream)
        let outcomes = try await TestMessages.sendAll(count, through: pool)
        await pool.shutdown()
        let log = server.snapshot
        await server.stop()
        return (outcomes, log)
    }

    /// One connection, four messages at once, a server slow to answer each final dot: the next
    /// message's MAIL, RCPT and DATA are already there when the reply goes out (pipelined behind the
    /// body), and every message arrives once, byte for byte.
    @Test func theNextMessageIsPipelinedBehindABodyWhoseReplyIsSlow() async throws {
        let (outcomes, log) = try await sendAtOnce(4, dotReplyAfter300ms: "250 2.0.0 Ok: queued")
        #expect(outcomes.count == 4 && outcomes.values.allSatisfy { if case .sent = $0 { true } else { false } }, "\(outcomes)")
        #expect(log.connections == 1)
        #expect(Set(log.received.map(\.recipients)) == Set((0..<4).map { ["r\($0)@rcpt.test"] }))
        #expect(
            log.received.allSatisfy { $0.data == TestMessages.message(Int($0.recipients[0].dropFirst().prefix { $0 != "@" })!, to: $0.recipients[0]) }
        )
        #expect(log.waitingAtLaterReply.count == 4)
        // Three messages had one behind them; a loaded machine may be late for one of them, a client
        // that waits for each reply is never early.
        let pipelined = log.waitingAtLaterReply.prefix(3).filter { $0.hasPrefix("MAIL FROM:<bounce+") && $0.hasSuffix("\r\nDATA\r\n") }
        #expect(pipelined.count >= 2, "\(log.waitingAtLaterReply)")
        #expect(log.waitingAtLaterReply.last == "", "nothing follows the last one")
    }

    /// A 421 to a final dot with the next message pipelined behind it: the first is deferred by the
    /// reply, the second postponed (its body never went out, and the failure was not its own: no
    /// attempt charged), nothing uncertain, nothing arrived.
    @Test func aClosingReplyToTheDotPostponesTheMessageBehindIt() async throws {
        let (outcomes, log) = try await sendAtOnce(2, dotReplyAfter300ms: "421 4.3.2 closing")
        #expect(log.received.isEmpty)
        let closing = SMTPReply(code: 421, lines: ["4.3.2 closing"])
        #expect(outcomes.values.filter { $0 == .deferred(.reply(.endOfData, closing)) }.count == 1, "\(outcomes)")
        if log.waitingAtLaterReply.first?.hasPrefix("MAIL FROM:") == true {
            #expect(
                outcomes.values.contains(
                    .postponed(.note("connection closed before the message body was sent (abandoned: server closing (421))"), retryAfter: .zero)),
                "the one behind: postponed, not charged: \(outcomes)")
        } else {
            Issue.record("the second message was not pipelined behind the first: \(log.waitingAtLaterReply)")
        }
    }

    @Test func connectionsRecycledAfterMaxMessages() async throws {
        let (outcomes, log) = try await deliver(FaultServer.Script(), messages: 6) { $0.maxMessagesPerConnection = 2 }
        #expect(outcomes.allSatisfy { if case .sent = $0 { true } else { false } })
        #expect(log.connections == 3)
        #expect(log.received.count == 6)
        #expect(log.commands.filter { $0 == "QUIT" }.count == 3)
    }

    @Test func shutdownStopsNewSendsAtOnce() async throws {
        let server = try await FaultServer.start(FaultServer.Script())
        var upstream = TestMessages.upstream(port: server.port)
        upstream.rateLimits = [RateLimit(count: 1, per: .seconds(3600))]
        let pool = try SMTPConnectionPool(upstream: upstream)
        let first = await pool.deliver(Self.envelope, Self.message)
        // the second send waits for the hourly limit; shutting down must end that wait promptly
        let second = Task { await pool.deliver(Self.envelope, Self.message) }
        await pool.shutdown()
        let third = await pool.deliver(Self.envelope, Self.message)
        let waited = await second.value
        let log = server.snapshot
        await server.stop()
        guard case .sent = first else {
            Issue.record("\(first)")
            return
        }
        let stopped = DeliveryOutcome.postponed(.note("the SMTP pool is shut down; nothing was sent"), retryAfter: .zero)
        #expect(waited == stopped)
        #expect(third == stopped)
        #expect(log.received.count == 1)
    }

    /// Issue 7, item 8: after `failures` refused sessions in a row the breaker opens: no connection is
    /// tried and no message charged until the open period ends.
    @Test func repeatedSessionFailuresOpenTheBreaker() async throws {
        let (outcomes, log) = try await deliver(
            FaultServer.Script(react: { step, _ in step == .greeting ? .reply("421 4.3.2 busy") : .normal }),
            messages: 4
        ) { upstream in
            upstream.breaker = CircuitBreakerPolicy(failures: 2, openFor: .seconds(30))
        }
        #expect(outcomes[0] == .postponed(.note("server refused the session at greeting: 421 4.3.2 busy"), retryAfter: .zero))
        for outcome in outcomes.dropFirst() {
            guard case .postponed(_, let retryAfter) = outcome else {
                Issue.record("\(outcome)")
                continue
            }
            #expect(retryAfter > .seconds(25) && retryAfter <= .seconds(30), "open for 30 s: \(outcome)")
        }
        #expect(log.connections == 2, "no connection is tried while the breaker is open")
    }

    @Test func unreachableUpstreamDefers() async throws {
        let port = try await Peers.freePort()
        let pool = try SMTPConnectionPool(upstream: TestMessages.upstream(port: port))
        let outcome = await pool.deliver(Self.envelope, Self.message)
        guard case .postponed(.note(let text), _) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(text.hasPrefix("could not connect"))
        #expect(pool.openConnections == 0)
    }
}
