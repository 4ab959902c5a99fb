import BulkheadMail
import BulkheadSMTP
import BulkheadStore
import Foundation
import Synchronization
import Testing

@testable import BulkheadEngine

/// The delivery loop against a real SQLite store, with the capture transport and with scripted
/// transports that answer as an SMTP server would (real SMTP peers are in the end-to-end tests).
/// Time is a ``ManualClock`` shared by the store, the runner and the transports: nothing sleeps.
@Suite struct CampaignRunnerTests {
    struct Setup {
        let directory: URL
        let store: SQLiteStore
        let campaign: Campaign
        let environment: BulkheadConfiguration
        let clock: ManualClock
    }

    /// `recipients` confirmed members and a campaign with them queued; `sending` unless `sending` is false.
    static func setUp(recipients: Int, subject: String = "Hello {{first_name}}", sending: Bool = true) async throws -> Setup {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock))
        let list = try await store.createList(name: "news", description: "Monthly news")
        let consent = ConsentEvidence(
            kind: .given, at: clock.date, method: .form, source: "https://shop.example/signup",
            ipOrChannel: "192.0.2.1", textShown: "Send me the news")
        for index in 0..<recipients {
            let subscriber = try await store.upsertSubscriber(
                address: try NormalizedAddress("person\(index)@example.org"),
                name: "Person \(index)", attributes: ["city": .string("Town \(index)")])
            _ = try await store.setMembership(list: list.id, subscriber: subscriber.id, status: .confirmed, consent: consent)
        }
        let content = CampaignContent(
            name: "spring", listID: list.id, from: "Shop <news@shop.example>", subjectTemplate: subject,
            textTemplate: "Hi {{name}} from {{attributes.city}}\n{{unsubscribe_url}}\n",
            htmlTemplate: "<p>Hi {{name}}</p>")
        let campaign = try await store.createCampaign(content, actor: .human("test"))
        try await store.enqueueRecipients(campaign: campaign.id)
        if sending { _ = try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .human("test")) }
        var config = BulkheadConfiguration()
        config.dataDirectory = directory.path
        config.identity.unsubscribeBaseURL = "https://shop.example"
        return Setup(directory: directory, store: store, campaign: campaign, environment: config, clock: clock)
    }

    static func runner(_ setup: Setup, transport: any MessageTransport, settings: DeliverySettings) async throws -> CampaignRunner {
        let tokens = try UnsubscribeTokenIssuer(secret: Array(repeating: 7, count: 32))
        let environment = BulkheadEnvironmentProbe(configuration: setup.environment, store: setup.store)
        let factory = try await environment.factory(for: setup.campaign)
        return CampaignRunner(
            store: setup.store, transport: transport, factory: factory, tokens: tokens,
            campaign: setup.campaign.id, settings: settings, clock: setup.clock)
    }

    /// The ledger's non-zero counts by state.
    static func counts(_ setup: Setup) async throws -> [LedgerState: Int] {
        let counts = try await setup.store.ledgerCounts(campaign: setup.campaign.id)
        return Dictionary(uniqueKeysWithValues: LedgerState.allCases.compactMap { counts[$0] > 0 ? ($0, counts[$0]) : nil })
    }

    @Test func deliversOneOwnMessageToEveryRecipientThroughTheCaptureMailbox() async throws {
        let setup = try await Self.setUp(recipients: 40)
        let capture = try CaptureTransport(directory: setup.directory.appendingPathComponent("capture").path)
        let summary = try await Self.runner(setup, transport: capture, settings: DeliverySettings(concurrency: 3, batchSize: 4)).run()
        #expect(summary.ending == .finished)
        #expect(summary.progress.sent == 40 && summary.progress.done == 40)
        #expect(try await setup.store.campaign(id: setup.campaign.id)?.state == .sent)
        #expect(try await Self.counts(setup) == [.sent: 40])

        let mailbox = CaptureMailbox(directory: setup.directory.appendingPathComponent("capture").path)
        let page = try mailbox.list(offset: 0, limit: 100)
        #expect(page.total == 40)
        var recipients = Set<String>()
        for info in page.items {
            let message = try MIMEParser().parse(try mailbox.read(id: info.id).bytes)
            let to = try AddressList.parse(try #require(message.headers["To"])).flatMap(\.mailboxes)
            #expect(to.count == 1 && to[0].address == info.recipient, "one recipient, the envelope's")
            #expect(!message.headers.contains("Cc") && !message.headers.contains("Bcc"))
            #expect(message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
            #expect(info.mailFrom.hasPrefix("bounces+") && info.mailFrom.hasSuffix("@shop.example"))
            let index = try #require(info.recipient.dropFirst("person".count).split(separator: "@").first)
            #expect(message.decodedHeader("Subject") == "Hello Person")
            #expect(try message.parts[0].text().contains("Hi Person \(index) from Town \(index)"))
            recipients.insert(info.recipient)
        }
        #expect(recipients.count == 40, "nobody twice")
    }

    /// Answers like a server: a scripted outcome per recipient, after a delay on `clock`.
    final class ScriptedTransport: MessageTransport {
        let delay: Duration
        let clock: any BulkheadClock
        let answer: @Sendable (Envelope) -> DeliveryOutcome
        /// Recipient, start and end of each hand-over, on `clock`.
        let log = Mutex<[(String, WallTime, WallTime)]>([])

        init(delay: Duration, clock: any BulkheadClock = SystemClock(), answer: @escaping @Sendable (Envelope) -> DeliveryOutcome) {
            self.delay = delay
            self.clock = clock
            self.answer = answer
        }

        func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
            let start = clock.now
            if delay > .zero { try? await clock.sleep(for: delay) }
            log.withLock { $0.append((envelope.recipient, start, clock.now)) }
            return answer(envelope)
        }
    }

    /// Yields until `condition` holds (the run's tasks work on other threads meanwhile); gives up
    /// after 60 s of real time so that a broken run fails instead of hanging the suite.
    static func waitUntil(_ condition: () -> Bool) async throws {
        let held = await waitUntil(atMost: .seconds(60), condition)
        try #require(held, "the run stopped making progress")
    }

    /// Yields until `condition` holds or `limit` of real time passed; true when it holds.
    static func waitUntil(atMost limit: Duration, _ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now.advanced(by: limit)
        while !condition() {
            if ContinuousClock.now >= end { return false }
            await Task.yield()
        }
        return true
    }

    static func reply(_ code: Int, _ text: String) -> DeliveryDetail {
        .reply(.rcpt, SMTPReply(code: code, lines: [text]))
    }

    @Test func outcomesFollowTheLedgerRules() async throws {
        let setup = try await Self.setUp(recipients: 8)
        let transport = ScriptedTransport(delay: .zero) { envelope -> DeliveryOutcome in
            switch envelope.recipient {
            case "person0@example.org": .deferred(Self.reply(451, "try later"))
            case "person1@example.org": .failed(Self.reply(550, "no such user"), hardBounce: true)
            case "person2@example.org": .failed(Self.reply(554, "policy"), hardBounce: false)
            case "person3@example.org": .uncertain(.note("connection dropped after DATA"))
            default: .sent(Self.reply(250, "queued"))
            }
        }
        let summary = try await Self.runner(setup, transport: transport, settings: DeliverySettings(concurrency: 2, batchSize: 3)).run()
        #expect(summary.ending == .waitingForRetries)
        #expect(summary.nextRetryAt != nil)
        #expect(try await Self.counts(setup) == [.sent: 4, .deferred: 1, .failed: 2, .uncertain: 1])
        #expect(
            try await setup.store.suppressedAddresses(among: [
                try NormalizedAddress("person1@example.org"), try NormalizedAddress("person2@example.org"),
            ])
                == [try NormalizedAddress("person1@example.org")], "a hard bounce, and only that, is suppressed")
        #expect(try await setup.store.campaign(id: setup.campaign.id)?.state == .sending, "not sent while a retry is due")
    }

    @Test func deferralsBecomeFailuresAfterTheLastAttempt() async throws {
        let setup = try await Self.setUp(recipients: 2)
        let transport = ScriptedTransport(delay: .zero) { _ in .deferred(Self.reply(421, "busy")) }
        let settings = DeliverySettings(concurrency: 1, batchSize: 5, maxAttempts: 1)
        let summary = try await Self.runner(setup, transport: transport, settings: settings).run()
        #expect(summary.ending == .finished)
        #expect(try await Self.counts(setup) == [.failed: 2])
        #expect(try await setup.store.campaign(id: setup.campaign.id)?.state == .sent)
    }

    /// Marks the campaign `sent` from outside while its last message is in flight, as a `serve`
    /// beside a `campaign send` does when it delivered everything else first.
    final class FinishedElsewhere: MessageTransport {
        let store: any MailStore
        let campaign: CampaignID
        let last: String
        init(store: any MailStore, campaign: CampaignID, last: String) {
            self.store = store
            self.campaign = campaign
            self.last = last
        }
        func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
            if envelope.recipient == last {
                _ = try? await store.transition(campaign, from: [.sending], to: .sent, actor: .system)
            }
            return .sent(CampaignRunnerTests.reply(250, "ok"))
        }
    }

    @Test func aCampaignAnotherWorkerFinishedIsNotReportedAsStopped() async throws {
        let setup = try await Self.setUp(recipients: 6)
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let transport = FinishedElsewhere(store: setup.store, campaign: setup.campaign.id, last: "person5@example.org")
        let summary = try await Self.runner(setup, transport: transport, settings: DeliverySettings(concurrency: 1, batchSize: 2)).run()
        #expect(summary.ending == .finished, "not `paused`: a script must not take another worker's finish for a stop")
        #expect(try await setup.store.campaign(id: setup.campaign.id)?.state == .sent)
    }

    @Test func abortStopsWithinAPollAndOnlyInFlightMessagesComplete() async throws {
        let setup = try await Self.setUp(recipients: 600)
        let clock = setup.clock
        // Each sender's batch takes longer (10 × 20 ms) than a poll (100 ms): the stop lands mid-batch.
        let transport = ScriptedTransport(delay: .milliseconds(20), clock: clock) { _ in .sent(Self.reply(250, "ok")) }
        let settings = DeliverySettings(concurrency: 4, batchSize: 10, controlPoll: .milliseconds(100))
        let runner = try await Self.runner(setup, transport: transport, settings: settings)
        let done = Mutex(false)
        let running = Task {
            defer { done.withLock { $0 = true } }
            return try await runner.run()
        }
        // Time moves in 5 ms steps, each once every task of the run waits on the clock: 4 senders in
        // a hand-over, the watcher, the periodic flush and the lease heartbeat.
        while transport.log.withLock({ $0.count }) < 50 {
            try await Self.waitUntil { clock.sleepers >= settings.concurrency + 3 }
            clock.advance(by: .milliseconds(5))
        }
        let abortedAt = clock.now
        _ = try await setup.store.transition(setup.campaign.id, from: [.sending], to: .aborted, actor: .human("ops"))
        // The same steps until the watcher's poll finds the abort and it ends (then the run's tasks no
        // longer all wait on the clock: 2 s of real time for its one-row read is plenty), then steps
        // while the in-flight hand-overs finish.
        while await Self.waitUntil(atMost: .seconds(2), { clock.sleepers >= settings.concurrency + 3 }) {
            clock.advance(by: .milliseconds(5))
        }
        while !done.withLock({ $0 }) {
            try await Self.waitUntil { clock.sleepers > 0 || done.withLock { $0 } }
            clock.advance(by: .milliseconds(5))
        }
        let summary = try await running.value

        #expect(summary.ending == .aborted)
        let starts = transport.log.withLock { $0.map(\.1) }
        // The kill switch's promise, in the run's own time: the watcher sees the abort at its next
        // poll (100 ms), and no message starts after that.
        let startedAfter = starts.filter { $0 > abortedAt.advanced(by: settings.controlPoll) }
        #expect(startedAfter.isEmpty, "no message starts more than a poll after the abort")
        // In flight at the abort: at most what the senders had claimed (marked `sending`) by then.
        #expect(summary.completedAfterStop <= settings.concurrency * settings.batchSize)
        let counts = try await setup.store.ledgerCounts(campaign: setup.campaign.id)
        #expect(counts[.sending] == 0, "nothing left claimed")
        #expect(counts[.sent] == transport.log.withLock { $0.count })
        #expect(counts[.queued] == 600 - counts[.sent])
        let events = try await setup.store.auditEvents(
            AuditQuery(
                subjectKind: "campaign", subjectID: "\(setup.campaign.id.rawValue)",
                action: "campaign.delivery-stopped"))
        let event = try #require(events.first)
        #expect(event.event.details["completed_after_stop"] == .number(Double(summary.completedAfterStop)))
        #expect(event.event.details["state"] == .string("aborted"))
    }
}

