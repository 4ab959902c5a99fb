import BulkheadPolicy
import Foundation
import Testing

@testable import BulkheadStore

/// The guard relay's store: filing, the per-sender breaker, the hold queue's decisions and
/// per-recipient delivery, on both backends.
@Suite("Store conformance: guard relay")
struct RelayConformanceTests {
    static let ann = RelaySender.user("ann")

    /// A message from `sender` (ann by default) to `recipients`.
    static func message(
        from sender: RelaySender = ann, to recipients: [String] = ["bo@example.org"], bytes: [UInt8] = Array("Subject: Hi\r\n\r\nHello\r\n".utf8),
        findings: [Finding] = [], disposition: NewRelayMessage.Disposition = .relay(after: nil)
    ) -> NewRelayMessage {
        NewRelayMessage(
            sender: sender, mailFrom: "ann@shop.example", recipients: recipients, clientAddress: "127.0.0.1", bytes: bytes, subject: "Hi",
            findings: findings, disposition: disposition)
    }

    /// The breaker switched off, for tests about something else.
    static let noBreaker = SenderBreakerLimits(messages: 0)

    @Test(arguments: StoreBackend.allCases)
    func filingPassesHoldsWaitsAndStops(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let finding = Finding(code: "relay.exposure", severity: .error, message: "addresses exposed in To:", location: "header", fix: "use Bcc")
            let passed = try await store.receiveRelayMessage(
                Self.message(to: ["Bo@Example.ORG", "cy@example.org", "Bo@example.org", "bo@example.org"], findings: [finding]),
                breaker: SenderBreakerLimits())
            #expect(passed.state == .queued && passed.holdReason == nil && !passed.breakerTripped)
            let record = try #require(try await store.relayMessage(passed.id))
            #expect(record.sender == Self.ann && record.mailFrom == "ann@shop.example" && record.clientAddress == "127.0.0.1")
            #expect(record.subject == "Hi" && record.size == 22 && record.findings == [finding])
            #expect(record.receivedAt == SQLTime.truncated(db.clock.now) && record.copyForm == .original && !record.senderNotified)
            #expect(record.decidedBy == nil && record.decidedAt == nil && record.relayAfter == nil)
            #expect(
                record.recipients.map(\.address) == ["Bo@Example.ORG", "cy@example.org", "bo@example.org"],
                "one per AddressKey (the first spelling), in order; the local part's case tells two apart")
            #expect(record.recipients.allSatisfy { $0.state == .queued && $0.attempts == 0 && $0.lastReply == nil })

            let held = try await store.receiveRelayMessage(Self.message(disposition: .hold), breaker: SenderBreakerLimits())
            #expect(held.state == .held && held.holdReason == .findings && !held.breakerTripped)

            let after = db.clock.now.addingTimeInterval(120)
            let waiting = try await store.receiveRelayMessage(Self.message(disposition: .relay(after: after)), breaker: SenderBreakerLimits())
            #expect(waiting.state == .waiting && waiting.holdReason == nil)
            #expect(try await store.relayMessage(waiting.id)?.relayAfter == SQLTime.truncated(after))

