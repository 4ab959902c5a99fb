import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import BulkheadWeb

/// The preference page behind the unsubscribe token of every message.
@Suite struct PreferenceRoutesTests {
    struct People {
        let ann: Subscriber
        let ben: Subscriber
        let offers: MailingList
        let extra: MailingList
    }

    /// ann: news and offers confirmed, extra unsubscribed; ben: news and offers confirmed.
    static func people(_ world: SignUpWorld) async throws -> People {
        let store = world.store
        let offers = try await store.createList(name: "offers", description: "")
        let extra = try await store.createList(name: "extra", description: "")
        let consent = ConsentEvidence(kind: .given, at: world.clock.date, method: .form, source: "test")
        var people: [Subscriber] = []
        for name in ["ann", "ben"] {
            let person = try await store.upsertSubscriber(address: try NormalizedAddress("\(name)@example.org"), name: name, attributes: [:])
            for list in [world.news, offers] {
                _ = try await store.setMembership(list: list.id, subscriber: person.id, status: .confirmed, consent: consent)
            }
            people.append(person)
        }
        _ = try await store.setMembership(
            list: extra.id, subscriber: people[0].id, status: .unsubscribed,
            consent: ConsentEvidence(kind: .withdrawn, at: world.clock.date, method: .form, source: "test"))
        return People(ann: people[0], ben: people[1], offers: offers, extra: extra)
    }

    @Test func theGetShowsOnlyThatPersonsListsAndChangesNothing() async throws {
        let world = try await SignUpWorld.make()
        let people = try await Self.people(world)
        let token = try world.environment.tokens.issue(listID: world.news.id.rawValue, subscriberID: people.ann.id.rawValue).text
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/p/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains(#"value="\#(world.news.id.rawValue)"> news (subscribed)"#))
                #expect(html.contains(#"value="\#(people.offers.id.rawValue)"> offers (subscribed)"#))
                #expect(html.contains("Unsubscribed already: extra."))
                #expect(!html.contains("closed"), "a list the person is not on is not shown")
                #expect(!html.contains("ben"), "nobody else's data")
            }
        }
        #expect(try await world.status("ann@example.org") == .confirmed)
        await world.close()
    }

    @Test func thePostUnsubscribesFromExactlyTheChosenListsAndNeverSubscribes() async throws {
        let world = try await SignUpWorld.make()
        let people = try await Self.people(world)
        let token = try world.environment.tokens.issue(listID: world.news.id.rawValue, subscriberID: people.ann.id.rawValue).text
        try await world.application.test(.router) { client in
            let body = "list=\(people.offers.id.rawValue)&list=\(people.extra.id.rawValue)&list=\(world.closed.id.rawValue)"
            try await client.execute(uri: "/p/\(token)", method: .post, headers: SignUpWorld.form, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("You are unsubscribed from offers."))
            }
            #expect(try await world.status("ann@example.org", list: people.offers) == .unsubscribed)
            #expect(try await world.status("ann@example.org", list: people.extra) == .unsubscribed, "no re-subscribe from this page")
            #expect(try await world.status("ann@example.org", list: world.closed) == nil)
            #expect(try await world.status("ann@example.org") == .confirmed)
            #expect(try await world.status("ben@example.org", list: people.offers) == .confirmed)
            let records = try await world.store.consentRecords(subscriber: people.ann.id)
            #expect(records.last?.evidence.source == "preference page" && records.last?.evidence.kind == .withdrawn)

            try await client.execute(uri: "/p/\(token)", method: .post, headers: SignUpWorld.form, body: ByteBuffer(string: "all=1")) {
                #expect($0.status == .ok)
            }
            #expect(try await world.status("ann@example.org") == .unsubscribed)
            #expect(try await world.status("ben@example.org") == .confirmed)

            for bad in ["", "list=abc", "list=1%00"] {
                try await client.execute(uri: "/p/\(token)", method: .post, headers: SignUpWorld.form, body: ByteBuffer(string: bad)) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
            let tampered = String(token.dropLast()) + (token.last == "a" ? "b" : "a")
            try await client.execute(uri: "/p/\(tampered)", method: .post, headers: SignUpWorld.form, body: ByteBuffer(string: "all=1")) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/p/\(tampered)", method: .get) { #expect($0.status == .notFound) }
        }
        #expect(try await world.status("ben@example.org", list: people.offers) == .confirmed)
        await world.close()
    }
}
