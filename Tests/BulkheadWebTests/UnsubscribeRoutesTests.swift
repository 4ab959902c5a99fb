import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import BulkheadWeb

/// The one-click unsubscribe pages (RFC 8058) against a real SQLite store, through Hummingbird's
/// router (the real listener, with curl, is in the end-to-end tests). Time is a ``ManualClock``.
@Suite struct UnsubscribeRoutesTests {
    struct World {
        let directory: URL
        let store: SQLiteStore
        let clock: ManualClock
        let issuer: UnsubscribeTokenIssuer
        let campaign: Campaign
        let ann: Subscriber
        let server: PublicWebServer

        var application: some ApplicationProtocol { Application(router: server.router()) }

        func token(for subscriber: Subscriber, campaign: CampaignID? = nil) throws -> String {
            try issuer.issue(campaignID: (campaign ?? self.campaign.id).rawValue, subscriberID: subscriber.id.rawValue).text
        }

        func status(_ subscriber: Subscriber) async throws -> MembershipStatus? {
            try await store.membership(list: campaign.content.listID, subscriber: subscriber.id)?.status
        }
    }

    static func world() async throws -> World {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock))
        let list = try await store.createList(name: "Spring news", description: "")
        let consent = ConsentEvidence(kind: .given, at: clock.date, method: .form, source: "https://shop.example/signup")
        let ann = try await store.upsertSubscriber(address: try NormalizedAddress("ann@example.org"), name: "Ann", attributes: [:])
        _ = try await store.setMembership(list: list.id, subscriber: ann.id, status: .confirmed, consent: consent)
        let campaign = try await store.createCampaign(
            CampaignContent(name: "spring", listID: list.id, from: "Shop <news@shop.example>", subjectTemplate: "Hi", textTemplate: "Hi"),
            actor: .system)
        let issuer = try UnsubscribeTokenIssuer(secret: Array(repeating: 9, count: 32))
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let service = OneClickUnsubscribe(store: store, tokens: issuer, brakes: nil, logger: logger)
        let server = PublicWebServer(addresses: [], unsubscribe: service, requestsPerTokenPerMinute: 3, clock: clock, logger: logger)
        return World(directory: directory, store: store, clock: clock, issuer: issuer, campaign: campaign, ann: ann, server: server)
    }

    static let oneClick = ByteBuffer(string: "List-Unsubscribe=One-Click")
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test func getShowsAButtonAndChangesNothing() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let token = try world.token(for: world.ann)
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/u/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.contains("<h1>Unsubscribe from Spring news?</h1>"))
                #expect(html.contains(#"<form method="post" action="">"#))
                #expect(html.contains(#"<input type="hidden" name="List-Unsubscribe" value="One-Click">"#))
                #expect(!html.contains("ann@example.org"), "the page never shows the address")
                #expect(!html.contains("http"), "nothing is fetched from anywhere")
            }
        }
        #expect(try await world.status(world.ann) == .confirmed, "a link scanner's GET unsubscribes nobody")
    }

    @Test func postOneClickUnsubscribesWithAConsentRecordAndSaysTheSameTwice() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let token = try world.token(for: world.ann)
        try await world.application.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/u/\(token)", method: .post, headers: Self.form, body: Self.oneClick) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("<h1>You are unsubscribed</h1>"))
                }
            }
        }
        #expect(try await world.status(world.ann) == .unsubscribed)
        let records = try await world.store.consentRecords(subscriber: world.ann.id)
        let withdrawn = records.filter { $0.evidence.kind == .withdrawn }
        #expect(withdrawn.count == 1, "the second POST finds the person already off the list")
        #expect(withdrawn.first?.evidence.method == .oneClick)
        #expect(withdrawn.first?.evidence.source == "unsubscribe link of campaign \(world.campaign.id.rawValue)")
    }

    @Test func aPostWithoutTheOneClickBodyIsRefusedAndChangesNothing() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let token = try world.token(for: world.ann)
        try await world.application.test(.router) { client in
            for body in ["", "List-Unsubscribe=one-click", "x=List-Unsubscribe=One-Click"] {
                try await client.execute(uri: "/u/\(token)", method: .post, headers: Self.form, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "body \(body.debugDescription)")
                }
            }
            // Other fields around it are fine (a form may add its own).
            try await client.execute(
                uri: "/u/\(token)", method: .post, headers: Self.form, body: ByteBuffer(string: "a=1&List-Unsubscribe=One-Click")
            ) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await world.status(world.ann) == .unsubscribed)
    }

    @Test func tokensThatAreNotOursGet404AndNothingHappens() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let token = try world.token(for: world.ann)
        var tampered = Array(token)
        tampered[tampered.count - 1] = tampered[tampered.count - 1] == "a" ? "b" : "a"
        let foreign = try UnsubscribeTokenIssuer(secret: Array(repeating: 1, count: 32))
            .issue(campaignID: world.campaign.id.rawValue, subscriberID: world.ann.id.rawValue).text
        let cases = [String(tampered), foreign, "x", String(repeating: "a", count: 51), "ABC", "%00", token + "/extra"]
        try await world.application.test(.router) { client in
            for bad in cases {
                for method in [HTTPRequest.Method.get, .post] {
                    try await client.execute(uri: "/u/\(bad)", method: method, headers: Self.form, body: Self.oneClick) { response in
                        #expect(response.status == .notFound, "\(method) \(bad)")
                        #expect(response.headers[.cacheControl] == "no-store")
                        #expect(String(buffer: response.body).contains("not valid") || response.status == .notFound)
                    }
                }
            }
            try await client.execute(uri: "/nothing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
            }
        }
        #expect(try await world.status(world.ann) == .confirmed)
    }

    @Test func aLargeBodyIsRefusedUnread() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let token = try world.token(for: world.ann)
        let huge = ByteBuffer(string: "List-Unsubscribe=One-Click&" + String(repeating: "x", count: 100_000))
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/u/\(token)", method: .post, headers: Self.form, body: huge) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
        #expect(try await world.status(world.ann) == .confirmed)
    }

    @Test func pageViewsCannotUseUpTheUnsubscribeAndEachTokenHasItsOwnBudget() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let bob = try await world.store.upsertSubscriber(address: try NormalizedAddress("bob@example.org"), name: nil, attributes: [:])
        let annToken = try world.token(for: world.ann)
        let bobToken = try world.token(for: bob)
        try await world.application.test(.router) { client in
            // A link scanner fetches the page over and over: 3 a minute, then 429.
            for _ in 0..<3 {
                try await client.execute(uri: "/u/\(annToken)", method: .get) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/u/\(annToken)", method: .get) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "60")
            }
            try await client.execute(uri: "/u/\(bobToken)", method: .get) { #expect($0.status == .ok, "another token is not limited") }
            // The person's (or the provider's) POST still goes through: it has its own budget, and
            // a token's first POST is never refused.
            try await client.execute(uri: "/u/\(annToken)", method: .post, headers: Self.form, body: Self.oneClick) { #expect($0.status == .ok) }
            // Repeats after it count: 3 a minute.
            for _ in 0..<3 {
                try await client.execute(uri: "/u/\(annToken)", method: .post, headers: Self.form, body: Self.oneClick) {
                    #expect($0.status == .ok)
                }
            }
            try await client.execute(uri: "/u/\(annToken)", method: .post, headers: Self.form, body: Self.oneClick) {
                #expect($0.status == .tooManyRequests)
            }
            world.clock.advance(by: .seconds(60))
            try await client.execute(uri: "/u/\(annToken)", method: .get) { #expect($0.status == .ok, "a minute later") }
        }
        #expect(try await world.status(world.ann) == .unsubscribed)
    }

    /// RFC 8058 asks mailbox providers for `multipart/form-data`; browsers send urlencoded forms.
    @Test(arguments: [
        (
            "multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n",
            true
        ),
        (
            "multipart/form-data; boundary=\"b 1\"", "--b 1\r\ncontent-disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b 1--",
            true
        ),
        ("multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"Other\"\r\n\r\nOne-Click\r\n--XyZ--\r\n", false),
        ("multipart/form-data", "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--", false),
        ("application/x-www-form-urlencoded", "List-Unsubscribe=One%2DClick", true),
        ("application/x-www-form-urlencoded", "List%2DUnsubscribe=One-Click&x=1", true),
        ("application/x-www-form-urlencoded", "List-Unsubscribe=One+Click", false),
        ("text/plain", "List-Unsubscribe=One-Click", true),
    ])
    func bothFormEncodingsAreUnderstood(contentType: String, body: String, unsubscribes: Bool) async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let token = try world.token(for: world.ann)
        try await world.application.test(.router) { client in
            try await client.execute(
                uri: "/u/\(token)", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == (unsubscribes ? .ok : .badRequest))
            }
        }
        #expect(try await world.status(world.ann) == (unsubscribes ? .unsubscribed : .confirmed))
    }

    @Test func anOptOutIsNeverDroppedForWantOfACampaign() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        // A valid token of a campaign this store does not have (deleted, or a restored backup).
        let token = try world.token(for: world.ann, campaign: CampaignID(rawValue: 9_999))
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/u/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("Unsubscribe from the mailing list?"))
            }
            try await client.execute(uri: "/u/\(token)", method: .post, headers: Self.form, body: Self.oneClick) { response in
                #expect(response.status == .ok)
            }
        }
        let suppressed = try await world.store.suppressedAddresses(among: [world.ann.address])
        #expect(suppressed == [world.ann.address], "suppressed everywhere instead")
    }
}