            _ = try await store.emergencyStop(reason: "wrong list", actor: .human("ann"))
            let stopped = try await store.receiveRelayMessage(Self.message(disposition: .relay(after: after)), breaker: SenderBreakerLimits())
            #expect(stopped.state == .held && stopped.holdReason == .stopped)
            let findingsFirst = try await store.receiveRelayMessage(Self.message(disposition: .hold), breaker: SenderBreakerLimits())
            #expect(findingsFirst.holdReason == .findings, "findings are named before the stop")
            #expect(try await store.relayMessage(RelayMessageID(rawValue: 999)) == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func filingRefusesWhatTheStoreCannotKeep(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            await #expect(throws: StoreError.self) { try await store.receiveRelayMessage(Self.message(to: []), breaker: Self.noBreaker) }
            await #expect(throws: StoreError.self) { try await store.receiveRelayMessage(Self.message(to: [""]), breaker: Self.noBreaker) }
            await #expect(throws: StoreText.nulError) {
                try await store.receiveRelayMessage(Self.message(to: ["a\u{0}b@example.org"]), breaker: Self.noBreaker)
            }
            let filed = try await store.relayMessages(states: nil, before: nil, limit: 10)
            #expect(filed.isEmpty, "nothing was filed")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theBreakerTripsAtTheThirtiethMessageOnceAndClosingResetsTheCount(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let limits = SenderBreakerLimits()
            for _ in 1...29 {
                let receipt = try await store.receiveRelayMessage(Self.message(), breaker: limits)
                #expect(receipt.state == .queued)
            }
            let other = try await store.receiveRelayMessage(Self.message(from: .mailFrom("Zed@Example.COM")), breaker: limits)
            #expect(other.state == .queued, "another sender has its own window")
            let thirtieth = try await store.receiveRelayMessage(Self.message(), breaker: limits)
            #expect(thirtieth.state == .held && thirtieth.holdReason == .breakerTripped && thirtieth.breakerTripped)
            let later = try await store.receiveRelayMessage(Self.message(disposition: .hold), breaker: limits)
            #expect(later.state == .held && later.holdReason == .breakerOpen && !later.breakerTripped)
            db.clock.advance(by: 3600)
            let muchLater = try await store.receiveRelayMessage(Self.message(), breaker: limits)
            #expect(muchLater.holdReason == .breakerOpen && !muchLater.breakerTripped, "an open breaker does not expire")

            let breakers = try await store.relayBreakers()
            #expect(breakers.count == 1)
            #expect(breakers.first?.sender == Self.ann && breakers.first?.trippedBy == thirtieth.id && breakers.first?.heldMessages == 3)

            #expect(try await store.closeRelayBreaker(Self.ann, actor: .human("cy")))
            #expect(try await store.closeRelayBreaker(Self.ann, actor: .human("cy")) == false, "it was not open any more")
            #expect(try await store.relayBreakers().isEmpty)
            let event = try #require(try await store.auditEvents(AuditQuery(action: "relay.breaker-close")).first)
            #expect(event.event.actor == .human("cy") && event.event.subjectID == "user ann")
            #expect(event.event.details["sender_name"] == .string("ann") && event.event.details["sender_kind"] == .string("user"))
            #expect(try await store.relayMessage(later.id)?.state == .held, "what it held stays held until a person decides")

            // Counted again from the close: the messages before it do not count, even in the window.
            for _ in 1...29 {
                #expect(try await store.receiveRelayMessage(Self.message(), breaker: limits).state == .queued)
            }
            let again = try await store.receiveRelayMessage(Self.message(), breaker: limits)
            #expect(again.breakerTripped && again.holdReason == .breakerTripped, "the 30th since the close trips it anew")
            #expect(try await store.relayBreakers().map(\.trippedBy) == [again.id])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theBreakerTripsAtTheHundredthDistinctRecipient(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let limits = SenderBreakerLimits()
            let ninetyNine = (0..<99).map { "r\($0)@example.org" }
            #expect(try await store.receiveRelayMessage(Self.message(to: ninetyNine), breaker: limits).state == .queued)
            let respelt = ninetyNine.map { $0.replacingOccurrences(of: "example.org", with: "EXAMPLE.org") }
            #expect(
                try await store.receiveRelayMessage(Self.message(to: respelt), breaker: limits).state == .queued,
                "the same 99 recipients (the domain's case does not count)")
            let hundredth = try await store.receiveRelayMessage(Self.message(to: ["R0@example.org"]), breaker: limits)
            #expect(hundredth.breakerTripped && hundredth.holdReason == .breakerTripped, "R0@ is not r0@: the 100th distinct recipient")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theWindowSlides(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let limits = SenderBreakerLimits()
            for _ in 1...28 { _ = try await store.receiveRelayMessage(Self.message(), breaker: limits) }
            db.clock.advance(by: 301)
            _ = try await store.receiveRelayMessage(Self.message(), breaker: limits)
            db.clock.advance(by: 300)  // 601 s after the first 28: only the one from 300 s ago counts
            for _ in 1...28 {
                #expect(try await store.receiveRelayMessage(Self.message(), breaker: limits).state == .queued)
            }
            #expect(try await store.receiveRelayMessage(Self.message(), breaker: limits).breakerTripped, "1 + 28 + this one make 30")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aWaitingMessageIsQueuedWhenItsUndoWindowEnds(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let receipt = try await store.receiveRelayMessage(
                Self.message(disposition: .relay(after: db.clock.now.addingTimeInterval(60))), breaker: Self.noBreaker)
            #expect(try await store.claimRelayDeliveries(worker: "w", limit: 10).isEmpty)
            #expect(try await store.relayMessage(receipt.id)?.state == .waiting)
            db.clock.advance(by: 61)
            let claimed = try await store.claimRelayDeliveries(worker: "w", limit: 10)
            #expect(claimed.map(\.recipient) == ["bo@example.org"] && claimed.first?.message == receipt.id)
            #expect(try await store.relayMessage(receipt.id)?.state == .queued)

            // While the emergency stop is latched, an undo window that runs out holds the message.
            let second = try await store.receiveRelayMessage(
                Self.message(disposition: .relay(after: db.clock.now.addingTimeInterval(60))), breaker: Self.noBreaker)
            _ = try await store.emergencyStop(reason: "test", actor: .human("ann"))
            db.clock.advance(by: 61)
            #expect(try await store.claimRelayDeliveries(worker: "w", limit: 10).isEmpty)
            let held = try #require(try await store.relayMessage(second.id))
            #expect(held.state == .held && held.holdReason == .stopped)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func recallReleaseAndDiscardAreAuditedAndRefusedInTheWrongState(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let waiting = try await store.receiveRelayMessage(
                Self.message(to: ["bo@example.org", "cy@example.org"], disposition: .relay(after: db.clock.now.addingTimeInterval(60))),
                breaker: Self.noBreaker)
            await #expect(throws: StoreError.self, "release needs a held message") {
                try await store.decideRelayMessage(waiting.id, .release(.original), actor: .human("cy"))
            }
            let recalled = try await store.decideRelayMessage(waiting.id, .recall, actor: .human("ann"))
            #expect(recalled.state == .held && recalled.holdReason == .recalled && recalled.decidedBy == "ann")
            #expect(recalled.decidedAt == SQLTime.truncated(db.clock.now))
            await #expect(throws: StoreError.self, "recall needs a waiting message") {
                try await store.decideRelayMessage(waiting.id, .recall, actor: .human("ann"))
            }
            db.clock.advance(by: 120)
            #expect(try await store.claimRelayDeliveries(worker: "w", limit: 10).isEmpty, "a recalled message does not go when its window ends")

            let released = try await store.decideRelayMessage(waiting.id, .release(.split), actor: .human("cy"))
            #expect(released.state == .queued && released.copyForm == .split && released.decidedBy == "cy")
            #expect(released.holdReason == .recalled, "why it was held is kept")
            #expect(released.recipients.allSatisfy { $0.state == .queued && $0.nextAttemptAt == SQLTime.truncated(db.clock.now) })
            await #expect(throws: StoreError.self) { try await store.decideRelayMessage(waiting.id, .discard, actor: .human("cy")) }
            let claimed = try await store.claimRelayDeliveries(worker: "w", limit: 10)
            #expect(claimed.map(\.copyForm) == [.split, .split] && claimed.map(\.mailFrom) == ["ann@shop.example", "ann@shop.example"])

            let held = try await store.receiveRelayMessage(Self.message(disposition: .hold), breaker: Self.noBreaker)
            let discarded = try await store.decideRelayMessage(held.id, .discard, actor: .human("cy"))
            #expect(discarded.state == .discarded && discarded.recipients.map(\.state) == [.discarded])
            await #expect(throws: StoreError.self) { try await store.decideRelayMessage(held.id, .release(.bcc), actor: .human("cy")) }
            await #expect(throws: StoreError.notFound(.relayMessage(RelayMessageID(rawValue: 999)))) {
                try await store.decideRelayMessage(RelayMessageID(rawValue: 999), .discard, actor: .human("cy"))
            }
            #expect(try await store.relayMessageBytes(held.id) != nil, "a discarded message's octets are kept")

            let events = try await store.auditEvents(AuditQuery(subjectKind: "relay-message"))
            #expect(
                events.map(\.event.action) == ["relay.recall", "relay.release", "relay.hold", "relay.discard"],
                "the hold when it was filed (for webhooks), the decisions; refusals leave no event")
            #expect(events[1].event.details["copy_form"] == .string("split") && events[1].event.details["sender"] == .string("user ann"))
            #expect(
                events.map(\.event.subjectID) == [
                    "\(waiting.id.rawValue)", "\(waiting.id.rawValue)", "\(held.id.rawValue)", "\(held.id.rawValue)",
                ])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aClaimMarksSendingAndSuppressesOptedOutAddresses(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            try await store.addSuppression(
                Suppression(address: try Fixture.address("gone@example.org"), reason: .unsubscribed, at: db.clock.now, source: "test"),
                actor: .system)
            let first = try await store.receiveRelayMessage(
                Self.message(to: ["bo@example.org", "Gone@Example.org", "not an address"]), breaker: Self.noBreaker)
            let second = try await store.receiveRelayMessage(Self.message(to: ["cy@example.org"]), breaker: Self.noBreaker)
            let onlyGone = try await store.receiveRelayMessage(Self.message(to: ["gone@example.org"]), breaker: Self.noBreaker)

            let claimed = try await store.claimRelayDeliveries(worker: "w1", limit: 10)
            #expect(claimed.map(\.recipient) == ["bo@example.org", "not an address", "cy@example.org"], "oldest message first")
            #expect(claimed.allSatisfy { $0.attempt == 1 })
            let record = try #require(try await store.relayMessage(first.id))
            #expect(record.recipients.map(\.state) == [.sending, .suppressed, .sending])
            #expect(record.recipients[0].attempts == 1 && record.recipients[1].attempts == 0)
            #expect(record.recipients[1].lastReply?.text == "suppressed: unsubscribed")
            #expect(try await store.relayMessage(onlyGone.id)?.state == .done, "its only recipient is suppressed")
            #expect(try await store.claimRelayDeliveries(worker: "w1", limit: 10).isEmpty, "sending and suppressed rows are not claimed again")
            #expect(try await store.relayMessage(second.id)?.recipients.first?.state == .sending)

            let third = try await store.receiveRelayMessage(Self.message(to: ["dee@example.org"]), breaker: Self.noBreaker)
            _ = try await store.emergencyStop(reason: "test", actor: .human("ann"))
            #expect(try await store.claimRelayDeliveries(worker: "w1", limit: 10).isEmpty, "nothing is claimed while the stop is latched")
            try await store.releaseLatch(named: Latch.emergencyStop, actor: .human("ann"))
            #expect(try await store.claimRelayDeliveries(worker: "w1", limit: 10).map(\.message) == [third.id])
        }
    }

    /// Sixty messages from one sender and some from others, all at once: they share transactions (group
    /// commit), yet the breaker counts every one (exactly 29 pass, one trips it, the rest find it open),
    /// and a message the store refuses fails alone.
    @Test(arguments: StoreBackend.allCases)
    func concurrentMessagesAreCountedExactlyAndABadOneFailsAlone(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let limits = SenderBreakerLimits()
            let bo = RelaySender.user("bo")
            let receipts = try await withThrowingTaskGroup(of: (RelaySender, Result<RelayReceipt, any Error>).self) { group in
                for index in 0..<80 {
                    let sender = index % 4 == 3 ? bo : Self.ann
                    // every tenth of bo's has a NUL in a recipient: the store refuses it inside the transaction
                    let recipient = sender == bo && index % 40 == 3 ? "x\u{0}y@example.org" : "p\(index)@example.org"
                    group.addTask {
                        let result: Result<RelayReceipt, any Error>
                        do {
                            result = .success(try await store.receiveRelayMessage(Self.message(from: sender, to: [recipient]), breaker: limits))
                        } catch {
                            result = .failure(error)
                        }
                        return (sender, result)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let ann = receipts.filter { $0.0 == Self.ann }.map(\.1)
            let annFiled = ann.compactMap { try? $0.get() }
            #expect(annFiled.count == 60)
            #expect(annFiled.filter { $0.state == .queued }.count == 29)
            #expect(annFiled.filter { $0.breakerTripped && $0.holdReason == .breakerTripped }.count == 1)
            #expect(annFiled.filter { $0.holdReason == .breakerOpen }.count == 30)
            let boResults = receipts.filter { $0.0 == bo }.map(\.1)
            let boFailed = boResults.filter { if case .failure = $0 { true } else { false } }
            #expect(boFailed.count == 2, "only the two messages with a NUL failed")
            #expect(boResults.compactMap { try? $0.get() }.allSatisfy { $0.state == .queued })
            let filed = try await store.relayMessages(states: nil, before: nil, limit: 100)
            #expect(filed.count == 78 && Set(filed.map(\.id)).count == 78)
            #expect(try await store.relayBreakers().map(\.sender) == [Self.ann])
        }
    }

    /// One transaction records a batch's outcomes and claims the next; with a limit of 0, or while the
    /// stop is latched, it only records.
    @Test(arguments: StoreBackend.allCases)
    func completeAndClaimRecordsEvenWhenNothingIsClaimed(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let receipt = try await store.receiveRelayMessage(
                Self.message(to: ["a@example.org", "b@example.org", "c@example.org"]), breaker: Self.noBreaker)
            let ok = SMTPReplyRecord(code: 250, text: "2.0.0 Ok")
            let first = try await store.completeAndClaimRelayDeliveries([], worker: "w", limit: 1)
            #expect(first.map(\.recipient) == ["a@example.org"])
            let second = try await store.completeAndClaimRelayDeliveries(
                first.map { RelayDeliveryOutcome(delivery: $0, result: .sent(ok)) }, worker: "w", limit: 1)
            #expect(second.map(\.recipient) == ["b@example.org"])
            #expect(try await store.relayMessage(receipt.id)?.recipients.map(\.state) == [.sent, .sending, .queued])
            #expect(
                try await store.completeAndClaimRelayDeliveries(
                    second.map { RelayDeliveryOutcome(delivery: $0, result: .sent(ok)) }, worker: "w", limit: 0
                )
                .isEmpty)
            #expect(try await store.relayMessage(receipt.id)?.recipients.map(\.state) == [.sent, .sent, .queued])
            let third = try await store.claimRelayDeliveries(worker: "w", limit: 5)
            _ = try await store.emergencyStop(reason: "drill", actor: .human("ann"))
            #expect(
                try await store.completeAndClaimRelayDeliveries(
                    third.map { RelayDeliveryOutcome(delivery: $0, result: .sent(ok)) }, worker: "w", limit: 5
                )
                .isEmpty)
            let record = try #require(try await store.relayMessage(receipt.id))
            #expect(record.state == .done && record.recipients.map(\.state) == [.sent, .sent, .sent])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func outcomesAreRecordedAndAMessageIsDoneWhenEveryRecipientIsFinal(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let receipt = try await store.receiveRelayMessage(
                Self.message(to: ["a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org"]), breaker: Self.noBreaker)
            let claimed = try await store.claimRelayDeliveries(worker: "w", limit: 10)
            #expect(claimed.count == 5)
            let ok = SMTPReplyRecord(code: 250, text: "2.0.0 Ok")
            let later = SMTPReplyRecord(code: 451, text: "4.3.0 try later")
            let start = db.clock.now
            let results: [RelayDeliveryOutcome.Result] = [
                .sent(ok), .deferred(later, retryAt: start.addingTimeInterval(300)), .postponed(later, retryAt: start.addingTimeInterval(60)),
                .failed(SMTPReplyRecord(code: 550, text: "5.1.1 unknown")), .uncertain(SMTPReplyRecord(code: 0, text: "connection lost")),
            ]
            let outcomes = zip(claimed, results).map { RelayDeliveryOutcome(delivery: $0, result: $1) }
            #expect(try await store.completeRelayDeliveries(outcomes) == 5)
            #expect(try await store.completeRelayDeliveries(outcomes) == 0, "rows no longer sending are left alone")
            var record = try #require(try await store.relayMessage(receipt.id))
            #expect(record.recipients.map(\.state) == [.sent, .queued, .queued, .failed, .uncertain])
            #expect(record.recipients.map(\.attempts) == [1, 1, 0, 1, 1], "a postponed attempt is not charged")
            #expect(record.recipients[1].nextAttemptAt == SQLTime.truncated(start.addingTimeInterval(300)))
            #expect(record.recipients[2].nextAttemptAt == SQLTime.truncated(start.addingTimeInterval(60)))
            #expect(record.recipients[1].lastReply == later && record.recipients[0].lastReply == ok)
            #expect(record.state == .queued)

            #expect(try await store.claimRelayDeliveries(worker: "w", limit: 10).isEmpty, "nothing is due yet")
            db.clock.advance(by: 61)
            let postponed = try await store.claimRelayDeliveries(worker: "w", limit: 10)
            #expect(postponed.map(\.recipient) == ["c@example.org"] && postponed.first?.attempt == 1)
            db.clock.advance(by: 240)
            let deferred = try await store.claimRelayDeliveries(worker: "w", limit: 10)
            #expect(deferred.map(\.recipient) == ["b@example.org"] && deferred.first?.attempt == 2)
            #expect(
                try await store.completeRelayDeliveries((postponed + deferred).map { RelayDeliveryOutcome(delivery: $0, result: .sent(ok)) }) == 2)
            record = try #require(try await store.relayMessage(receipt.id))
            #expect(record.state == .done && record.recipients.map(\.state) == [.sent, .sent, .sent, .failed, .uncertain])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func recoveryMakesAWorkersSendingRecipientsUncertain(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let first = try await store.receiveRelayMessage(Self.message(to: ["a@example.org", "b@example.org"]), breaker: Self.noBreaker)
            let second = try await store.receiveRelayMessage(Self.message(to: ["c@example.org"]), breaker: Self.noBreaker)
            #expect(try await store.claimRelayDeliveries(worker: "w1", limit: 2).count == 2)
            #expect(try await store.claimRelayDeliveries(worker: "w2", limit: 2).count == 1)
            let unclaimed = try await store.receiveRelayMessage(Self.message(to: ["d@example.org"]), breaker: Self.noBreaker)
            #expect(try await store.recoverRelayDeliveries(worker: "w1") == 2)
            #expect(try await store.recoverRelayDeliveries(worker: "w1") == 0)
            let record = try #require(try await store.relayMessage(first.id))
            #expect(record.state == .done && record.recipients.map(\.state) == [.uncertain, .uncertain])
            #expect(record.recipients.first?.lastReply?.text == "interrupted while sending")
            #expect(try await store.relayMessage(second.id)?.recipients.first?.state == .sending, "another worker's claim is left alone")
            #expect(try await store.relayMessage(unclaimed.id)?.recipients.first?.state == .queued, "a recipient nobody claimed is left alone")
        }
    }

    /// Second review of 2026-12-05: a relay worker whose claim was recovered by another (an overlapping
    /// restart under the same name) keeps its copies back at the last look, opted out or not.
    @Test(arguments: StoreBackend.allCases)
    func recipientsNoLongerInTheClaimAreKeptBack(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            _ = try await store.receiveRelayMessage(Self.message(to: ["a@example.org", "b@example.org"]), breaker: Self.noBreaker)
            let claimed = try await store.claimRelayDeliveries(worker: "relay:host", limit: 2)
            #expect(claimed.count == 2)
            #expect(try await store.withdrawOptedOutRelayDeliveries(claimed).isEmpty, "still this claim's, nobody opted out")
            #expect(try await store.recoverRelayDeliveries(worker: "relay:host") == 2)
            #expect(try await store.withdrawOptedOutRelayDeliveries(claimed) == Set(claimed.map(\.id)))
            #expect(try await store.relayMessage(claimed[0].message)?.recipients.map(\.state) == [.uncertain, .uncertain])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theSendersNoticeIsMarkedOnce(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let held = try await store.receiveRelayMessage(Self.message(disposition: .hold), breaker: Self.noBreaker)
            #expect(try await store.markRelaySenderNotified(held.id))
            #expect(try await store.markRelaySenderNotified(held.id) == false)
            #expect(try await store.relayMessage(held.id)?.senderNotified == true)
            await #expect(throws: StoreError.notFound(.relayMessage(RelayMessageID(rawValue: 999)))) {
                try await store.markRelaySenderNotified(RelayMessageID(rawValue: 999))
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theOctetsRoundTripExactly(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let bytes = Array(0...255).map(UInt8.init) + [0, 0, 0xFF, 0xC3, 0x28, 0x0D, 0x0A]
            let receipt = try await store.receiveRelayMessage(Self.message(bytes: bytes), breaker: Self.noBreaker)
            #expect(try await store.relayMessageBytes(receipt.id) == bytes)
            #expect(try await store.relayMessage(receipt.id)?.size == bytes.count)
            let empty = try await store.receiveRelayMessage(Self.message(bytes: []), breaker: Self.noBreaker)
            #expect(try await store.relayMessageBytes(empty.id) == [])
            #expect(try await store.relayMessageBytes(RelayMessageID(rawValue: 999)) == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func listingIsNewestFirstFilteredAndPaged(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            var ids: [RelayMessageID] = []
            for index in 0..<5 {
                let disposition: NewRelayMessage.Disposition = index.isMultiple(of: 2) ? .hold : .relay(after: nil)
                ids.append(
                    try await store.receiveRelayMessage(
                        Self.message(to: ["r\(index)@example.org"], disposition: disposition), breaker: Self.noBreaker
                    ).id)
            }
            let firstPage = try await store.relayMessages(states: nil, before: nil, limit: 2)
            #expect(firstPage.map(\.id) == [ids[4], ids[3]])
            #expect(firstPage.map { $0.recipients.map(\.address) } == [["r4@example.org"], ["r3@example.org"]])
            let secondPage = try await store.relayMessages(states: nil, before: firstPage.last?.id, limit: 2)
            #expect(secondPage.map(\.id) == [ids[2], ids[1]])
            #expect(try await store.relayMessages(states: nil, before: ids[1], limit: 2).map(\.id) == [ids[0]])
            #expect(try await store.relayMessages(states: [.held], before: nil, limit: 10).map(\.id) == [ids[4], ids[2], ids[0]])
            #expect(try await store.relayMessages(states: [.held, .queued], before: ids[2], limit: 10).map(\.id) == [ids[1], ids[0]])
            #expect(try await store.relayMessages(states: [], before: nil, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentClaimersNeverShareARecipient(backend: StoreBackend) async throws {
        let db = try TestDatabase(backend)
        let first = try await db.open()
        let second = try await db.open()  // a second "process" on the same database
        var messages: [RelayMessageID] = []
        for index in 0..<40 {
            let recipients = (0..<5).map { "r\(index)-\($0)@example.org" }
            messages.append(try await first.receiveRelayMessage(Self.message(to: recipients), breaker: Self.noBreaker).id)
        }
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<4 {
                let store = worker.isMultiple(of: 2) ? first : second
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let batch = try await store.claimRelayDeliveries(worker: "w\(worker)", limit: 7)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.id)
                        try await store.completeRelayDeliveries(batch.map { RelayDeliveryOutcome(delivery: $0, result: .sent(Fixture.ok)) })
                    }
                }
            }
            var all: [[Int64]] = []
            for try await ids in group { all.append(ids) }
            return all
        }
        let flat = claimed.flatMap { $0 }
        #expect(flat.count == 200)
        #expect(Set(flat).count == 200, "no recipient was claimed twice")
        let done = try await second.relayMessages(states: [.done], before: nil, limit: 100)
        #expect(done.count == 40 && done.allSatisfy { $0.recipients.allSatisfy { $0.state == .sent && $0.attempts == 1 } })
        await db.close(first)
        await db.close(second)
        db.discard()
    }
}

