import BulkheadEngine
import BulkheadPolicy
import BulkheadStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

@testable import BulkheadWeb

/// A real engine on a temporary data directory (SQLite, the capture mailbox) with users, a token per
/// caller, a list of three confirmed subscribers and campaigns in the states the routes act on.
struct APIWorld {
    /// Who calls: no token, and a token of each kind.
    enum Caller: String, CaseIterable, Sendable, CustomStringConvertible {
        case none, reader, author, approver, admin
        var description: String { rawValue }
    }

    let directory: URL
    let environment: BulkheadEnvironment
    /// Campaigns by what they are for: `draft` (by ann), `sending`, `canaryHold`.
    let draft: Campaign
    let sending: Campaign
    let canaryHold: Campaign
    /// A held relay message.
    let held: RelayMessageID
    let tokens: [Caller: String]

    var store: any MailStore { environment.store }

    var application: some ApplicationProtocol {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let server = PublicWebServer(
            addresses: [], unsubscribe: environment.oneClickUnsubscribe, requestsPerTokenPerMinute: 10, clock: environment.clock,
            logger: logger, environment: environment)
        return Application(router: server.router())
    }

    func headers(_ caller: Caller, json: Bool = false) -> HTTPFields {
        var fields: HTTPFields = [:]
        if let token = tokens[caller] { fields[.authorization] = "Bearer \(token)" }
        if json { fields[.contentType] = "application/json" }
        return fields
    }

    func close() async {
        await environment.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Users: root (admin), ann (author), bob (approver), eve (author and approver). Tokens: reader is
    /// ann's with `read` only; author ann's `read,send`; approver bob's `read,approve`; admin root's `read,admin`.
    static func make() async throws -> APIWorld {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-\(UUID().uuidString)")
        var configuration = BulkheadConfiguration()
        configuration.dataDirectory = directory.path
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let environment = try await BulkheadEnvironment.open(configuration, logger: logger)
        let store = environment.store
        for (name, roles) in [("root", [UserRole.admin]), ("ann", [.author]), ("bob", [.approver]), ("eve", [.author, .approver])] {
            _ = try await store.createUser(NewUser(name: name, roles: Set(roles), passwordHash: "unused"), actor: .system)
        }
        var tokens: [Caller: String] = [:]
        for (caller, user, scopes) in [
            (Caller.reader, "ann", [APIScope.read]), (.author, "ann", [.read, .send]), (.approver, "bob", [.read, .approve]),
            (.admin, "root", [.read, .admin]),
        ] {
            tokens[caller] = try await token(store, user: user, scopes: Set(scopes))
        }
        let list = try await store.createList(name: "Spring news", description: "")
        let consent = ConsentEvidence(kind: .given, at: environment.clock.date, method: .form, source: "https://shop.example/signup")
        for name in ["ann", "ben", "cid"] {
            let person = try await store.upsertSubscriber(address: try NormalizedAddress("\(name)@example.org"), name: name, attributes: [:])
            _ = try await store.setMembership(list: list.id, subscriber: person.id, status: .confirmed, consent: consent)
        }
        func campaign(_ name: String, by author: String = "ann") async throws -> Campaign {
            try await store.createCampaign(
                CampaignContent(
                    name: name, listID: list.id, from: "Shop <news@shop.example>", subjectTemplate: "Spring offers",
                    textTemplate: "Hello {{name}}, our spring offers."),
                actor: .person(user: author, osUser: "tester"))
        }
        let draft = try await campaign("draft")
        var sending = try await campaign("sending")
        _ = try await environment.requestSend(sending, actor: .human("ann"), confirmed: nil)
        sending = try await environment.launch(sending.id, actor: .human("ann"))
        let hold = try await campaign("hold")
        _ = try await store.transition(hold.id, from: [.draft], to: .canary, actor: .system)
        let canaryHold = try await store.transition(hold.id, from: [.canary], to: .canaryHold, actor: .system)
        let held = try await store.receiveRelayMessage(
            NewRelayMessage(
                sender: .user("ann"), mailFrom: "ann@shop.example", recipients: ["c1@example.org", "c2@example.org"],
                clientAddress: "127.0.0.1",
                bytes: Array("From: ann@shop.example\r\nTo: c1@example.org, c2@example.org\r\nSubject: Spring\r\n\r\nhi\r\n".utf8),
                subject: "Spring",
                findings: [Finding(code: "relay.exposure", severity: .approval, message: "recipients see each other", fix: "release as copies")],
                disposition: .hold),
            breaker: SenderBreakerLimits())
        return APIWorld(
            directory: directory, environment: environment, draft: draft, sending: sending, canaryHold: canaryHold, held: held.id, tokens: tokens)
    }

    /// A new token of `user` with `scopes` (the value; the store keeps its hash).
    static func token(_ store: any MailStore, user: String, scopes: Set<APIScope>) async throws -> String {
        let token = AccessSecret.make(prefix: AccessSecret.apiTokenPrefix)
        _ = try await store.createAPIToken(
            NewAPIToken(tokenHash: AccessSecret.hash(token), userName: user, scopes: scopes, label: "test"), actor: .system)
        return token
    }
}
