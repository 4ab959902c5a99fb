import Foundation
import Testing

@testable import BulkheadStore

/// The public sign-up with double opt-in and the preference page's unsubscribe, on both backends.
@Suite("Store conformance: sign-up, confirmation, preferences")
struct SignUpConformanceTests {
    static let limits = SignUpLimits(perAddressInterval: 600, perClientPerHour: 3, perListPerHour: 100)

    static func request(_ list: ListID, _ address: String, client: String = "192.0.2.1") throws -> SignUpRequest {
        SignUpRequest(list: list, address: try Fixture.address(address), name: "Ann", client: client)
    }

    static func confirmation(_ db: TestDatabase) -> ConsentEvidence {
        ConsentEvidence(
            kind: .given, at: db.clock.now, method: .doubleOptIn, source: "sign-up form", ipOrChannel: "peer 192.0.2.1", textShown: "Yes")
    }

    @Test(arguments: StoreBackend.allCases)
    func aListTakesNoSignUpsUntilSetAndTheSettingIsAudited(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            #expect(try await store.listSignUp(list.id) == .off)
            #expect(try await store.requestSignUp(try Self.request(list.id, "ann@example.org"), limits: Self.limits) == .closed)
            #expect(try await store.subscriber(address: try Fixture.address("ann@example.org")) == nil, "a closed list stores nothing")
            try await store.setListSignUp(list.id, .doubleOptIn, actor: .human("ann"))
            #expect(try await store.listSignUp(list.id) == .doubleOptIn)
            let events = try await store.auditEvents(AuditQuery(action: "list.sign-up"))
            #expect(events.count == 1 && events.first?.event.details["sign_up"] == .string("double-opt-in"))
            await #expect(throws: StoreError.self) { try await store.setListSignUp(ListID(rawValue: 999), .off, actor: .system) }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aSignUpIsUnconfirmedUntilConfirmedThenConfirmedOnceWithConsent(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await store.setListSignUp(list.id, .doubleOptIn, actor: .system)
            guard case .sendConfirmation(let id) = try await store.requestSignUp(try Self.request(list.id, "ann@example.org"), limits: Self.limits)
            else {
                Issue.record("expected a confirmation mail")
                return
            }
            #expect(try await store.membership(list: list.id, subscriber: id)?.status == .unconfirmed)
            #expect(try await store.consentRecords(subscriber: id).isEmpty, "a form request is no consent")
            let issued = db.clock.now
            db.clock.advance(by: 60)
            #expect(
                try await store.confirmSignUp(list: list.id, subscriber: id, issuedAt: issued, evidence: Self.confirmation(db))
                    == .confirmed(suppressed: false))
            #expect(
                try await store.confirmSignUp(list: list.id, subscriber: id, issuedAt: issued, evidence: Self.confirmation(db))
                    == .alreadyConfirmed(suppressed: false))
            #expect(try await store.membership(list: list.id, subscriber: id)?.status == .confirmed)
            let records = try await store.consentRecords(subscriber: id)
            #expect(records.map(\.evidence.method) == [.doubleOptIn], "one consent record, however often confirmed")
            #expect(try await store.requestSignUp(try Self.request(list.id, "ann@example.org"), limits: Self.limits) == .alreadyConfirmed)
            #expect(try await store.membership(list: list.id, subscriber: id)?.status == .confirmed, "never downgraded")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func anUnsubscribedPersonStaysUnsubscribedUntilConfirmingAndOldLinksDieWithAnUnsubscribe(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await store.setListSignUp(list.id, .doubleOptIn, actor: .system)
            let ann = try #require(
                try await Fixture.members(store, list: list.id, ["ann@example.org"], status: .unsubscribed, at: db.clock.now).first)
            db.clock.advance(by: 5)
            #expect(try await store.requestSignUp(try Self.request(list.id, "ann@example.org"), limits: Self.limits) == .sendConfirmation(ann.id))
            #expect(try await store.membership(list: list.id, subscriber: ann.id)?.status == .unsubscribed)
            let issued = db.clock.now
            db.clock.advance(by: 5)
            _ = try await store.confirmSignUp(list: list.id, subscriber: ann.id, issuedAt: issued, evidence: Self.confirmation(db))
            #expect(try await store.membership(list: list.id, subscriber: ann.id)?.status == .confirmed)
            db.clock.advance(by: 5)
            #expect(try await store.leaveLists(subscriber: ann.id, lists: nil, evidence: Fixture.consent(.withdrawn, at: db.clock.now)) == [list.id])
            db.clock.advance(by: 5)
            #expect(
                try await store.confirmSignUp(list: list.id, subscriber: ann.id, issuedAt: issued, evidence: Self.confirmation(db)) == .stale,
                "a link sent before an unsubscribe does not subscribe again")
            #expect(try await store.membership(list: list.id, subscriber: ann.id)?.status == .unsubscribed)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func suppressedAddressesGetNothingAndStaySuppressed(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await store.setListSignUp(list.id, .doubleOptIn, actor: .system)
            let bob = try Fixture.address("bob@example.org")
            _ = try await store.addSuppression(Suppression(address: bob, reason: .complaint, at: db.clock.now, source: "test"), actor: .system)
            #expect(try await store.requestSignUp(try Self.request(list.id, "bob@example.org"), limits: Self.limits) == .suppressed)
            #expect(try await store.subscriber(address: bob) == nil)
            // Suppressed after the link went out: confirming records consent, the suppression stays.
            guard case .sendConfirmation(let cid) = try await store.requestSignUp(try Self.request(list.id, "cid@example.org"), limits: Self.limits)
            else {
                Issue.record("expected a confirmation mail")
                return
            }
            let cidAddress = try Fixture.address("cid@example.org")
            _ = try await store.addSuppression(
                Suppression(address: cidAddress, reason: .hardBounce, at: db.clock.now, source: "test"), actor: .system)
            #expect(
                try await store.confirmSignUp(list: list.id, subscriber: cid, issuedAt: db.clock.now, evidence: Self.confirmation(db))
                    == .confirmed(suppressed: true))
            #expect(try await store.suppression(address: cidAddress) != nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theLimitsCountMailsPerAddressPerClientAndPerList(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await store.setListSignUp(list.id, .doubleOptIn, actor: .system)
            guard case .sendConfirmation = try await store.requestSignUp(try Self.request(list.id, "a@example.org"), limits: Self.limits) else {
                Issue.record("expected a confirmation mail")
                return
            }
            #expect(
                try await store.requestSignUp(try Self.request(list.id, "a@example.org", client: "198.51.100.9"), limits: Self.limits)
                    == .throttled(.address), "one mail per address and list per 10 minutes, whoever asks")
            for name in ["b", "c"] {
                guard case .sendConfirmation = try await store.requestSignUp(try Self.request(list.id, "\(name)@example.org"), limits: Self.limits)
                else {
                    Issue.record("expected a confirmation mail")
                    return
                }
            }
            #expect(try await store.requestSignUp(try Self.request(list.id, "d@example.org"), limits: Self.limits) == .throttled(.client))
            #expect(try await store.subscriber(address: try Fixture.address("d@example.org")) == nil, "a refused request stores nothing")
            let perList = SignUpLimits(perAddressInterval: 600, perClientPerHour: 100, perListPerHour: 4)
            guard case .sendConfirmation = try await store.requestSignUp(try Self.request(list.id, "e@example.org", client: "x"), limits: perList)
            else {
                Issue.record("expected a confirmation mail")
                return
            }
            #expect(try await store.requestSignUp(try Self.request(list.id, "f@example.org", client: "x"), limits: perList) == .throttled(.list))
            db.clock.advance(by: 601)
            guard case .sendConfirmation = try await store.requestSignUp(try Self.request(list.id, "a@example.org", client: "y"), limits: Self.limits)
            else {
                Issue.record("after 10 minutes the address may ask again")
                return
            }
            db.clock.advance(by: 3_600)
            guard case .sendConfirmation = try await store.requestSignUp(try Self.request(list.id, "d@example.org"), limits: Self.limits) else {
                Issue.record("after an hour the client may ask again")
                return
            }
        }
    }

    /// Review of 2026-12-05: anyone could make the form mail a person who unsubscribed from the list
    /// every 10 minutes. Now once in 30 days (they can still come back by themselves).
    @Test(arguments: StoreBackend.allCases)
    func aPersonWhoUnsubscribedGetsOneConfirmationIn30Days(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await store.setListSignUp(list.id, .doubleOptIn, actor: .system)
            let ann = try #require(try await Fixture.members(store, list: list.id, ["ann@example.org"], at: db.clock.now).first)
            _ = try await store.setMembership(
                list: list.id, subscriber: ann.id, status: .unsubscribed, consent: Fixture.consent(.withdrawn, at: db.clock.now))
            let limits = SignUpLimits(perAddressInterval: 600, perClientPerHour: 100, perListPerHour: 100)
            #expect(try await store.requestSignUp(try Self.request(list.id, "ANN@Example.org"), limits: limits) == .sendConfirmation(ann.id))
            db.clock.advance(by: 86_400)
            #expect(try await store.requestSignUp(try Self.request(list.id, "ann@example.org", client: "b"), limits: limits) == .throttled(.address))
            db.clock.advance(by: 28 * 86_400)
            #expect(try await store.requestSignUp(try Self.request(list.id, "ann@example.org", client: "c"), limits: limits) == .throttled(.address))
            db.clock.advance(by: 86_400 + 1)
            #expect(
                try await store.requestSignUp(try Self.request(list.id, "ann@example.org", client: "d"), limits: limits) == .sendConfirmation(ann.id))
            let membership = try await store.membership(list: list.id, subscriber: ann.id)
            #expect(membership?.status == .unsubscribed, "the request alone changes nothing")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func leavingListsChangesExactlyTheChosenMembershipsOfThatPerson(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let news = try await store.createList(name: "news", description: "")
            let offers = try await store.createList(name: "offers", description: "")
            let other = try await store.createList(name: "other", description: "")
            let ann = try #require(try await Fixture.members(store, list: news.id, ["ann@example.org"], at: db.clock.now).first)
            _ = try await Fixture.members(store, list: offers.id, ["ann@example.org"], at: db.clock.now)
            let ben = try #require(try await Fixture.members(store, list: news.id, ["ben@example.org"], at: db.clock.now).first)
            let evidence = ConsentEvidence(kind: .withdrawn, at: db.clock.now, method: .other("preference-page"), source: "preference page")
            #expect(try await store.leaveLists(subscriber: ann.id, lists: [news.id, other.id], evidence: evidence) == [news.id])
            #expect(try await store.membership(list: news.id, subscriber: ann.id)?.status == .unsubscribed)
            #expect(try await store.membership(list: offers.id, subscriber: ann.id)?.status == .confirmed)
            #expect(try await store.membership(list: other.id, subscriber: ann.id) == nil, "no membership is made")
            #expect(try await store.membership(list: news.id, subscriber: ben.id)?.status == .confirmed, "nobody else changes")
            #expect(try await store.leaveLists(subscriber: ann.id, lists: nil, evidence: evidence) == [offers.id])
            #expect(try await store.leaveLists(subscriber: ann.id, lists: nil, evidence: evidence) == [])
            #expect(try await store.consentRecords(subscriber: ann.id).filter { $0.evidence.source == "preference page" }.count == 2)
        }
    }
}
