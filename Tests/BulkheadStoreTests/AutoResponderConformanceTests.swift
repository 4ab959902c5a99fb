import BulkheadPolicy
import Foundation
import Testing

@testable import BulkheadStore

/// Auto-responders: when a reply is filed (once per sender, never backlog, never a Message-ID seen
/// before, the global breaker), imports that never reply, the forward filed whatever the reply, on
/// both backends.
@Suite("Store conformance: auto-responders")
struct AutoResponderConformanceTests {
    static let responder = "support@shop.example"

    /// A message from `sender` with the reply the rule allows (or `skip`) and a forward to the helpdesk.
    static func mail(
        from sender: String, messageID: String? = nil, writtenAt: Date? = nil, skip: AutoReplySkip? = nil, forward: Bool = true
    ) -> NewAutoResponderMail {
        let reply = NewRelayMessage(
            sender: .mailFrom(responder), mailFrom: "", recipients: [sender], clientAddress: nil,
            bytes: Array("From: \(responder)\r\nTo: \(sender)\r\nSubject: We received your message\r\n\r\nThanks\r\n".utf8),
            subject: "We received your message", findings: [], disposition: .relay(after: nil))
        let original = NewRelayMessage(
            sender: .mailFrom(sender), mailFrom: sender, recipients: ["helpdesk@internal.example"], clientAddress: "192.0.2.1",
            bytes: Array("From: \(sender)\r\nTo: \(responder)\r\nSubject: Help\r\n\r\nHi\r\n".utf8), subject: "Help", findings: [],
            disposition: .relay(after: nil))
        return NewAutoResponderMail(
            responder: responder, sender: sender, messageID: messageID, writtenAt: writtenAt, answer: skip.map { .skip($0) } ?? .reply(reply),
            forward: forward ? original : nil)
    }

    static let limits = AutoReplyLimits(oncePerSender: .seconds(7 * 86_400), breakerReplies: 5, breakerWindow: .seconds(600))

    @Test(arguments: StoreBackend.allCases)
    func oneReplyPerSenderPerPeriodAndTheMailIsAlwaysForwarded(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            await #expect(throws: StoreError.self) {
                try await store.receiveAutoResponderMail(Self.mail(from: "ann@example.org"), limits: Self.limits)
            }
            let enabled = try await store.enableAutoResponders([Self.responder])
            #expect(enabled == [Self.responder: db.clock.now])
            db.clock.advance(by: 60)
            #expect(try await store.enableAutoResponders([Self.responder]) == enabled, "enabling again keeps the first time")

            let first = try await store.receiveAutoResponderMail(Self.mail(from: "Ann@Example.ORG", messageID: "m1@x"), limits: Self.limits)
            #expect(first.outcome == .replied && first.reply?.state == .queued && first.forward?.state == .queued)
            let replyID = try #require(first.reply?.id)
            let forwardID = try #require(first.forward?.id)
            let reply = try #require(try await store.relayMessage(replyID))
            #expect(reply.mailFrom == "" && reply.recipients.map(\.address) == ["Ann@Example.ORG"])
            let forward = try #require(try await store.relayMessage(forwardID))
            #expect(forward.mailFrom == "Ann@Example.ORG" && forward.recipients.map(\.address) == ["helpdesk@internal.example"])

            db.clock.advance(by: 86_400)
            let second = try await store.receiveAutoResponderMail(Self.mail(from: "ann@example.org", messageID: "m2@x"), limits: Self.limits)
            #expect(second.outcome == .oncePerSender && second.reply == nil && second.forward != nil, "the sender is one person however spelt")
            let again = try await store.receiveAutoResponderMail(Self.mail(from: "bo@example.org", messageID: "m1@x"), limits: Self.limits)
            #expect(again.outcome == .alreadySeen, "a Message-ID seen before is never answered")
            let skipped = try await store.receiveAutoResponderMail(Self.mail(from: "cy@example.org", skip: .autoSubmitted), limits: Self.limits)
            #expect(skipped.outcome == .skipped(.autoSubmitted) && skipped.forward != nil)

