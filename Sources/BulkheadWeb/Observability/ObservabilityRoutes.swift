import BulkheadEngine
public import BulkheadStore
import Hummingbird
public import Logging
import Metrics
import NIOCore
public import Prometheus

/// `GET /metrics` (Prometheus text format), `GET /health` (the process answers: 200 `ok`) and
/// `GET /ready` (the store answers a cheap read: 200 `ready`, else 503 with a short reason), plus the
/// request timing of every route of the listener (``HTTPMetricsMiddleware``).
///
/// `/metrics` answers clients on loopback (a Prometheus on the same host) and, from anywhere else,
/// requests with an API token of the `read` scope (`Authorization: Bearer bht_…`); others get 401. It
/// holds counts only: no address, no secret. `/health` and `/ready` answer everyone (load balancers).
///
/// ```swift
/// var server = PublicWebServer(addresses: listen, unsubscribe: service, requestsPerTokenPerMinute: 10, clock: clock, logger: logger)
/// server.observability = ObservabilityRoutes(store: store, registry: ProcessMetrics.registry, clock: clock, logger: logger)
/// ```
public struct ObservabilityRoutes: Sendable {
    let store: any MailStore
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let clock: any BulkheadClock
    let logger: Logger

    /// How long `/ready` waits for the store.
    static let readyTimeout = Duration.seconds(2)

    /// Routes over `registry` (the process's in `serve`, a test's own elsewhere).
    public init(store: any MailStore, registry: PrometheusCollectorRegistry, clock: any BulkheadClock, logger: Logger) {
        self.store = store
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
        self.clock = clock
        self.logger = logger
    }

    /// Adds the timing middleware (first, so that it times every route added after it) and the routes.
    func add(to router: Router<WebRequestContext>) {
        router.add(middleware: HTTPMetricsMiddleware(factory: factory, clock: clock))
        router.get("metrics") { request, context in
            guard try await mayScrape(request, context) else {
                var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
                headers[.wwwAuthenticate] = "Bearer"
                return Response(
                    status: .unauthorized, headers: headers,
                    body: .init(byteBuffer: ByteBuffer(string: "metrics: from loopback, or with an API token of the read scope\n")))
            }
            return try await metrics()
        }
        router.get("health") { _, _ in Self.text(.ok, "ok\n") }
        router.get("ready") { _, _ in await ready() }
    }

    /// A client on loopback, or a request with an API token whose scopes include `read`.
    private func mayScrape(_ request: Request, _ context: WebRequestContext) async throws -> Bool {
        if let ip = context.remoteAddress?.ipAddress, ip == "::1" || ip.hasPrefix("127.") || ip.hasPrefix("::ffff:127.") { return true }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), header.utf8.count <= 200 else { return false }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let grant = try await store.apiGrant(tokenHash: AccessSecret.hash(token)) else { return false }
        return grant.scopes.contains(.read)
    }

    /// The queue depth read now, then every metric in Prometheus text format.
    private func metrics() async throws -> Response {
        do {
            let depth = try await store.queueDepth()
            gauge("bulkhead_queue_depth", [("queue", "campaign")]).record(depth.campaignQueued)
            gauge("bulkhead_queue_depth", [("queue", "relay")]).record(depth.relayQueued)
            gauge("bulkhead_relay_held_messages").record(depth.relayHeld)
            gauge("bulkhead_store_up").record(1)
        } catch {
            logger.warning("metrics: the store cannot be read", metadata: ["error": "\(error)"])
            gauge("bulkhead_store_up").record(0)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    /// 200 `ready` when the store answers a cheap read within ``readyTimeout``, else 503.
    private func ready() async -> Response {
        let store = store
        let clock = clock
        let answered = await withTaskGroup(of: Result<Bool, any Error>.self) { group in
            group.addTask {
                do {
                    _ = try await store.latch(named: Latch.emergencyStop)
                    return .success(true)
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do { try await clock.sleep(for: Self.readyTimeout) } catch { return .failure(error) }
                return .success(false)
            }
            let first = await group.next() ?? .success(false)
            group.cancelAll()
            return first
        }
        switch answered {
        case .success(true):
            return Self.text(.ok, "ready\n")
        case .success(false):
            logger.warning("ready: the store did not answer in time")
            return Self.text(.serviceUnavailable, "not ready: the store does not answer\n")
        case .failure(let error):
            logger.warning("ready: the store cannot be read", metadata: ["error": "\(error)"])
            return Self.text(.serviceUnavailable, "not ready: the store cannot be read\n")
        }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Metrics.Gauge {
        Metrics.Gauge(label: label, dimensions: dimensions, factory: factory)
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