/// Held mail never leaves the hold queue by itself (Postal's held mail vanished after 7 days: #872).
@Suite("Store conformance: held relay mail does not expire")
struct HeldRelayMailDoesNotExpireTests {
    @Test(arguments: StoreBackend.allCases)
    func aHeldMessageIsStillHeldAYearLaterAndNothingClaimsIt(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let held = try await store.receiveRelayMessage(
                RelayConformanceTests.message(to: ["bo@example.org", "cy@example.org"], disposition: .hold), breaker: RelayConformanceTests.noBreaker)
            let queued = try await store.receiveRelayMessage(RelayConformanceTests.message(), breaker: RelayConformanceTests.noBreaker)
            #expect(held.state == .held && queued.state == .queued)
            for days in [8, 31, 366] {
                db.clock.advance(by: Double(days) * 86_400)
                // A deliverer's pass a long time later: it claims the queued message's recipient, never the held ones.
                let claimed = try await store.completeAndClaimRelayDeliveries([], worker: "w-\(days)", limit: 100)
                #expect(claimed.map(\.message) == (days == 8 ? [queued.id] : []), "after \(days) more days: \(claimed.map(\.message))")
                #expect(try await store.relayMessage(held.id)?.state == .held, "after \(days) more days")
                #expect(try await store.relayMessages(states: [.held], before: nil, limit: 10).map(\.id) == [held.id])
                #expect(try await store.relayMessageBytes(held.id) == RelayConformanceTests.message().bytes, "its bytes are kept")
            }
        }
    }
}
