import BulkheadStore
import Foundation
import Logging
import Testing

@testable import BulkheadEngine

/// The webhook dispatcher against a real HTTP receiver (Python's `http.server`, which checks every
/// signature with Python's `hmac` module), a real SQLite store and a ``ManualClock`` for the backoff.
@Suite struct WebhookDispatcherTests {
    static let secret = "s3cret-for-tests"

    struct World {
        let directory: URL
        let store: SQLiteStore
        let clock: ManualClock
        let campaign: Campaign

        /// Pauses the campaign the way a brake does.
        func brakePause() async throws {
            _ = try await store.transition(
                campaign.id, from: [.sending], to: .paused, actor: .system,
                details: [
                    "reason": "brake:bounce", "metric": "bounce", "events": 6, "outcomes": 100, "rate_percent": 6, "threshold_percent": 5,
                    "window": 500,
                ])
        }

        func dispatcher(
            _ targets: [WebhookTarget], retryDelays: [Duration] = WebhookDispatcher.defaultRetryDelays, holder: String = "worker-a",
            transport: HTTPWebhookTransport
        ) -> WebhookDispatcher {
            WebhookDispatcher(
                store: store, webhooks: targets, transport: transport, clock: clock, retryDelays: retryDelays, holder: holder,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        }
    }

    /// A store with a list and a draft campaign "spring" (its member's address must never reach a webhook).
    static func world() async throws -> World {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("webhooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock))
        let list = try await store.createList(name: "news", description: "")
        let ann = try await store.upsertSubscriber(address: try NormalizedAddress("ann@example.org"), name: "Ann", attributes: [:])
        let consent = ConsentEvidence(kind: .given, at: clock.date, method: .form, source: "https://shop.example/signup")
        _ = try await store.setMembership(list: list.id, subscriber: ann.id, status: .confirmed, consent: consent)
        let campaign = try await store.createCampaign(
            CampaignContent(name: "spring", listID: list.id, from: "Shop <news@shop.example>", subjectTemplate: "Hi", textTemplate: "Hi"),
            actor: .system)
        try await store.enqueueRecipients(campaign: campaign.id)
        return World(directory: directory, store: store, clock: clock, campaign: campaign)
    }

    @Test func deliversSignedEventsThatPythonVerifiesOnlyTheSubscribedOnesAndEachOnce() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let receiver = try WebhookReceiver(secret: Self.secret)
        defer { receiver.stop() }
        let all = WebhookTarget(url: receiver.url("/all"), secret: Array(Self.secret.utf8))
        let brakes = WebhookTarget(url: receiver.url("/brakes"), secret: Array(Self.secret.utf8), events: [.brakeTripped])
        // `serve` reads the cursors when it starts: what happened before that is history, not sent.
        for target in [all, brakes] { _ = try await world.store.webhookCursor(url: target.url) }

        _ = try await world.store.transition(world.campaign.id, from: [.draft], to: .sending, actor: .human("ann"))
        try await world.brakePause()
        try await HTTPWebhookTransport.with { transport async throws in
            let dispatcher = world.dispatcher([all, brakes], transport: transport)
            #expect(try await dispatcher.deliverPending(to: all) == 3)
            #expect(try await dispatcher.deliverPending(to: brakes) == 1)
            #expect(try await dispatcher.deliverPending(to: all) == 0, "the cursor moved past what was delivered")
        }

        let requests = try receiver.requests()
        #expect(requests.map(\.path) == ["/all", "/all", "/all", "/brakes"])
        #expect(requests.allSatisfy { $0.signatureOK }, "Python's hmac module agrees with every signature")
        #expect(requests.map(\.event) == ["campaign.state", "campaign.state", "brake.tripped", "brake.tripped"])
        #expect(requests.allSatisfy { $0.contentType == "application/json" && $0.delivery == $0.body["id"] as? String })
        #expect(requests.allSatisfy { !$0.raw.contains("@") }, "no address in any body")
        let sending = try #require(requests.first)
        #expect(sending.body["event"] as? String == "campaign.state")
        let data = try #require(sending.body["data"] as? [String: Any])
        #expect(data["campaign"] as? Int == Int(world.campaign.id.rawValue) && data["name"] as? String == "spring")
        #expect(data["from"] as? String == "draft" && data["state"] as? String == "sending")
        let brake = try #require(requests[2].body["data"] as? [String: Any])
        #expect(brake["metric"] as? String == "bounce" && brake["reason"] as? String == "brake:bounce" && brake["name"] as? String == "spring")
        #expect(requests[2].delivery == requests[3].delivery, "one event, one delivery id, whichever webhook gets it")

        let log = try await world.store.webhookAttempts(limit: 10)
        #expect(log.count == 4 && log.allSatisfy { $0.attempt.status == .delivered && $0.attempt.statusCode == 204 && $0.attempt.attempt == 1 })
    }

    /// Two workers of one store (two `serve` processes): each event reaches the receiver once. The
    /// second delivers nothing while the first holds the webhook, and takes over once the first
    /// stopped and its hold ran out.
    @Test func twoWorkersSendEachEventOnceAndTheSecondTakesOverWhenTheFirstStops() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let receiver = try WebhookReceiver(secret: Self.secret)
        defer { receiver.stop() }
        let target = WebhookTarget(url: receiver.url(), secret: Array(Self.secret.utf8), events: [.campaignState])
        _ = try await world.store.webhookCursor(url: target.url)
        _ = try await world.store.transition(world.campaign.id, from: [.draft], to: .sending, actor: .system)

