import BulkheadMail
import BulkheadPolicy
import BulkheadSMTP
import BulkheadStore
import Foundation
import Logging
import Testing

@testable import BulkheadEngine

/// The auto-responder driven without a network: `AutoResponding` as the inbound router calls it, a
/// SQLite store on a manual clock, the relay deliverer sending to a recording transport.
@Suite struct AutoRespondingTests {
    typealias RecordingTransport = RelayGatewayTests.RecordingTransport

    struct Setup {
        let directory: URL
        let store: SQLiteStore
        let clock: ManualClock
        let responding: AutoResponding
        let responder: AutoResponding.Responder
        let deliverer: RelayDeliverer
        let transport: RecordingTransport
        let alerts: RecordingTransport
    }

    static func setUp(destination: AutoResponding.Destination = .forward("helpdesk@internal.example"), breakerReplies: Int = 50) async throws
        -> Setup
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("autoreply-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock))
        let transport = RecordingTransport()
        let alertTransport = RecordingTransport()
        let logger = Logger(label: "autoreply-test")
        let alerts = try AlertMailer(
            to: "ops@shop.example", from: try Mailbox(parsing: "Bulkhead <bulkhead@shop.example>"), transport: alertTransport, clock: clock,
            logger: logger)
        let destination: AutoResponding.Destination =
            if case .maildir(let name) = destination { .maildir(directory.appendingPathComponent(name).path) } else { destination }
        let responder = AutoResponding.Responder(
            address: try NormalizedAddress("support@shop.example"), mailbox: try Mailbox(parsing: "Support <support@shop.example>"),
            aliases: ["help@shop.example"], subject: "We received your message", text: "Thank you, we answer within a day.",
            destination: destination, limits: AutoReplyLimits(breakerReplies: breakerReplies, breakerWindow: .seconds(600)))
        let responding = AutoResponding(
            store: store, responders: [responder], signers: nil, doorbell: nil, alerts: alerts, clock: clock, logger: logger)
        try await responding.enable()
        let deliverer = RelayDeliverer(
            store: store, transport: transport, copies: RelayCopyWriter(defaultSigner: nil, namedSigners: [:]),
            settings: DeliverySettings(concurrency: 2, batchSize: 10), worker: "relay:test", clock: clock, logger: logger)
        return Setup(
            directory: directory, store: store, clock: clock, responding: responding, responder: responder, deliverer: deliverer,
            transport: transport, alerts: alertTransport)
    }

    static func message(_ headers: [String], body: String = "Where is my order?") -> [UInt8] {
        Array((headers + ["", body, ""]).joined(separator: "\r\n").utf8)
    }

    static func headers(_ bytes: [UInt8]) -> HeaderList? { (try? HeaderSectionParser.parse(bytes))?.0 }

    @discardableResult
    static func receive(_ setup: Setup, _ bytes: [UInt8], from sender: String) async throws -> AutoResponding.Outcome {
        try await setup.responding.receive(bytes, headers: headers(bytes), for: setup.responder, mailFrom: sender, clientAddress: "192.0.2.7")
    }

    static func receipt(_ outcome: AutoResponding.Outcome) -> AutoResponderReceipt? {
        switch outcome {
        case .filed(let receipt), .kept(let receipt, _): receipt
        case .refused: nil
        }
    }

    @Test func thePersonGetsOneReplyToTheEnvelopeSenderOnlyAndTheMailIsForwardedMarked() async throws {
        let setup = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let bytes = Self.message([
            "From: Ann <ann@example.org>", "Reply-To: team@example.org", "To: Help <help@shop.example>",
            "Cc: bo@example.org, cy@example.net", "Subject: Order 17", "Message-ID: <q1@example.org>",
        ])
        let outcome = try await Self.receive(setup, bytes, from: "ann+bounce@example.org")
        #expect(Self.receipt(outcome)?.outcome == .replied, "an alias in To counts as the responder")
        #expect(try await setup.deliverer.pass() == 2)
        let sent = setup.transport.all
        let reply = try #require(sent.first { $0.envelope.mailFrom.isEmpty })
        #expect(reply.envelope.recipient == "ann+bounce@example.org", "to the envelope sender, never From, Reply-To or Cc")
        #expect(reply.text.contains("To: ann+bounce@example.org\r\n") && !reply.text.contains("bo@example.org") && !reply.text.contains("cy@"))
        #expect(reply.text.contains("Auto-Submitted: auto-replied\r\n") && reply.text.contains("In-Reply-To: <q1@example.org>\r\n"))
        #expect(reply.text.contains("Subject: We received your message\r\n"))
        let forward = try #require(sent.first { $0.envelope.recipient == "helpdesk@internal.example" })
        #expect(forward.envelope.mailFrom == "ann+bounce@example.org", "bounces of the forward go to the original sender, not to the responder")
        #expect(forward.text.hasPrefix("X-Bulkhead-Loop: support@shop.example\r\n"))
        #expect(forward.text.hasSuffix(String(decoding: bytes, as: UTF8.self)), "the message itself unchanged after the mark")
    }

    @Test func mailThatCameBackIsKeptNotForwardedAgainAndNotAnswered() async throws {
        let setup = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let bytes = Self.message([
            "X-Bulkhead-Loop: Support@Shop.Example", "From: helpdesk@internal.example", "To: support@shop.example", "Subject: Fwd",
        ])
        let outcome = try await Self.receive(setup, bytes, from: "helpdesk@internal.example")
        guard case .kept(let receipt, let reason) = outcome else {
            Issue.record("a forward that came back must be kept for a person: \(outcome)")
            return
        }
        #expect(receipt.outcome == .skipped(.sentByUs) && receipt.forward == nil && reason.contains("came back"))
        #expect(try await setup.deliverer.pass() == 0)
    }

