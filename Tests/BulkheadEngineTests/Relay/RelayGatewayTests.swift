import BulkheadMail
import BulkheadPolicy
import BulkheadSMTP
import BulkheadStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import BulkheadEngine

/// The guard relay's policy and delivery, driven without a network: the gateway as the SMTP server
/// would call it, a SQLite store on a manual clock, and a transport that records what went out.
@Suite struct RelayGatewayTests {
    /// Records every message handed to it.
    final class RecordingTransport: MessageTransport {
        struct Sent: Sendable {
            var envelope: Envelope
            var text: String
        }
        private let sent = Mutex<[Sent]>([])
        var all: [Sent] { sent.withLock { $0 } }
        func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
            sent.withLock { $0.append(Sent(envelope: envelope, text: String(decoding: message, as: UTF8.self))) }
            return .sent(.reply(.endOfData, SMTPReply(code: 250, lines: ["2.0.0 ok"])))
        }
    }

    struct Setup {
        let directory: URL
        let store: SQLiteStore
        let clock: ManualClock
        let gateway: RelayGateway
        let deliverer: RelayDeliverer
        let transport: RecordingTransport
        /// What the notices and alerts sent (a separate transport, so relayed mail and notices are told apart).
        let notices: RecordingTransport
    }

    static func setUp(
        signer: DKIMSigner? = nil, clock: ManualClock = ManualClock(), _ change: (inout BulkheadConfiguration.Relay) -> Void = { _ in }
    ) throws -> Setup {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock))
        var settings = BulkheadConfiguration.Relay()
        change(&settings)
        let transport = RecordingTransport()
        let noticeTransport = RecordingTransport()
        let logger = Logger(label: "relay-test")
        let from = try Mailbox(parsing: "Relay <relay@shop.example>")
        let alerts = try AlertMailer(to: "ops@shop.example", from: from, transport: noticeTransport, clock: clock, logger: logger)
        let notices = RelayNotices(store: store, from: from, transport: noticeTransport, alerts: alerts, clock: clock, logger: logger)
        let gateway = RelayGateway(
            store: store, settings: settings, thresholds: settings.thresholds(campaign: GuardrailThresholds()),
            localDomains: try LocalDomains(["shop.example"]), notices: notices, doorbell: RelayDoorbell(), hostname: "relay.shop.example",
            clock: clock, logger: logger)
        let deliverer = RelayDeliverer(
            store: store, transport: transport, copies: RelayCopyWriter(defaultSigner: signer, namedSigners: [:]),
            settings: DeliverySettings(concurrency: 4, batchSize: 10), worker: "relay:test", clock: clock, logger: logger)
        return Setup(
            directory: directory, store: store, clock: clock, gateway: gateway, deliverer: deliverer, transport: transport,
            notices: noticeTransport)
    }

    static let trusted = SMTPServerSessionInfo(connection: SMTPServerConnectionInfo(remoteAddress: "127.0.0.1"), heloName: "client", isESMTP: true)
    static let stranger = SMTPServerSessionInfo(connection: SMTPServerConnectionInfo(remoteAddress: "203.0.113.9"), heloName: "x", isESMTP: true)

    static func message(from: String = "ann@shop.example", to visible: [String], cc: [String] = [], bcc: [String] = [], subject: String = "Our news")
        -> [UInt8]
    {
        var lines = ["From: Ann <\(from)>", "Subject: \(subject)", "Message-ID: <root-1@shop.example>"]
        if !visible.isEmpty { lines.append("To: " + visible.joined(separator: ",\r\n ")) }
        if !cc.isEmpty { lines.append("Cc: " + cc.joined(separator: ", ")) }
        if !bcc.isEmpty { lines.append("Bcc: " + bcc.joined(separator: ", ")) }
        lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", "Hello everyone,", "the shop opens on Monday.", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// Submits as the SMTP server would: every RCPT checked, then the message; the verdicts.
    @discardableResult
    static func submit(
        _ setup: Setup, from: String = "ann@shop.example", recipients: [String], bytes: [UInt8], session: SMTPServerSessionInfo = trusted
    ) async throws -> [SMTPServerVerdict] {
        var envelope = SMTPServerEnvelope(reversePath: from)
        var verdicts: [SMTPServerVerdict] = []
        for recipient in recipients {
            let verdict = try await setup.gateway.checkRecipient(recipient, envelope: envelope, session: session)
            verdicts.append(verdict)
            if verdict == .accept { envelope.recipients.append(recipient) }
        }
        guard !envelope.recipients.isEmpty else { return verdicts }
        verdicts.append(try await setup.gateway.accept(message: SMTPReceivedMessage(envelope: envelope, bytes: bytes), session: session))
        return verdicts
    }

    static func customers(_ count: Int) -> [String] { (1...count).map { "customer\($0)@example.org" } }

    @Test func aNewsletterWith60CustomersInToIsHeldAndReleasedAsIndividualCopies() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let people = Self.customers(60)
        try await Self.submit(setup, recipients: people, bytes: Self.message(to: people))
        #expect(try await setup.deliverer.pass() == 0, "held: nothing goes out")
        let held = try #require(try await setup.store.relayMessages(states: [.held], before: nil, limit: 10).first)
        #expect(held.holdReason == .findings)
        #expect(held.findings.contains { $0.code.hasPrefix("relay.exposure") })

        _ = try await setup.store.decideRelayMessage(held.id, .release(.split), actor: .human("approver"))
        #expect(try await setup.deliverer.pass() == 60)
        let sent = setup.transport.all
        #expect(sent.count == 60)
        #expect(Set(sent.map(\.envelope.recipient)) == Set(people))
        for copy in sent {
            let headers = copy.text.components(separatedBy: "\r\n\r\n")[0]
            #expect(headers.contains("To: \(copy.envelope.recipient)") || headers.contains("<\(copy.envelope.recipient)>"))
            let others = people.filter { $0 != copy.envelope.recipient && copy.text.contains($0) }
            #expect(others.isEmpty, "a copy names only its own recipient: \(others)")
            #expect(copy.text.contains("the shop opens on Monday."))
            #expect(headers.contains("Message-ID: <root-1@shop.example>"))
        }
        let done = try #require(try await setup.store.relayMessage(held.id))
        #expect(done.state == .done)
        #expect(done.recipients.allSatisfy { $0.state == .sent })
    }

    /// The released copies go out re-signed by the deliverer with the configured key aligned with From
    /// (rewriting To broke the sender's signature); dkimpy verifies every one against that key.
    @Test func releasedCopiesAreSignedByTheAlignedKeyOnTheirWayOut() async throws {
        let key = try RelayCopyWriterTests.signer("shop.example")
        // Today's time: dkimpy refuses a signature whose t= lies in the future (the manual clock's default does).
        let setup = try Self.setUp(signer: key, clock: ManualClock(Date()))
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let people = Self.customers(12)
        try await Self.submit(setup, recipients: people, bytes: Self.message(to: people))
        let held = try #require(try await setup.store.relayMessages(states: [.held], before: nil, limit: 10).first)
        _ = try await setup.store.decideRelayMessage(held.id, .release(.split), actor: .human("approver"))
        #expect(try await setup.deliverer.pass() == 12)
        let sent = setup.transport.all
        #expect(sent.count == 12)
        #expect(
            sent.allSatisfy { $0.text.hasPrefix("DKIM-Signature:") && $0.text.contains("d=shop.example") }, "each copy carries the key's signature")
        let verdicts = try RelayCopyWriterTests.python(sent.map { Array($0.text.utf8) }, signer: key)
        #expect(verdicts.count == 12 && verdicts.allSatisfy { $0["dkim"] as? Bool == true }, "dkimpy: \(verdicts)")
    }

    @Test func releasedAsBccNobodyIsNamed() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let people = Self.customers(12)
        try await Self.submit(setup, recipients: people, bytes: Self.message(to: Array(people[..<6]), cc: Array(people[6...])))
        let held = try #require(try await setup.store.relayMessages(states: [.held], before: nil, limit: 10).first)
        _ = try await setup.store.decideRelayMessage(held.id, .release(.bcc), actor: .human("approver"))
        try await setup.deliverer.pass()
        #expect(setup.transport.all.count == 12)
        for copy in setup.transport.all {
            #expect(copy.text.contains("To: undisclosed-recipients:;"))
            #expect(!people.contains { copy.text.contains($0) }, "no customer address in the message")
        }
    }

    @Test func aBccFieldNeverReachesAnyone() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        try await Self.submit(
            setup, recipients: ["bo@example.org", "secret@example.net"],
            bytes: Self.message(to: ["bo@example.org"], bcc: ["secret@example.net"]))
        try await setup.deliverer.pass()
        #expect(setup.transport.all.count == 2)
        #expect(setup.transport.all.allSatisfy { !$0.text.contains("secret@example.net") && !$0.text.contains("Bcc:") })
    }

    @Test func aScriptSending500MessagesInAMinuteIsCutOffAt30() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        for index in 1...500 {
            let to = "customer\(index % 7)@example.org"
            try await Self.submit(setup, from: "reports@shop.example", recipients: [to], bytes: Self.message(from: "reports@shop.example", to: [to]))
            setup.clock.advance(by: .milliseconds(120))
        }
        try await setup.deliverer.pass()
        #expect(setup.transport.all.count == 29, "the 30th message trips the breaker and is held")
        let breakers = try await setup.store.relayBreakers()
        #expect(breakers.map(\.sender) == [.mailFrom("reports@shop.example")])
        #expect(try await setup.store.relayMessages(states: [.held], before: nil, limit: 1_000).count == 471)
        // The notices run in the background: wait for them.
        try await Self.waitUntil { setup.notices.all.count >= 2 }
        try await Task.sleep(for: .milliseconds(200))
        let alerts = setup.notices.all.filter { $0.envelope.recipient == "ops@shop.example" }
        let notices = setup.notices.all.filter { $0.envelope.recipient == "reports@shop.example" }
        #expect(alerts.count == 1, "one alert per trip")
        #expect(notices.count == 1, "one notice per trip, none per later message")
        #expect(notices.allSatisfy { $0.envelope.mailFrom.isEmpty && $0.text.contains("Auto-Submitted: auto-replied") })

        #expect(try await setup.store.closeRelayBreaker(.mailFrom("reports@SHOP.example"), actor: .human("admin")))
        try await Self.submit(setup, from: "reports@shop.example", recipients: ["x@example.org"], bytes: Self.message(to: ["x@example.org"]))
        try await setup.deliverer.pass()
        #expect(setup.transport.all.count == 30, "closed: new mail passes")
    }

    @Test func onlyTrustedClientsRelayToExternalDomains() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let refused = try await Self.submit(
            setup, recipients: ["victim@example.org"], bytes: Self.message(to: ["victim@example.org"]), session: Self.stranger)
        #expect(refused == [.refuse(SMTPReply(code: 550, lines: ["5.7.1 Relaying denied: authenticate first (AUTH after STARTTLS)"]))])
        let local = try await Self.submit(
            setup, recipients: ["ann@shop.example"], bytes: Self.message(to: ["ann@shop.example"]), session: Self.stranger)
        #expect(local == [.accept, .accept], "mail for a local domain is taken from anyone")
        var authenticated = Self.stranger
        authenticated.authenticatedUser = "ann"
        let allowed = try await Self.submit(
            setup, recipients: ["bo@example.org"], bytes: Self.message(to: ["bo@example.org"]), session: authenticated)
        #expect(allowed == [.accept, .accept])
        let malformed = try await setup.gateway.checkRecipient(
            "a b@example.org", envelope: SMTPServerEnvelope(reversePath: ""), session: Self.trusted)
        #expect(malformed == .refuse(SMTPReply(code: 553, lines: ["5.1.3 That recipient address is not valid"])))
    }

    @Test func onlyEnabledUsersWithTheRelayRoleAuthenticate() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let hash = try await PasswordHasher(cost: 4).hash("correct horse")
        _ = try await setup.store.createUser(NewUser(name: "ann", roles: [.relay], passwordHash: hash), actor: .system)
        _ = try await setup.store.createUser(NewUser(name: "bo", roles: [.author, .admin], passwordHash: hash), actor: .system)
        func auth(_ user: String, _ password: String, as identity: String = "") async throws -> String? {
            try await setup.gateway.authenticate(
                SMTPServerCredentials(mechanism: .plain, authorizationIdentity: identity, username: user, password: password),
                session: Self.stranger)
        }
        #expect(try await auth("ann", "correct horse") == "ann")
        #expect(try await auth("ann", "wrong") == nil)
        #expect(try await auth("bo", "correct horse") == nil, "no relay role")
        #expect(try await auth("nobody", "correct horse") == nil)
        #expect(try await auth("ann", "correct horse", as: "bo") == nil, "no acting as someone else")
    }

    @Test func bulkMailWaitsInItsUndoWindowAndCanBeRecalled() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let people = Self.customers(25)
        try await Self.submit(setup, recipients: people, bytes: Self.message(to: ["list@shop.example"]))
        try await Self.submit(setup, recipients: people, bytes: Self.message(to: ["list@shop.example"], subject: "second"))
        let waiting = try await setup.store.relayMessages(states: [.waiting], before: nil, limit: 10)
        #expect(waiting.count == 2)
        #expect(try await setup.deliverer.pass() == 0, "nothing before bulk_undo_seconds")
        let recalled = try await setup.store.decideRelayMessage(waiting[0].id, .recall, actor: .human("ann"))
        #expect(recalled.state == .held && recalled.holdReason == .recalled)
        setup.clock.advance(by: .seconds(119))
        #expect(try await setup.deliverer.pass() == 0)
        setup.clock.advance(by: .seconds(2))
        #expect(try await setup.deliverer.pass() == 25, "the other one goes out after 120 s")
        #expect(setup.transport.all.allSatisfy { $0.text.contains("Subject: Our news") })
    }

    @Test func whileStoppedEverythingIsHeldAndNothingGoesOut() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        try await Self.submit(setup, recipients: ["bo@example.org"], bytes: Self.message(to: ["bo@example.org"]))
        _ = try await setup.store.emergencyStop(reason: "drill", actor: .human("ann"))
        try await Self.submit(setup, recipients: ["cy@example.org"], bytes: Self.message(to: ["cy@example.org"]))
        #expect(try await setup.deliverer.pass() == 0, "the queued message waits too")
        #expect(setup.transport.all.isEmpty)
        let held = try await setup.store.relayMessages(states: [.held], before: nil, limit: 10)
        #expect(held.map(\.holdReason) == [.stopped])
        // Nor a notice to the sender (it would go in the background: give it the time).
        let people = Self.customers(12)
        try await Self.submit(setup, recipients: people, bytes: Self.message(to: people))
        try await Task.sleep(for: .milliseconds(500))
        #expect(setup.notices.all.isEmpty, "nothing leaves while the stop holds, a notice included")
        try await setup.store.releaseLatch(named: Latch.emergencyStop, actor: .human("ann"))
        #expect(try await setup.deliverer.pass() == 1)
        #expect(setup.transport.all.map(\.envelope.recipient) == ["bo@example.org"], "the held one waits for a person")
    }

    @Test func aSuppressedAddressNeverGetsRelayedMail() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        _ = try await setup.store.addSuppression(
            Suppression(address: try NormalizedAddress("gone@example.org"), reason: .unsubscribed, at: setup.clock.date, source: "test"),
            actor: .system)
        try await Self.submit(setup, recipients: ["Gone@Example.ORG", "bo@example.org"], bytes: Self.message(to: ["bo@example.org"]))
        try await setup.deliverer.pass()
        #expect(setup.transport.all.map(\.envelope.recipient) == ["bo@example.org"])
        let record = try #require(try await setup.store.relayMessages(states: nil, before: nil, limit: 1).first)
        #expect(record.recipients.map(\.state) == [.suppressed, .sent])
    }

    @Test func aMessageThatDoesNotParseIsHeldNotRelayedUnchecked() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let broken = Array(
            "From: a@shop.example\r\nTo: bo@example.org\r\nBcc: secret@example.net\r\nBad header line without colon\r\n\r\nbody\r\n".utf8)
        try await Self.submit(setup, recipients: ["bo@example.org"], bytes: broken)
        try await setup.deliverer.pass()
        #expect(setup.transport.all.isEmpty)
        let held = try #require(try await setup.store.relayMessages(states: [.held], before: nil, limit: 1).first)
        #expect(held.findings.map(\.code) == ["relay.message-unreadable"])
        // Released as submitted anyway (the CLI refuses; the store does not know): its Bcc cannot be
        // found, so delivery sends nothing and says why.
        _ = try await setup.store.decideRelayMessage(held.id, .release(.original), actor: .human("approver"))
        try await setup.deliverer.pass()
        #expect(setup.transport.all.isEmpty)
        let failed = try #require(try await setup.store.relayMessage(held.id))
        #expect(failed.recipients.map(\.state) == [.failed] && failed.recipients[0].lastReply?.text.hasPrefix("not sent:") == true)
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition(), "timed out waiting")
    }
}
