import Metrics
public import Prometheus

/// The process's one Prometheus registry. The first use bootstraps swift-metrics with a
/// `PrometheusMetricsFactory` over it: `MetricsSystem.bootstrap` may run only once per process, and a
/// `static let` is initialised exactly once, whichever thread gets there first. Only `bulkhead serve`
/// uses it; tests make their own `PrometheusCollectorRegistry` and never bootstrap the global system.
///
/// ```swift
/// let routes = ObservabilityRoutes(store: store, registry: ProcessMetrics.registry, clock: SystemClock(), logger: logger)
/// ```
public enum ProcessMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
