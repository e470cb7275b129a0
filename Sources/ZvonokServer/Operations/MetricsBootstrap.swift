import CoreMetrics
import Prometheus
import Synchronization

/// Makes swift-metrics report into a Prometheus registry, once per process.
public enum MetricsBootstrap {
    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps `MetricsSystem` with a `PrometheusMetricsFactory` over a new
    /// `PrometheusCollectorRegistry` and returns that registry (for `MetricsEndpoint`). Later calls
    /// return the same registry without bootstrapping again (`MetricsSystem.bootstrap` may run
    /// only once; do not call it elsewhere).
    public static func bootstrapPrometheus() -> PrometheusCollectorRegistry {
        bootstrapped.withLock { existing in
            if let existing { return existing }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            existing = registry
            return registry
        }
    }
}