    @Test func hostileOrAutomaticMailGetsNoReplyButIsStillForwarded() async throws {
        let setup = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let cases: [([UInt8], String, AutoReplyOutcome)] = [
            (Array("no header at all".utf8), "bo@example.org", .skipped(.notExplicitRecipient)),
            (
                Self.message(["From: cy@example.org", "To: support@shop.example", "Auto-Submitted: auto-replied"]), "cy@example.org",
                .skipped(.autoSubmitted)
            ),
            (Self.message(["From: dee@example.org", "To: support@shop.example"]), "", .skipped(.nullSender)),
            (Self.message(["From: eve@example.org", "To: other@shop.example", "Bcc: support@shop.example"]), "eve@example.org", .replied),
            (Self.message(["From: fay@example.org", "To: other@shop.example"]), "fay@example.org", .skipped(.notExplicitRecipient)),
            (Self.message(["From: gus@example.org", "To: support@shop.example"]), "MAILER-DAEMON@example.org", .skipped(.roleSender)),
        ]
        for (bytes, sender, expected) in cases {
            let outcome = try await Self.receive(setup, bytes, from: sender)
            #expect(Self.receipt(outcome)?.outcome == expected, "\(String(decoding: bytes.prefix(60), as: UTF8.self))")
            #expect(Self.receipt(outcome)?.forward != nil, "the mail itself is never swallowed")
        }
        // A message whose MIME cannot be read reaches the responder without headers: no reply, still forwarded.
        let unreadable = try await setup.responding.receive(
            Array("From: ann@example.org\r\nTo: support@shop.example\r\n\r\nhi\r\n".utf8), headers: nil, for: setup.responder,
            mailFrom: "ann@example.org", clientAddress: nil)
        #expect(Self.receipt(unreadable)?.outcome == .skipped(.unreadable) && Self.receipt(unreadable)?.forward != nil)
        #expect(try await setup.deliverer.pass() == cases.count + 2)
        #expect(setup.transport.all.filter { $0.envelope.mailFrom.isEmpty && $0.text.contains("Auto-Submitted: auto-replied") }.count == 1)
    }

    @Test func backlogWrittenBeforeTheResponderWasEnabledIsNotAnswered() async throws {
        let setup = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        setup.clock.advance(by: .seconds(86_400))
        let old = MessageDate(setup.clock.date.addingTimeInterval(-3 * 86_400)).formatted
        let outcome = try await Self.receive(
            setup, Self.message(["From: ann@example.org", "To: support@shop.example", "Date: \(old)"]), from: "ann@example.org")
        #expect(Self.receipt(outcome)?.outcome == .backlog)
        let fresh = MessageDate(setup.clock.date).formatted
        let now = try await Self.receive(
            setup, Self.message(["From: bo@example.org", "To: support@shop.example", "Date: \(fresh)"]), from: "bo@example.org")
        #expect(Self.receipt(now)?.outcome == .replied)
    }

    @Test func theBreakerPausesEveryResponderAndAlertsOnce() async throws {
        let setup = try await Self.setUp(breakerReplies: 3)
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        var outcomes: [AutoReplyOutcome] = []
        for index in 0..<6 {
            let outcome = try await Self.receive(
                setup, Self.message(["From: p\(index)@example.org", "To: support@shop.example"]), from: "p\(index)@example.org")
            outcomes.append(try #require(Self.receipt(outcome)?.outcome))
        }
        #expect(outcomes == [.replied, .replied, .replied, .breakerTripped, .paused, .paused])
        let deadline = ContinuousClock.now + .seconds(10)
        while setup.alerts.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(setup.alerts.all.count == 1 && setup.alerts.all[0].envelope.recipient == "ops@shop.example")
        #expect(setup.alerts.all.first?.text.contains("bulkhead autoreply resume") == true)
    }

    @Test func aMaildirResponderKeepsTheMailDurably() async throws {
        let setup = try await Self.setUp(destination: .maildir("support-mail"))
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let bytes = Self.message(["From: ann@example.org", "To: support@shop.example", "Subject: Hi"])
        let outcome = try await Self.receive(setup, bytes, from: "ann@example.org")
        #expect(Self.receipt(outcome)?.outcome == .replied && Self.receipt(outcome)?.forward == nil)
        let kept = try FileManager.default.contentsOfDirectory(atPath: setup.directory.appendingPathComponent("support-mail/new").path)
        #expect(kept.count == 1)
        let file = setup.directory.appendingPathComponent("support-mail/new").appendingPathComponent(kept[0])
        #expect(try Data(contentsOf: file).count >= bytes.count)
    }

    @Test(arguments: [
        ("Tue, 1 Dec 2026 18:00:00 +0100 (CET)", 1_796_144_400.0),
        ("1 Dec 2026 17:00:00 +0000", 1_796_144_400.0),
        ("Tue,  1 Dec 2026 17:00 -0000", 1_796_144_400.0),
        ("Tue, 1 Dec 26 17:00:00 +0000", 1_796_144_400.0),
    ])
    func datesAreRead(text: String, seconds: Double) {
        #expect(MessageWrittenAt.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["", "tomorrow", "Tue, 32 Dec 2026 17:00:00 +0000", "\0", String(repeating: "(", count: 10_000)])
    func unreadableDatesAreNil(text: String) {
        #expect(MessageWrittenAt.parse(text) == nil)
    }
}
