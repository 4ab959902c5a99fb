public import Metrics

/// The engine's metrics, through swift-metrics: `bulkhead serve` bootstraps a Prometheus factory once
/// per process (BulkheadWeb's `ProcessMetrics`) and `/metrics` shows them; elsewhere they go to the
/// no-op factory. Tests pass their own factory instead of bootstrapping the global one. Labels hold
/// kinds, outcomes and metric names only: never an address or a secret.
///
/// ```swift
/// let metrics = EngineMetrics(factory: PrometheusMetricsFactory(registry: registry))
/// metrics.message(.sent, .campaign)              // bulkhead_messages_total{kind="campaign",outcome="sent"} 1
/// metrics.handOver(.milliseconds(40), .relay)    // bulkhead_smtp_handover_seconds{kind="relay"}
/// ```
public struct EngineMetrics: Sendable {
    /// Where a message came from.
    public enum Kind: String, Sendable, CaseIterable {
        case campaign, relay
    }

    /// What became of a message (or recipient). (Recipients the claims skip as suppressed are
    /// decided inside the store's claim transaction and not counted here.)
    public enum Outcome: String, Sendable, CaseIterable {
        case sent, deferred, failed, uncertain, bounced
    }

    /// The factory; nil reads `MetricsSystem.factory` at each use (so a bootstrap after this value
    /// was made still counts).
    let factory: (any MetricsFactory)?

    /// Metrics through `factory` (nil: the process's bootstrapped factory, read at each use).
    public init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory
    }

    /// The process's factory, read at each use.
    public static let global = EngineMetrics()

    private var current: any MetricsFactory { factory ?? MetricsSystem.factory }

    /// One message (relay: one recipient's copy) with `outcome`. `sent` counts make the send rate.
    public func message(_ outcome: Outcome, _ kind: Kind) {
        Counter(label: "bulkhead_messages_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome.rawValue)], factory: current)
            .increment()
    }

    /// How long one message's hand-over to the transport took (SMTP: connection lease to the last reply).
    public func handOver(_ duration: Duration, _ kind: Kind) {
        let (seconds, attoseconds) = duration.components
        Timer(label: "bulkhead_smtp_handover_seconds", dimensions: [("kind", kind.rawValue)], factory: current)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// A relay message (or list post) filed as held.
    public func relayHeld() { count("bulkhead_relay_holds_total") }

    /// A relay sender's breaker tripped.
    public func relayBreakerTripped() { count("bulkhead_relay_breaker_trips_total") }

    /// A reply storm blocked a hosted list's thread.
    public func listStormBlocked() { count("bulkhead_list_storm_blocks_total") }

    /// A brake paused a campaign (`metric`: bounce, complaint, unsubscribe, rejection).
    public func brakeTripped(_ metric: String) {
        Counter(label: "bulkhead_brake_trips_total", dimensions: [("metric", metric)], factory: current).increment()
    }

    private func count(_ label: String) {
        Counter(label: label, factory: current).increment()
    }
}