/// Builds a campaign's factory the way `BulkheadEnvironment` does, without opening a transport.
struct BulkheadEnvironmentProbe {
    let configuration: BulkheadConfiguration
    let store: any MailStore

    func factory(for campaign: Campaign) async throws -> CampaignMessageFactory {
        let environment = BulkheadEnvironment(
            configuration: configuration, store: store,
            transport: try CaptureTransport(directory: configuration.path("probe")),
            signer: nil, tokens: try UnsubscribeTokenIssuer(secret: Array(repeating: 7, count: 32)))
        return try await environment.messageFactory(for: campaign)
    }
}

/// The recorder claims past the highest key it claimed, and looks again from the start before it
/// reports nothing left: entries another worker put back behind the cursor are not forgotten.
@Suite struct OutcomeRecorderCursorTests {
    /// A campaign of `recipients` queued, and a recorder for it with nothing recorded yet.
    static func recorder(recipients: Int) async throws -> (CampaignRunnerTests.Setup, OutcomeRecorder) {
        let setup = try await CampaignRunnerTests.setUp(recipients: recipients)
        let recorder = OutcomeRecorder(
            store: setup.store, campaign: setup.campaign.id, total: recipients, remaining: recipients, clock: setup.clock,
            progress: { _ in })
        return (setup, recorder)
    }

