import BulkheadPolicy
import Foundation
import Testing

@testable import BulkheadStore

/// Hosted lists: creation, posting policies, the emergency switch, expansion to the members a
/// campaign could reach, reply-all storms and the membership check at claim time, on both backends.
@Suite("Store conformance: hosted lists")
struct ListConformanceTests {
    static func hosting(_ address: String, policy: ListPostPolicy? = .members, posters: [String] = []) throws -> ListHosting {
        ListHosting(address: try Fixture.address(address), policy: policy, owner: nil, posters: try posters.map(Fixture.address))
    }

    /// A post from `poster` to `list`, referencing `references`.
    static func post(
        _ list: HostedList, from poster: String, subject: String = "Hello", references: [String] = [], messageID: String? = nil,
        findings: [Finding] = []
    ) throws -> NewListPost {
        NewListPost(
            list: list.listID,
            message: NewRelayMessage(
                sender: .mailFrom(poster), mailFrom: poster, recipients: [list.address], clientAddress: "192.0.2.1",
                bytes: Array("From: \(poster)\r\nSubject: \(subject)\r\n\r\nHi\r\n".utf8), subject: subject, findings: findings,
                disposition: RelayRules.holds(findings) ? .hold : .relay(after: nil)),
            poster: try Fixture.address(poster), messageID: messageID, references: references, subject: ThreadSubject(subject))
    }

    static func receipt(_ result: ListPostReceipt) -> (RelayReceipt, Int)? {
        if case .filed(let receipt, let recipients) = result { (receipt, recipients) } else { nil }
    }

