import CoreMetrics
import Dispatch
import Prometheus
import SIPCore
import Testing
@testable import ZvonokServer

@Suite struct ServerMetricsTests {
    /// A facade over a registry of its own (MetricsSystem's global bootstrap is not touched).
    private func makeMetrics(workers: Int = 2) -> (ServerMetrics, PrometheusCollectorRegistry) {
        let registry = PrometheusCollectorRegistry()
        return (ServerMetrics(workerCount: workers, factory: PrometheusMetricsFactory(registry: registry)), registry)
    }

    private func lines(_ registry: PrometheusCollectorRegistry) -> Set<String> {
        Set(registry.emitToString().split(separator: "\n").map(String.init))
    }

    @Test func requestsAreCountedPerMethodWithExtensionsAsOther() {
        let (metrics, registry) = makeMetrics()
        metrics.messagesIn(method: .invite).increment()
        metrics.messagesIn(method: .invite).increment()
        metrics.messagesIn(method: SIPMethod("FOO")).increment()
        metrics.messagesOut(method: .options).increment(by: 3)
        for method in SIPMethod.standard { metrics.messagesOut(method: method).increment() }
        let text = lines(registry)
        #expect(text.contains(#"zvonok_sip_requests_received_total{method="INVITE"} 2"#))
        #expect(text.contains(#"zvonok_sip_requests_received_total{method="other"} 1"#))
        #expect(text.contains(#"zvonok_sip_requests_received_total{method="BYE"} 0"#))
        #expect(text.contains(#"zvonok_sip_requests_sent_total{method="OPTIONS"} 4"#))
        #expect(text.contains("# TYPE zvonok_sip_requests_received_total counter"))
        for method in SIPMethod.standard {
            #expect(ServerMetrics.methodLabels[ServerMetrics.methodIndex(method)] == method.name)
            #expect(text.contains("zvonok_sip_requests_sent_total{method=\"\(method.name)\"} \(method == .options ? 4 : 1)"))
        }
    }

    @Test func responsesAreCountedPerExactCodeCreatedOnFirstUse() {
        let (metrics, registry) = makeMetrics()
        for _ in 0..<3 { metrics.responsesOut(code: 200).increment() }
        metrics.responsesOut(code: 486).increment()
        metrics.responsesIn(code: 180).increment()
        metrics.responsesIn(code: 99).increment()
        metrics.responsesIn(code: 700).increment()
        #expect(metrics.responsesOut(code: 200) === metrics.responsesOut(code: 200))
        #expect(metrics.responsesOut(code: 200) !== metrics.responsesIn(code: 200))
        let text = lines(registry)
        #expect(text.contains(#"zvonok_sip_responses_sent_total{code="200"} 3"#))
        #expect(text.contains(#"zvonok_sip_responses_sent_total{code="486"} 1"#))
        #expect(text.contains(#"zvonok_sip_responses_received_total{code="180"} 1"#))
        #expect(text.contains(#"zvonok_sip_responses_received_total{code="other"} 2"#))
        #expect(!text.contains { $0.contains(#"code="404""#) })  // never seen, never exported
    }

    @Test func concurrentIncrementsFromManyWorkersAddUp() {
        let (metrics, registry) = makeMetrics()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for i in 0..<1_000 {
                metrics.responsesOut(code: 100 + i % 600).increment()
                metrics.messagesIn(method: .register).increment()
            }
        }
        let text = lines(registry)
        #expect(text.contains(#"zvonok_sip_requests_received_total{method="REGISTER"} 8000"#))
        // 1000 iterations over 600 codes: codes 100...499 hit twice per thread, 500...699 once.
        #expect(text.contains(#"zvonok_sip_responses_sent_total{code="100"} 16"#))
        #expect(text.contains(#"zvonok_sip_responses_sent_total{code="699"} 8"#))
    }

    @Test func gaugesAndTheRemainingCounters() {
        let (metrics, registry) = makeMetrics(workers: 3)
        metrics.transactionsAlive(worker: 1).set(5)
        metrics.transactionsAlive(worker: 1).increment()
        metrics.transactionsAlive(worker: 2).increment()
        metrics.transactionsAlive(worker: 2).decrement()
        metrics.workerQueueDepth(worker: 0).set(12)
        metrics.connections.increment()
        metrics.connections.increment()
        metrics.connections.decrement()
        metrics.retransmissions.increment(by: 7)
        metrics.parseErrors(kind: .invalid).increment()
        metrics.parseErrors(kind: .reject).increment(by: 2)
        metrics.refusals(reason: .connectionLimit).increment()
        metrics.refusals(reason: .perIPLimit).increment(by: 2)
        metrics.refusals(reason: .tableFull).increment(by: 3)
        let text = lines(registry)
        for expected in [
            #"zvonok_sip_transactions_alive{worker="0"} 0.0"#,
            #"zvonok_sip_transactions_alive{worker="1"} 6.0"#,
            #"zvonok_sip_transactions_alive{worker="2"} 0.0"#,
            #"zvonok_worker_queue_depth{worker="0"} 12.0"#,
            "zvonok_tcp_connections 1.0",
            "zvonok_sip_retransmissions_total 7",
            #"zvonok_sip_parse_errors_total{kind="invalid"} 1"#,
            #"zvonok_sip_parse_errors_total{kind="reject"} 2"#,
            #"zvonok_refusals_total{reason="connection_limit"} 1"#,
            #"zvonok_refusals_total{reason="per_ip_limit"} 2"#,
            #"zvonok_refusals_total{reason="table_full"} 3"#,
            "# TYPE zvonok_sip_transactions_alive gauge",
        ] {
            #expect(text.contains(expected), "\(expected)")
        }
        #expect(!text.contains { $0.contains(#"worker="3""#) })
    }

    @Test func verdictKindsMapToParseErrorKinds() {
        #expect(ServerMetrics.ParseErrorKind(DatagramVerdict.Kind.valid) == nil)
        #expect(ServerMetrics.ParseErrorKind(DatagramVerdict.Kind.invalid) == .invalid)
        #expect(ServerMetrics.ParseErrorKind(DatagramVerdict.Kind.reject) == .reject)
    }

    @Test func bootstrapPrometheusOnceFeedsTheGlobalFactory() {
        let registry = MetricsBootstrap.bootstrapPrometheus()
        #expect(MetricsBootstrap.bootstrapPrometheus() === registry)
        let metrics = ServerMetrics(workerCount: 1)  // the default factory: the bootstrapped one
        metrics.messagesIn(method: .message).increment()
        CoreMetrics.Counter(label: "zvonok_test_global_total").increment()
        let text = lines(registry)
        #expect(text.contains(#"zvonok_sip_requests_received_total{method="MESSAGE"} 1"#))
        #expect(text.contains("zvonok_test_global_total 1"))
    }
}
