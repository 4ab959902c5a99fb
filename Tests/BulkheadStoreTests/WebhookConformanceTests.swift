import BulkheadPolicy
import Foundation
import Testing

@testable import BulkheadStore

/// Webhook cursors over the audit log, the delivery log, the audit events the webhooks read (holds,
/// breaker trips) and the queue depth `/metrics` shows, on both backends.
@Suite("Store conformance: webhooks and metrics")
struct WebhookConformanceTests {
    static let url = "https://hooks.example/bulkhead"

    static func attempt(audit: Int64, attempt: Int, status: WebhookAttemptStatus, code: Int?, url: String = url) -> NewWebhookAttempt {
        NewWebhookAttempt(
            delivery: "\(audit)-campaign.state", url: url, event: "campaign.state", auditID: audit, attempt: attempt, statusCode: code,
            error: status == .delivered ? nil : "HTTP \(code ?? 0)", status: status)
    }

    @Test(arguments: StoreBackend.allCases)
    func aCursorStartsAtTheEndOfTheLogAndOnlyMovesForward(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            #expect(try await store.webhookCursor(url: "https://empty.example/") == 0, "an empty log starts at 0")
            let first = try await store.appendAudit(NewAuditEvent(actor: .system, action: "x", subjectKind: "list", subjectID: "1"))
            let second = try await store.appendAudit(NewAuditEvent(actor: .system, action: "x", subjectKind: "list", subjectID: "2"))
            #expect(try await store.webhookCursor(url: Self.url) == second.id, "history is not replayed to a new webhook")
            #expect(try await store.webhookCursor(url: "https://empty.example/") == 0, "a stored cursor stays where it is")

            try await store.advanceWebhookCursor(url: "https://empty.example/", to: first.id)
            #expect(try await store.webhookCursor(url: "https://empty.example/") == first.id)
            try await store.advanceWebhookCursor(url: "https://empty.example/", to: 0)
            #expect(try await store.webhookCursor(url: "https://empty.example/") == first.id, "never back")

            let third = try await store.appendAudit(NewAuditEvent(actor: .system, action: "x", subjectKind: "list", subjectID: "3"))
            try await store.recordWebhookAttempt(Self.attempt(audit: third.id, attempt: 1, status: .retrying, code: 503), advancingCursor: false)
            #expect(try await store.webhookCursor(url: Self.url) == second.id, "a retry does not move the cursor")
            try await store.recordWebhookAttempt(Self.attempt(audit: third.id, attempt: 2, status: .delivered, code: 204), advancingCursor: true)
            #expect(try await store.webhookCursor(url: Self.url) == third.id, "the final attempt moves it, in its transaction")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theDeliveryLogKeepsEveryAttemptNewestFirst(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            try await store.recordWebhookAttempt(Self.attempt(audit: 7, attempt: 1, status: .retrying, code: nil), advancingCursor: false)
            db.clock.advance(by: 1)
            try await store.recordWebhookAttempt(Self.attempt(audit: 7, attempt: 2, status: .failed, code: 500), advancingCursor: true)
            let log = try await store.webhookAttempts(limit: 10)
            #expect(log.map(\.attempt.attempt) == [2, 1])
            #expect(log[0].attempt == Self.attempt(audit: 7, attempt: 2, status: .failed, code: 500))
            #expect(log[1].attempt.statusCode == nil && log[1].attempt.status == .retrying)
            #expect(log[0].at == SQLTime.truncated(db.clock.now) && log[0].id > log[1].id)
            #expect(try await store.webhookAttempts(limit: 1).map(\.attempt.attempt) == [2])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func holdsAndBreakerTripsAreAuditedWithoutAddresses(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let finding = Finding(code: "relay.exposure", severity: .error, message: "addresses exposed", location: "header", fix: "use Bcc")
            let held = try await store.receiveRelayMessage(
                RelayConformanceTests.message(from: .user("cy"), findings: [finding], disposition: .hold), breaker: RelayConformanceTests.noBreaker)
            let hold = try #require(try await store.auditEvents(AuditQuery(action: "relay.hold")).first)
            #expect(hold.event.subjectKind == "relay-message" && hold.event.subjectID == "\(held.id.rawValue)")
            #expect(hold.event.details == ["reason": "findings", "codes": ["relay.exposure"]])

            let breaker = SenderBreakerLimits(messages: 2, distinctRecipients: 1_000, window: .seconds(600))
            _ = try await store.receiveRelayMessage(RelayConformanceTests.message(), breaker: breaker)
            let tripping = try await store.receiveRelayMessage(RelayConformanceTests.message(), breaker: breaker)
            #expect(tripping.breakerTripped)
            let trip = try #require(try await store.auditEvents(AuditQuery(action: "relay.breaker-trip")).first)
            #expect(trip.event.subjectKind == "relay-sender" && trip.event.subjectID == RelayConformanceTests.ann.description)
            #expect(trip.event.details == ["message": .number(Double(tripping.id.rawValue))])
            #expect(try await store.auditEvents(AuditQuery(action: "relay.hold")).count == 2, "the tripping message is held too")
            let all = try await store.auditEvents(AuditQuery())
            #expect(!all.contains { "\($0.event)".contains("bo@example.org") }, "no recipient address in the audit events")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func queueDepthCountsWhatWaits(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            #expect(try await store.queueDepth() == QueueDepth(campaignQueued: 0, relayQueued: 0, relayHeld: 0))
            _ = try await Fixture.sendingCampaign(store, ["a@example.org", "b@example.org", "c@example.org"], at: db.clock.now)
            _ = try await store.receiveRelayMessage(
                RelayConformanceTests.message(to: ["x@example.org", "y@example.org"]), breaker: RelayConformanceTests.noBreaker)
            _ = try await store.receiveRelayMessage(RelayConformanceTests.message(disposition: .hold), breaker: RelayConformanceTests.noBreaker)
            #expect(try await store.queueDepth() == QueueDepth(campaignQueued: 3, relayQueued: 2, relayHeld: 1))
        }
    }

    /// One holder at a time delivers a webhook: a second worker is refused while the first one's hold
    /// lasts (renewals keep it), takes over once it ran out, and several asking at once get one hold.
    @Test(arguments: StoreBackend.allCases)
    func oneWorkerAtATimeHoldsAWebhook(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            #expect(try await store.holdWebhook(url: Self.url, holder: "a", seconds: 30))
            #expect(try await store.holdWebhook(url: Self.url, holder: "b", seconds: 30) == false)
            #expect(try await store.holdWebhook(url: "https://other.example/", holder: "b", seconds: 30), "each webhook has its own hold")
            db.clock.advance(by: 20)
            #expect(try await store.holdWebhook(url: Self.url, holder: "a", seconds: 30), "a renewal")
            db.clock.advance(by: 20)
            #expect(try await store.holdWebhook(url: Self.url, holder: "b", seconds: 30) == false, "renewed 20 s ago: still a's")
            db.clock.advance(by: 10)
            #expect(try await store.holdWebhook(url: Self.url, holder: "b", seconds: 30), "a's hold ran out")
            #expect(try await store.holdWebhook(url: Self.url, holder: "a", seconds: 30) == false)
            #expect(try await store.webhookCursor(url: Self.url) == 0, "holding does not move the cursor")

            let url = "https://raced.example/"
            let holds = try await withThrowingTaskGroup(of: Bool.self) { group in
                for holder in 0..<6 { group.addTask { try await store.holdWebhook(url: url, holder: "w\(holder)", seconds: 30) } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(holds == 1)
        }
    }
}