    @Test func entriesPutBackBehindTheCursorAreClaimedBeforeTheEnd() async throws {
        let (setup, recorder) = try await Self.recorder(recipients: 10)
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let first = try await recorder.claimNext(worker: "w", limit: 3)
        #expect(first.map(\.address.value) == ["person0@example.org", "person1@example.org", "person2@example.org"])
        // Another worker's claim, put back unsent: queued again, behind this recorder's cursor.
        #expect(try await setup.store.release(first) == 3)
        var later: [String] = []
        while true {
            let batch = try await recorder.claimNext(worker: "w", limit: 3)
            if batch.isEmpty { break }
            later += batch.map(\.address.value)
        }
        #expect(later == (3..<10).map { "person\($0)@example.org" } + (0..<3).map { "person\($0)@example.org" })
        let counts = try await setup.store.ledgerCounts(campaign: setup.campaign.id)
        #expect(counts[.sending] == 10 && counts.total == 10)
    }

    /// Senders that claim while a write is under way are served together by the next write: each gets
    /// at most its limit, no entry goes to two of them, and every entry is claimed once.
    @Test func claimsAskedTogetherNeverOverlap() async throws {
        let (setup, recorder) = try await Self.recorder(recipients: 30)
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let batches = try await withThrowingTaskGroup(of: [[String]].self) { senders in
            for _ in 0..<6 {
                senders.addTask {
                    var mine: [[String]] = []
                    while true {
                        let batch = try await recorder.claimNext(worker: "w", limit: 4)
                        if batch.isEmpty { return mine }
                        mine.append(batch.map(\.address.value))
                    }
                }
            }
            return try await senders.reduce(into: []) { $0 += $1 }
        }
        #expect(batches.allSatisfy { $0.count <= 4 })
        let claimed = batches.flatMap { $0 }
        #expect(claimed.count == 30 && Set(claimed) == Set((0..<30).map { "person\($0)@example.org" }))
        let counts = try await setup.store.ledgerCounts(campaign: setup.campaign.id)
        #expect(counts[.sending] == 30 && counts.total == 30)
    }
}