            db.clock.advance(by: 6 * 86_400 + 1)
            let later = try await store.receiveAutoResponderMail(Self.mail(from: "ann@example.org", messageID: "m3@x"), limits: Self.limits)
            #expect(later.outcome == .replied, "after the period the sender gets a reply again")
            let summary = try #require(try await store.autoResponders().first)
            #expect(summary.address == Self.responder && summary.senders == 3)
            #expect(summary.outcomes == ["replied": 2, "once-per-sender": 1, "already-seen": 1, "auto-submitted": 1])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func backlogAndImportsAreNeverAnswered(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let enabledAt = try #require(try await store.enableAutoResponders([Self.responder])[Self.responder])
            db.clock.advance(by: 7_200)
            let old = try await store.receiveAutoResponderMail(
                Self.mail(from: "ann@example.org", writtenAt: enabledAt.addingTimeInterval(-3_601)), limits: Self.limits)
            #expect(old.outcome == .backlog && old.reply == nil && old.forward != nil)
            let justBefore = try await store.receiveAutoResponderMail(
                Self.mail(from: "bo@example.org", writtenAt: enabledAt.addingTimeInterval(-60)), limits: Self.limits)
            #expect(justBefore.outcome == .replied, "a message written within the grace before enabling is not backlog")

            let imported = (0..<1_200).map { ImportedAutoResponderMail(sender: "p\($0 % 300)@example.org", messageID: "old\($0)@x") }
            #expect(try await store.importAutoResponderMail(responder: Self.responder, imported) == 1_200)
            let summary = try #require(try await store.autoResponders().first)
            #expect(summary.outcomes["imported"] == 1_200 && summary.outcomes["replied"] == 1 && summary.senders == 302)
            let seen = try await store.receiveAutoResponderMail(Self.mail(from: "p1@example.org", messageID: "old1@x"), limits: Self.limits)
            #expect(seen.outcome == .alreadySeen, "an imported message arriving again is not answered")
            let fresh = try await store.receiveAutoResponderMail(Self.mail(from: "p1@example.org", messageID: "new@x"), limits: Self.limits)
            #expect(fresh.outcome == .replied, "an import is not a reply: the sender's next new message is answered")
            await #expect(throws: StoreError.self) {
                try await store.importAutoResponderMail(responder: "other@shop.example", imported)
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theBreakerPausesEveryResponderUntilReleased(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            _ = try await store.enableAutoResponders([Self.responder])
            // Concurrent arrivals: exactly `breakerReplies` replies, then the breaker.
            let outcomes = try await withThrowingTaskGroup(of: AutoReplyOutcome.self) { group in
                for index in 0..<12 {
                    group.addTask { try await store.receiveAutoResponderMail(Self.mail(from: "s\(index)@example.org"), limits: Self.limits).outcome }
                }
                return try await group.reduce(into: [AutoReplyOutcome]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .replied }.count == 5)
            #expect(outcomes.filter { $0 == .breakerTripped }.count == 1)
            #expect(outcomes.filter { $0 == .paused }.count == 6)
            #expect(try await store.latch(named: Latch.autoReplyBreaker) != nil)
            db.clock.advance(by: 3_600)
            let stillPaused = try await store.receiveAutoResponderMail(Self.mail(from: "late@example.org"), limits: Self.limits)
            #expect(
                stillPaused.outcome == .paused && stillPaused.forward != nil, "the breaker holds until a person releases it; mail still forwarded")
            #expect(try await store.releaseLatch(named: Latch.autoReplyBreaker, actor: .human("ann")))
            let resumed = try await store.receiveAutoResponderMail(Self.mail(from: "late2@example.org"), limits: Self.limits)
            #expect(resumed.outcome == .replied)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func underTheStopLatchRepliesAndForwardsAreHeld(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            _ = try await store.enableAutoResponders([Self.responder])
            _ = try await store.emergencyStop(reason: "drill", actor: .human("ann"))
            let receipt = try await store.receiveAutoResponderMail(Self.mail(from: "ann@example.org"), limits: Self.limits)
            #expect(receipt.outcome == .replied && receipt.reply?.holdReason == .stopped && receipt.forward?.holdReason == .stopped)
            #expect(try await store.claimRelayDeliveries(worker: "w", limit: 10).isEmpty)
        }
    }
}