    @Test(arguments: StoreBackend.allCases)
    func aHostedListIsCreatedOnceAndFoundByItsAddress(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createHostedList(
                name: "All staff", description: "", hosting: try Self.hosting("All@Lists.Example", policy: .announce, posters: ["ceo@example.com"]),
                actor: .human("ann"))
            #expect(list.address == "All@lists.example" || list.address == "all@lists.example")
            #expect(list.explicitPolicy == .announce && list.posters == ["ceo@example.com"] && !list.emergency && list.members == 0)
            #expect(list.listIdentifier == "all-staff.lists.example")
            #expect(try await store.hostedList(address: try Fixture.address("all@LISTS.example")) == list)
            #expect(try await store.hostedLists() == [list])
            await #expect(throws: StoreError.duplicate(kind: "list address", key: list.address)) {
                try await store.createHostedList(name: "Other", description: "", hosting: try Self.hosting(list.address), actor: .system)
            }
            await #expect(throws: StoreError.duplicate(kind: "list", key: "All staff")) {
                try await store.createHostedList(name: "All staff", description: "", hosting: try Self.hosting("x@lists.example"), actor: .system)
            }
            #expect(try await store.list(named: "Other") == nil, "a refused creation leaves nothing behind")
            let plain = try await store.createList(name: "plain", description: "")
            #expect(try await store.hostedList(plain.id) == nil)
            await #expect(throws: StoreError.notFound(.list(plain.id))) { try await store.setListEmergency(plain.id, on: true, actor: .system) }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aPostGoesToEveryMemberACampaignCouldReachAndNobodyElse(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            var list = try await store.createHostedList(name: "all", description: "", hosting: try Self.hosting("all@lists.example"), actor: .system)
            try await Fixture.members(store, list: list.listID, ["a@example.org", "b@example.org", "c@example.org"], at: db.clock.now)
            try await Fixture.members(store, list: list.listID, ["pending@example.org"], status: .unconfirmed, at: db.clock.now)
            _ = try await store.addSuppression(
                Suppression(address: try Fixture.address("c@example.org"), reason: .complaint, at: db.clock.now, source: "test"), actor: .system)
            list = try #require(try await store.hostedList(list.listID))
            let filed = try #require(
                Self.receipt(try await store.receiveListPost(try Self.post(list, from: "a@example.org"), limits: ListPostLimits())))
            #expect(filed.0.state == .queued && filed.1 == 2, "c is suppressed, pending is not confirmed")
            let record = try #require(try await store.relayMessage(filed.0.id))
            #expect(record.list == list.listID && Set(record.recipients.map(\.address)) == ["a@example.org", "b@example.org"])

            // b leaves before the copy goes: it is not sent to b
            let b = try #require(try await store.subscriber(address: try Fixture.address("b@example.org")))
            _ = try await store.setMembership(
                list: list.listID, subscriber: b.id, status: .unsubscribed, consent: Fixture.consent(.withdrawn, at: db.clock.now))
            let claimed = try await store.claimRelayDeliveries(worker: "w", limit: 10)
            #expect(claimed.map(\.recipient) == ["a@example.org"])
            #expect(claimed.first?.listMember?.list == list.listID)
            let after = try #require(try await store.relayMessage(filed.0.id))
            #expect(after.recipients.first { $0.address == "b@example.org" }?.state == .suppressed)
            #expect(after.recipients.first { $0.address == "b@example.org" }?.lastReply?.text == "no longer a confirmed member of the list")

            await #expect(throws: StoreError.self) { try await store.decideRelayMessage(filed.0.id, .release(.split), actor: .system) }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func policiesRefuseOrHoldAndTheSwitchesHold(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let members = try await store.createHostedList(name: "m", description: "", hosting: try Self.hosting("m@lists.example"), actor: .system)
            try await Fixture.members(store, list: members.listID, ["a@example.org"], at: db.clock.now)
            let limits = ListPostLimits(moderateFrom: 2)
            #expect(try await store.receiveListPost(try Self.post(members, from: "stranger@example.org"), limits: limits) == .refused(.notMember))
            #expect(Self.receipt(try await store.receiveListPost(try Self.post(members, from: "A@Example.ORG"), limits: limits))?.0.state == .queued)

            let announce = try await store.createHostedList(
                name: "n", description: "", hosting: try Self.hosting("n@lists.example", policy: .announce, posters: ["ceo@example.com"]),
                actor: .system)
            #expect(try await store.receiveListPost(try Self.post(announce, from: "a@example.org"), limits: limits) == .refused(.notPoster))
            #expect(Self.receipt(try await store.receiveListPost(try Self.post(announce, from: "ceo@example.com"), limits: limits)) != nil)

            // no --policy: members below moderateFrom, moderated from it on (counted at posting time)
            let sized = try await store.createHostedList(
                name: "s", description: "", hosting: try Self.hosting("s@lists.example", policy: nil), actor: .system)
            try await Fixture.members(store, list: sized.listID, ["a@example.org"], at: db.clock.now)
            #expect(Self.receipt(try await store.receiveListPost(try Self.post(sized, from: "a@example.org"), limits: limits))?.0.state == .queued)
            try await Fixture.members(store, list: sized.listID, ["b@example.org"], at: db.clock.now)
            let moderated = try #require(Self.receipt(try await store.receiveListPost(try Self.post(sized, from: "a@example.org"), limits: limits)))
            #expect(moderated.0.state == .held && moderated.0.holdReason == .findings)
            #expect(try await store.relayMessage(moderated.0.id)?.findings.map(\.code) == ["list.moderated"])

            let open = try await store.createHostedList(
                name: "o", description: "", hosting: try Self.hosting("o@lists.example", policy: .open), actor: .system)
            _ = try await store.setListEmergency(open.listID, on: true, actor: .human("ann"))
            let held = try #require(Self.receipt(try await store.receiveListPost(try Self.post(open, from: "x@example.org"), limits: limits)))
            #expect(held.0.state == .held && held.1 == 0)
            #expect(try await store.relayMessage(held.0.id)?.findings.map(\.code) == ["list.emergency"])
            _ = try await store.setListEmergency(open.listID, on: false, actor: .human("ann"))
            _ = try await store.emergencyStop(reason: "drill", actor: .human("ann"))
            let stopped = try #require(Self.receipt(try await store.receiveListPost(try Self.post(open, from: "x@example.org"), limits: limits)))
            #expect(stopped.0.state == .held && stopped.0.holdReason == .stopped)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func tenRepliesPassTheEleventhStartsAStormAndEachSenderIsToldOnce(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createHostedList(
                name: "big", description: "", hosting: try Self.hosting("big@lists.example", policy: .open), actor: .system)
            let people = (0..<30).map { "p\($0)@example.org" }
            try await Fixture.members(store, list: list.listID, people, at: db.clock.now)
            let limits = ListPostLimits(storm: StormLimits(minMembers: 30, replies: 10, window: .seconds(3_600), block: .seconds(21_600)))
            let first = try #require(
                Self.receipt(
                    try await store.receiveListPost(try Self.post(list, from: "p0@example.org", subject: "test", messageID: "root@x"), limits: limits)
                ))
            #expect(first.1 == 30)
            for index in 1...10 {
                // replies by reference, and some by subject alone
                let reply =
                    index % 2 == 0
                    ? try Self.post(list, from: people[index], subject: "RE: test", references: ["root@x"])
                    : try Self.post(list, from: people[index], subject: "Re: [big] Test")
                #expect(Self.receipt(try await store.receiveListPost(reply, limits: limits))?.0.state == .queued, "reply \(index)")
            }
            let eleventh = try await store.receiveListPost(
                try Self.post(list, from: people[11], subject: "Re: test", references: ["root@x"]), limits: limits)
            guard case .refused(.storm(let storm, let notify, let alert)) = eleventh else {
                Issue.record("the 11th reply is refused: \(eleventh)")
                return
            }
            #expect(notify && alert && storm.threadKey == "subject:test")
            #expect(storm.blockedUntil == SQLTime.truncated(db.clock.now.addingTimeInterval(21_600)))
            let again = try await store.receiveListPost(try Self.post(list, from: people[11], subject: "Re: test"), limits: limits)
            #expect(again == .refused(.storm(storm, notifySender: false, alertOwner: false)), "told once per sender, the owner once per storm")
            let other = try await store.receiveListPost(try Self.post(list, from: people[12], subject: "Re: test"), limits: limits)
            #expect(other == .refused(.storm(storm, notifySender: true, alertOwner: false)))
            #expect(
                Self.receipt(try await store.receiveListPost(try Self.post(list, from: people[12], subject: "Lunch"), limits: limits)) != nil,
                "a new thread is not blocked")
            #expect(try await store.activeListStorms() == [storm], "the dashboard's overview shows the block")
            db.clock.advance(by: 21_601)
            #expect(try await store.activeListStorms().isEmpty, "over once blocked_until passes")
            #expect(
                Self.receipt(try await store.receiveListPost(try Self.post(list, from: people[13], subject: "Re: test"), limits: limits)) != nil,
                "the block ends; the window has moved on too")
            // a smaller list is not protected
            let small = ListPostLimits(storm: StormLimits(minMembers: 31, replies: 1))
            #expect(Self.receipt(try await store.receiveListPost(try Self.post(list, from: people[14], subject: "Re: test"), limits: small)) != nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aMemberPostsAtMostTheDailyLimit(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createHostedList(
                name: "d", description: "", hosting: try Self.hosting("d@lists.example", policy: .open), actor: .system)
            let limits = ListPostLimits(memberPostsPerDay: 2)
            for _ in 0..<2 {
                #expect(Self.receipt(try await store.receiveListPost(try Self.post(list, from: "a@example.org"), limits: limits)) != nil)
            }
            #expect(try await store.receiveListPost(try Self.post(list, from: "a@example.org"), limits: limits) == .refused(.dailyLimit(2)))
            #expect(Self.receipt(try await store.receiveListPost(try Self.post(list, from: "b@example.org"), limits: limits)) != nil)
            db.clock.advance(by: 86_401)
            #expect(Self.receipt(try await store.receiveListPost(try Self.post(list, from: "a@example.org"), limits: limits)) != nil)
        }
    }
}
