import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: lists, subscribers, consent, suppression")
struct SubscriberConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func listsHaveUniqueNames(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let news = try await store.createList(name: "news", description: "Monthly news")
            _ = try await store.createList(name: "alerts", description: "")
            await #expect(throws: StoreError.duplicate(kind: "list", key: "news")) {
                try await store.createList(name: "news", description: "again")
            }
            #expect(try await store.list(named: "news") == news)
            #expect(try await store.list(id: news.id)?.description == "Monthly news")
            #expect(news.createdAt == SQLTime.truncated(db.clock.now))
            #expect(try await store.allLists().map(\.name) == ["alerts", "news"])
            #expect(try await store.list(named: "missing") == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func subscribersAreKeyedByNormalisedAddressAndMergeAttributes(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let first = try await store.upsertSubscriber(
                address: try Fixture.address("Ann@Example.com"), name: "Ann",
                attributes: ["plan": "free", "seats": 1])
            let second = try await store.upsertSubscriber(
                address: try Fixture.address("Ann@EXAMPLE.COM"), name: nil,
                attributes: ["plan": "pro", "country": "DE"])
            #expect(second.id == first.id)
            #expect(second.name == "Ann")
            #expect(second.attributes == ["plan": "pro", "seats": 1, "country": "DE"])
            #expect(try await store.subscriber(address: try Fixture.address("Ann@example.COM")) == second)
            #expect(try await store.subscriber(id: first.id)?.address.value == "ann@example.com")
            let same = try await store.upsertSubscriber(address: try Fixture.address("ANN@example.com"), name: nil, attributes: [:])
            #expect(same.id == first.id, "one person whatever the case of the local part")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func membershipAndConsentAreStoredTogether(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            let ann = try await store.upsertSubscriber(address: try Fixture.address("ann@example.com"), name: nil, attributes: [:])
            let given = Fixture.consent(.given, at: db.clock.now, method: .doubleOptIn)
            let membership = try await store.setMembership(list: list.id, subscriber: ann.id, status: .confirmed, consent: given)
            #expect(membership.status == .confirmed && membership.lastImportID == nil)
            #expect(try await store.membership(list: list.id, subscriber: ann.id) == membership)

            // The consent insert fails inside the database (empty method): the status change rolls back too.
            let bad = ConsentEvidence(kind: .withdrawn, at: db.clock.now, method: .other(""), source: "form")
            await #expect(throws: StoreError.self) {
                try await store.setMembership(list: list.id, subscriber: ann.id, status: .unsubscribed, consent: bad)
            }
            #expect(try await store.membership(list: list.id, subscriber: ann.id)?.status == .confirmed)
            let records = try await store.consentRecords(subscriber: ann.id)
            #expect(
                records.map(\.evidence) == [
                    ConsentEvidence(
                        kind: .given, at: SQLTime.truncated(db.clock.now), method: .doubleOptIn, source: "https://example.com/signup",
                        ipOrChannel: "192.0.2.7", textShown: "Yes, send me the monthly news.")
                ])
            #expect(records.first?.listID == list.id)

            await #expect(throws: StoreError.notFound(.list(ListID(rawValue: 999)))) {
                try await store.setMembership(list: ListID(rawValue: 999), subscriber: ann.id, status: .confirmed, consent: given)
            }
            #expect(try await store.consentRecords(subscriber: ann.id).count == 1)

            db.clock.advance(by: 60)
            let withdrawn = Fixture.consent(.withdrawn, at: db.clock.now, method: .oneClick)
            _ = try await store.setMembership(list: list.id, subscriber: ann.id, status: .unsubscribed, consent: withdrawn)
            _ = try await store.appendConsent(subscriber: ann.id, list: list.id, evidence: Fixture.consent(.given, at: db.clock.now, method: .api))
            #expect(try await store.consentRecords(subscriber: ann.id).map(\.evidence.method) == [.doubleOptIn, .oneClick, .api])
            #expect(try await store.membershipCounts(list: list.id) == [.confirmed: 0, .unconfirmed: 0, .unsubscribed: 1])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func suppressionListIsGlobalPagedAndAudited(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let bounce = Suppression(
                address: try Fixture.address("b@example.com"), reason: .hardBounce, at: db.clock.now,
                source: "campaign 1", note: "550 5.1.1 no such user")
            #expect(try await store.addSuppression(bounce, actor: .system))
            #expect(
                try await store.addSuppression(
                    Suppression(
                        address: try Fixture.address("b@EXAMPLE.com"), reason: .manual,
                        at: db.clock.now, source: "ops"), actor: .human("ann")) == false)
            #expect(
                try await store.addSuppression(
                    Suppression(
                        address: try Fixture.address("a@example.com"), reason: .complaint,
                        at: db.clock.now, source: "arf"), actor: .system))
            let found = try await store.suppressedAddresses(among: [
                try Fixture.address("a@example.com"),
                try Fixture.address("b@example.com"),
                try Fixture.address("c@example.com"),
            ])
            #expect(found == [try Fixture.address("a@example.com"), try Fixture.address("b@example.com")])
            #expect(try await store.suppressedAddresses(among: []) == [])
            let page1 = try await store.suppressions(after: nil, limit: 1)
            #expect(page1.map(\.address.value) == ["a@example.com"])
            let page2 = try await store.suppressions(after: page1.last?.address, limit: 10)
            #expect(
                page2 == [
                    Suppression(
                        address: bounce.address, reason: .hardBounce, at: SQLTime.truncated(db.clock.now),
                        source: "campaign 1", note: "550 5.1.1 no such user")
                ])
            #expect(try await store.removeSuppression(try Fixture.address("b@example.com"), actor: .human("ann")))
            #expect(try await store.removeSuppression(try Fixture.address("b@example.com"), actor: .human("ann")) == false)
            let audit = try await store.auditEvents(AuditQuery(subjectKind: "suppression"))
            #expect(audit.map(\.event.action) == ["suppression.add", "suppression.add", "suppression.remove"])
            #expect(audit.last?.event.actor == .human("ann"))
            #expect(audit.last?.event.details == ["reason": "hard-bounce"])
        }
    }
}
