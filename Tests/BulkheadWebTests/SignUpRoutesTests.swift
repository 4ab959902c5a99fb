import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import BulkheadWeb

/// The public sign-up form and its confirmation links, through Hummingbird's router against an
/// embedded installation; the mails are read from the capture mailbox. Time is a ``ManualClock``.
@Suite struct SignUpRoutesTests {
    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func theFormIsShownOnlyForListsWithSignUpAndGetChangesNothing() async throws {
        let world = try await SignUpWorld.make()
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/s/news", method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains(#"<input id="email" name="email" type="email""#))
                #expect(html.contains(#"<label for="name">Your name (optional)</label>"#))
                #expect(!html.contains("<script"))
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            }
            for path in ["/s/closed", "/s/nothing", "/s/%00news"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .notFound, "\(path)") }
                try await client.execute(uri: path, method: .post, headers: SignUpWorld.form, body: Self.body("email=ann%40example.org")) {
                    #expect($0.status == .notFound, "\(path)")
                }
            }
        }
        #expect(try world.mails().isEmpty)
        #expect(try await world.store.subscriber(address: try NormalizedAddress("ann@example.org")) == nil)
        await world.close()
    }

    @Test func aSignUpSendsExactlyOneMailWhoseLinkConfirmsOnlyByPost() async throws {
        let world = try await SignUpWorld.make()
        try await world.application.test(.router) { client in
            try await client.execute(
                uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=Ann%40Example.org&name=Zo%C3%AB")
            ) {
                response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("Check your mail"))
            }
            #expect(try await world.status("ann@example.org") == .unconfirmed)
            let mails = try world.mails()
            #expect(mails.count == 1)
            let mail = try #require(mails.first)
            #expect(mail.info.recipient == "ann@example.org")
            let text = String(decoding: mail.bytes, as: UTF8.self)
            #expect(text.contains("Auto-Submitted: auto-generated"))
            #expect(text.contains("From: Shop <news@shop.example>"))
            let path = try #require(SignUpWorld.confirmationPath(mail))

            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("<button type=\"submit\">Confirm</button>"))
            }
            #expect(try await world.status("ann@example.org") == .unconfirmed, "a link scanner's GET confirms nothing")
            for _ in 0..<2 {
                try await client.execute(uri: path, method: .post, headers: SignUpWorld.form, body: Self.body("")) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("You are subscribed to news"))
                }
            }
            #expect(try await world.status("ann@example.org") == .confirmed)
            let person = try #require(try await world.store.subscriber(address: try NormalizedAddress("ann@example.org")))
            #expect(person.name == "Zoë")
            let records = try await world.store.consentRecords(subscriber: person.id)
            #expect(records.count == 1, "confirming twice records consent once")
            #expect(records.first?.evidence.method == .doubleOptIn)
            #expect(records.first?.evidence.source == "sign-up form https://lists.shop.example/s/news")
            #expect(records.first?.evidence.textShown == PublicSignUp.consentText("news"))

            // Signing up again while confirmed: the same page, no mail, still confirmed.
            try await client.execute(uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=ann%40example.org")) {
                #expect($0.status == .ok)
            }
        }
        #expect(try world.mails().count == 1)
        #expect(try await world.status("ann@example.org") == .confirmed)
        await world.close()
    }

    @Test func anUnsubscribedPersonStaysUnsubscribedUntilTheyConfirm() async throws {
        let world = try await SignUpWorld.make()
        let ann = try await world.store.upsertSubscriber(address: try NormalizedAddress("ann@example.org"), name: "Ann", attributes: [:])
        _ = try await world.store.setMembership(
            list: world.news.id, subscriber: ann.id, status: .unsubscribed,
            consent: ConsentEvidence(kind: .withdrawn, at: world.clock.date, method: .oneClick, source: "test"))
        world.clock.advance(by: .seconds(10))
        try await world.application.test(.router) { client in
            try await client.execute(
                uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=ann%40example.org&name=Mallory")
            ) {
                #expect($0.status == .ok)
            }
            #expect(try await world.status("ann@example.org") == .unsubscribed, "a form request alone subscribes nobody again")
            #expect(try await world.store.subscriber(id: ann.id)?.name == "Ann", "the public form renames nobody")
            let path = try #require(try world.mails().first.flatMap(SignUpWorld.confirmationPath))
            try await client.execute(uri: path, method: .post, headers: SignUpWorld.form, body: Self.body("")) { #expect($0.status == .ok) }
            #expect(try await world.status("ann@example.org") == .confirmed)
        }
        await world.close()
    }

    @Test func aSuppressedAddressGetsTheSamePageAndNoMail() async throws {
        let world = try await SignUpWorld.make()
        let bob = try NormalizedAddress("bob@example.org")
        _ = try await world.store.addSuppression(Suppression(address: bob, reason: .complaint, at: world.clock.date, source: "test"), actor: .system)
        let pages = try await world.application.test(.router) { client in
            var pages: [String] = []
            for address in ["bob%40example.org", "cid%40example.org"] {
                let response = try await client.execute(uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=\(address)"))
                #expect(response.status == .ok)
                pages.append(String(buffer: response.body))
            }
            return pages
        }
        #expect(pages.count == 2 && pages[0] == pages[1], "the page does not tell a suppressed address from another")
        #expect(try world.mails().map(\.info.recipient) == ["cid@example.org"])
        #expect(try await world.store.subscriber(address: bob) == nil)
        await world.close()
    }

    @Test func whileTheEmergencyStopHoldsTheFormMailsNobody() async throws {
        let world = try await SignUpWorld.make()
        _ = try await world.store.emergencyStop(reason: "drill", actor: .human("ann"))
        try await world.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=cid%40example.org"))
            #expect(response.status == .ok, "the same page as ever")
        }
        #expect(try world.mails().isEmpty, "nothing leaves while the stop holds")
        try await world.store.releaseLatch(named: Latch.emergencyStop, actor: .human("ann"))
        world.clock.advance(by: .seconds(3_600))
        try await world.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=cid%40example.org"))
            #expect(response.status == .ok)
        }
        #expect(try world.mails().map(\.info.recipient) == ["cid@example.org"], "after the stop, asking again works")
        await world.close()
    }

    @Test func theFormCannotMailBombAnAddressOrBeFloodedByOneClient() async throws {
        let world = try await SignUpWorld.make()
        try await world.application.test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=ann%40example.org")) {
                    #expect($0.status == .ok, "the same page: nobody learns that a mail went out recently")
                }
            }
            #expect(try world.mails().count == 1, "one mail per address and list per 10 minutes")
            world.clock.advance(by: .seconds(601))
            try await client.execute(uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=ann%40example.org")) {
                #expect($0.status == .ok)
            }
            #expect(try world.mails().count == 2)
            // The per-client budget (20 an hour; the test client has no address, so all count as one).
            for index in 0..<30 {
                try await client.execute(uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=p\(index)%40example.org")) {
                    _ in
                }
            }
            #expect(try world.mails().count == SignUpLimits().perClientPerHour)
            try await client.execute(uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=last%40example.org")) {
                response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "3600")
            }
        }
        await world.close()
    }

    @Test func tamperedAndExpiredLinksAre404AndChangeNothing() async throws {
        let world = try await SignUpWorld.make()
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body("email=ann%40example.org")) {
                #expect($0.status == .ok)
            }
            let path = try #require(try world.mails().first.flatMap(SignUpWorld.confirmationPath))
            let last = path.last == "a" ? "b" : "a"
            let tampered = String(path.dropLast()) + String(last)
            let unsubscribeToken = try world.environment.tokens.issue(listID: world.news.id.rawValue, subscriberID: 1).text
            let asPreferences = "/p/" + path.dropFirst(3)  // a confirmation token is no unsubscribe token
            for bad in [tampered, "/c/" + unsubscribeToken, asPreferences, "/c/AAAA", "/c/" + String(repeating: "a", count: 300)] {
                for method in [HTTPRequest.Method.get, .post] {
                    try await client.execute(uri: bad, method: method, headers: SignUpWorld.form, body: Self.body("")) {
                        #expect($0.status == .notFound, "\(method) \(bad)")
                    }
                }
            }
            world.clock.advance(by: .seconds(7 * 86_400 + 1))
            for method in [HTTPRequest.Method.get, .post] {
                try await client.execute(uri: path, method: method, headers: SignUpWorld.form, body: Self.body("")) {
                    #expect($0.status == .notFound, "an expired link, \(method)")
                }
            }
        }
        #expect(try await world.status("ann@example.org") == .unconfirmed)
        await world.close()
    }

    @Test func hostileInputGetsAClear4xxAndChangesNothing() async throws {
        let world = try await SignUpWorld.make()
        try await world.application.test(.router) { client in
            let bodies = [
                "email=a%40b.example%0D%0ABcc%3A%20x%40y",  // CRLF header injection
                "email=a%40b.example%00",  // NUL
                "email=a%00%40b.example",
                "email=%E2%98%83%E2%98%83",  // unicode, but no address
                "email=a%40b.example&name=x%0D%0ABcc%3A%20y",  // CRLF in the name
                "email=%ZZ",  // a bad escape
                "name=Ann",  // no address
                "email=a%40b.example&name=" + String(repeating: "n", count: 201),
            ]
            for body in bodies {
                try await client.execute(uri: "/s/news", method: .post, headers: SignUpWorld.form, body: Self.body(body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                }
            }
            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 10 * 1_024 * 1_024)
            for path in ["/s/news", "/c/aaaa", "/p/aaaa"] {
                try await client.execute(uri: path, method: .post, headers: SignUpWorld.form, body: huge) {
                    #expect($0.status == .contentTooLarge, "\(path)")
                }
            }
            try await client.execute(
                uri: "/s/news", method: .post, headers: [.contentType: "application/json"], body: Self.body(#"{"email":"a@b.example"}"#)
            ) {
                #expect($0.status == .badRequest)
            }
        }
        #expect(try world.mails().isEmpty)
        #expect(try await world.store.members(of: world.news.id, status: nil, after: nil, limit: 10).isEmpty)
        await world.close()
    }
}