        try await HTTPWebhookTransport.with { transport async throws in
            let first = world.dispatcher([target], holder: "host-a:1:x", transport: transport)
            let second = world.dispatcher([target], holder: "host-b:2:y", transport: transport)
            async let a = first.deliverPending(to: target)
            async let b = second.deliverPending(to: target)
            let (byFirst, bySecond) = try await (a, b)
            #expect(byFirst + bySecond == 1, "one of the two sends it")
            let (holder, other) = byFirst == 1 ? (first, second) : (second, first)
            #expect(try await other.deliverPending(to: target) == 0)

            // The holder stops (it renews nothing any more); the next event waits for its hold to run out.
            _ = try await world.store.transition(world.campaign.id, from: [.sending], to: .paused, actor: .system)
            world.clock.advance(by: .seconds(Int64(WebhookDispatcher.holdSeconds) - 1))
            #expect(try await other.deliverPending(to: target) == 0, "the hold still lasts")
            world.clock.advance(by: .seconds(2))
            #expect(try await other.deliverPending(to: target) == 1, "taken over")
            #expect(try await holder.deliverPending(to: target) == 0, "the other one holds it now")
        }
        let requests = try receiver.requests()
        #expect(requests.count == 2 && Set(requests.compactMap(\.delivery)).count == 2, "each event once: \(requests.map(\.delivery))")
    }

    @Test func retriesOnTheInjectedClockAndDeliversOnce() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let receiver = try WebhookReceiver(secret: Self.secret, failFirst: 2)
        defer { receiver.stop() }
        let target = WebhookTarget(url: receiver.url(), secret: Array(Self.secret.utf8), events: [.campaignState])
        _ = try await world.store.webhookCursor(url: target.url)
        _ = try await world.store.transition(world.campaign.id, from: [.draft], to: .sending, actor: .system)
        let start = world.clock.now

        try await HTTPWebhookTransport.with { transport async throws in
            let dispatcher = world.dispatcher([target], transport: transport)
            let delivering = Task { try await dispatcher.deliverPending(to: target) }
            await world.clock.waitForSleepers(1)  // after the first 500: waits 1 s
            #expect(try await world.store.webhookAttempts(limit: 10).map(\.attempt.status) == [.retrying])
            world.clock.advance(by: .seconds(1))
            await world.clock.waitForSleepers(1)  // after the second 500: waits 5 s
            world.clock.advance(by: .seconds(5))
            #expect(try await delivering.value == 1)
        }

        #expect(start.duration(to: world.clock.now) == .seconds(6), "only the manual clock moved: no real backoff sleep")
        let requests = try receiver.requests()
        #expect(requests.map(\.status) == [500, 500, 204])
        #expect(Set(requests.compactMap(\.delivery)).count == 1 && requests.allSatisfy { $0.signatureOK })
        let log = try await world.store.webhookAttempts(limit: 10).reversed().map(\.attempt)
        #expect(log.map(\.attempt) == [1, 2, 3])
        #expect(log.map(\.status) == [.retrying, .retrying, .delivered])
        #expect(log.map(\.statusCode) == [500, 500, 204] && log.map(\.error) == ["HTTP 500", "HTTP 500", nil])
        let audit = try #require(try await world.store.auditEvents(AuditQuery(action: "campaign.transition")).last)
        #expect(try await world.store.webhookCursor(url: target.url) == audit.id)
    }

    @Test func givesUpAfterTheLastAttemptAndGoesOnWithTheNextEvent() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let receiver = try WebhookReceiver(secret: Self.secret, failFirst: 3)
        defer { receiver.stop() }
        let target = WebhookTarget(url: receiver.url(), secret: Array(Self.secret.utf8))
        _ = try await world.store.webhookCursor(url: target.url)
        _ = try await world.store.transition(world.campaign.id, from: [.draft], to: .sending, actor: .system)

        try await HTTPWebhookTransport.with { transport async throws in
            let dispatcher = world.dispatcher([target], retryDelays: [.seconds(1), .seconds(5)], transport: transport)
            let delivering = Task { try await dispatcher.deliverPending(to: target) }
            await world.clock.waitForSleepers(1)
            world.clock.advance(by: .seconds(1))
            await world.clock.waitForSleepers(1)
            world.clock.advance(by: .seconds(5))
            #expect(try await delivering.value == 1, "given up counts as done with")
            let given = try await world.store.auditEvents(AuditQuery(action: "campaign.transition")).last?.id
            #expect(try await world.store.webhookCursor(url: target.url) == given, "the cursor moved past the given-up event")

            _ = try await world.store.transition(world.campaign.id, from: [.sending], to: .paused, actor: .system)
            #expect(try await dispatcher.deliverPending(to: target) == 1)
        }
        let log = try await world.store.webhookAttempts(limit: 10).reversed().map(\.attempt)
        #expect(log.map(\.status) == [.retrying, .retrying, .failed, .delivered])
        #expect(log.map(\.attempt) == [1, 2, 3, 1])
    }

    @Test func aReceiverThatIsNotThereIsRecordedWithoutAStatus() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        // A port that was just free: nothing listens there.
        let closed = try WebhookReceiver(secret: Self.secret)
        closed.stop()
        let target = WebhookTarget(url: closed.url(), secret: Array(Self.secret.utf8))
        _ = try await world.store.webhookCursor(url: target.url)
        _ = try await world.store.transition(world.campaign.id, from: [.draft], to: .sending, actor: .system)
        try await HTTPWebhookTransport.with { transport async throws in
            #expect(try await world.dispatcher([target], retryDelays: [], transport: transport).deliverPending(to: target) == 1)
        }
        let attempt = try #require(try await world.store.webhookAttempts(limit: 1).first?.attempt)
        #expect(attempt.status == .failed && attempt.statusCode == nil && attempt.error?.isEmpty == false)
        #expect(attempt.error?.contains(Self.secret) == false)
    }
}
