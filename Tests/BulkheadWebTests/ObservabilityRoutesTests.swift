import BulkheadEngine
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

@testable import BulkheadStore
@testable import BulkheadWeb

/// `/metrics`, `/health` and `/ready` through Hummingbird's router, on a registry of the test's own
/// (the process-wide one is never bootstrapped here).
@Suite struct ObservabilityRoutesTests {
    struct World {
        let directory: URL
        let store: SQLiteStore
        let clock: ManualClock
        let registry: PrometheusCollectorRegistry
        let issuer: UnsubscribeTokenIssuer
        let server: PublicWebServer

        var application: some ApplicationProtocol { Application(router: server.router()) }
    }

    static func world(storePath: String? = nil) async throws -> World {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("observe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock))
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let issuer = try UnsubscribeTokenIssuer(secret: Array(repeating: 9, count: 32))
        let registry = PrometheusCollectorRegistry()
        var server = PublicWebServer(
            addresses: [], unsubscribe: OneClickUnsubscribe(store: store, tokens: issuer, brakes: nil, logger: logger),
            requestsPerTokenPerMinute: 3, clock: clock, logger: logger)
        server.observability = ObservabilityRoutes(store: store, registry: registry, clock: clock, logger: logger)
        return World(directory: directory, store: store, clock: clock, registry: registry, issuer: issuer, server: server)
    }

    @Test func healthSaysOk() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
        }
    }

    @Test func readySaysReadyWhileTheStoreAnswersAnd503WhenItCannot() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ready\n")
            }
        }
        // The database's tables gone (a store that cannot be read): not ready, and the reason is short.
        _ = try await world.store.executeRaw("DROP TABLE latches")
        try await world.application.test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "not ready: the store cannot be read\n")
            }
        }
    }

    @Test func metricsShowQueueDepthEngineCountsAndRequestTimesByRoutePattern() async throws {
        let world = try await Self.world()
        defer { try? FileManager.default.removeItem(at: world.directory) }
        let list = try await world.store.createList(name: "news", description: "")
        let consent = ConsentEvidence(kind: .given, at: world.clock.date, method: .form, source: "https://shop.example/signup")
        for name in ["ann", "bo"] {
            let person = try await world.store.upsertSubscriber(address: try NormalizedAddress("\(name)@example.org"), name: nil, attributes: [:])
            _ = try await world.store.setMembership(list: list.id, subscriber: person.id, status: .confirmed, consent: consent)
        }
        let campaign = try await world.store.createCampaign(
            CampaignContent(name: "spring", listID: list.id, from: "Shop <news@shop.example>", subjectTemplate: "Hi", textTemplate: "Hi"),
            actor: .system)
        try await world.store.enqueueRecipients(campaign: campaign.id)
        let engine = EngineMetrics(factory: PrometheusMetricsFactory(registry: world.registry))
        engine.message(.sent, .campaign)
        engine.message(.sent, .campaign)
        engine.message(.deferred, .relay)
        engine.brakeTripped("bounce")
        engine.handOver(.milliseconds(30), .campaign)
        let token = try world.issuer.issue(campaignID: campaign.id.rawValue, subscriberID: 1).text

        // Not on loopback (a router test has no peer address): a token of the read scope is needed.
        _ = try await world.store.createUser(NewUser(name: "prom", roles: [.author], passwordHash: "$2b$04$x"), actor: .system)
        let scrape = AccessSecret.make(prefix: AccessSecret.apiTokenPrefix)
        _ = try await world.store.createAPIToken(
            NewAPIToken(tokenHash: AccessSecret.hash(scrape), userName: "prom", scopes: [.read], label: "prometheus"), actor: .system)

        try await world.application.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { _ in }
            try await client.execute(uri: "/u/\(token)", method: .get) { _ in }
            try await client.execute(uri: "/nothing-here", method: .get) { response in #expect(response.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .unauthorized, "no token, not on loopback")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer bht_forged"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(scrape)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                let lines = Set(text.split(separator: "\n").map(String.init))
                for expected in [
                    #"bulkhead_queue_depth{queue="campaign"} 2.0"#, #"bulkhead_queue_depth{queue="relay"} 0.0"#,
                    "bulkhead_relay_held_messages 0.0", "bulkhead_store_up 1.0", #"bulkhead_messages_total{kind="campaign",outcome="sent"} 2"#,
                    #"bulkhead_messages_total{kind="relay",outcome="deferred"} 1"#, #"bulkhead_brake_trips_total{metric="bounce"} 1"#,
                    #"bulkhead_smtp_handover_seconds_count{kind="campaign"} 1"#,
                    #"bulkhead_http_request_duration_seconds_count{method="GET",route="/health",status="200"} 1"#,
                    #"bulkhead_http_request_duration_seconds_count{method="GET",route="NotFound",status="404"} 1"#,
                ] {
                    #expect(lines.contains(expected), "missing: \(expected)")
                }
                #expect(
                    text.contains(#"bulkhead_http_request_duration_seconds_count{method="GET",route="/u/{token}",status="#),
                    "a route's pattern")
                #expect(!text.contains(token), "never its path")
                #expect(!text.contains("@"), "no address in any label")
            }
        }
    }
}
