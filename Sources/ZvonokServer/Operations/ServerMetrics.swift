import CoreMetrics
import SIPCore
import Synchronization

/// The counters and gauges of the SIP server, made once at start-up through swift-metrics (in
/// `zvonokd` backed by `PrometheusMetricsFactory`, see `MetricsBootstrap`), so that the hot path
/// never looks a metric up by name: a method counter is an array index, a status-code counter
/// an array slot created lock-free the first time that code is seen. Increments are atomic.
///
/// The exported series (Prometheus text format, label names in braces):
///
/// | name | type | labels | what it counts |
/// |---|---|---|---|
/// | `zvonok_sip_requests_received_total` | counter | `method` | requests read from the network |
/// | `zvonok_sip_requests_sent_total` | counter | `method` | requests written to the network |
/// | `zvonok_sip_responses_received_total` | counter | `code` | responses read from the network |
/// | `zvonok_sip_responses_sent_total` | counter | `code` | responses written to the network |
/// | `zvonok_sip_retransmissions_total` | counter | — | retransmissions Zvonok sent (timers A, E, G and 2xx re-sends) |
/// | `zvonok_sip_parse_errors_total` | counter | `kind` | messages refused: `invalid` (unparseable, 400/drop) or `reject` (well-formed, answered 4xx/5xx) |
/// | `zvonok_sip_transactions_alive` | gauge | `worker` | transactions in each worker's table |
/// | `zvonok_worker_queue_depth` | gauge | `worker` | events waiting in each worker's queue |
/// | `zvonok_tcp_connections` | gauge | — | open TCP connections |
/// | `zvonok_refusals_total` | counter | `reason` | work refused at a limit: `connection_limit`, `per_ip_limit`, `table_full`, `queue_full`, `overload` |
///
/// `method` is one of INVITE ACK BYE CANCEL OPTIONS REGISTER MESSAGE INFO UPDATE PRACK SUBSCRIBE
/// NOTIFY REFER PUBLISH, or `other` for an extension method. `code` is the exact status code
/// 100–699, or `other` outside that range. `worker` is the worker index, `0` to `workerCount-1`.
public final class ServerMetrics: Sendable {
    /// The metric names, exactly as exported.
    public enum Name {
        /// Counter, label `method`: SIP requests received.
        public static let requestsReceived = "zvonok_sip_requests_received_total"
        /// Counter, label `method`: SIP requests sent.
        public static let requestsSent = "zvonok_sip_requests_sent_total"
        /// Counter, label `code`: SIP responses received.
        public static let responsesReceived = "zvonok_sip_responses_received_total"
        /// Counter, label `code`: SIP responses sent.
        public static let responsesSent = "zvonok_sip_responses_sent_total"
        /// Counter: retransmissions sent.
        public static let retransmissions = "zvonok_sip_retransmissions_total"
        /// Counter, label `kind` (`invalid`, `reject`): messages refused by the parser or validation.
        public static let parseErrors = "zvonok_sip_parse_errors_total"
        /// Gauge, label `worker`: live transactions per worker.
        public static let transactionsAlive = "zvonok_sip_transactions_alive"
        /// Gauge, label `worker`: queued events per worker.
        public static let workerQueueDepth = "zvonok_worker_queue_depth"
        /// Gauge: open TCP connections.
        public static let tcpConnections = "zvonok_tcp_connections"
        /// Counter, label `reason`: refusals at a limit.
        public static let refusals = "zvonok_refusals_total"
    }

    /// The `method` label values, in the order of the method counter arrays; `other` last.
    public static let methodLabels = [
        "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "MESSAGE", "INFO", "UPDATE", "PRACK",
        "SUBSCRIBE", "NOTIFY", "REFER", "PUBLISH", "other",
    ]

    /// Why a message counted in `zvonok_sip_parse_errors_total` was refused (the `kind` label).
    public enum ParseErrorKind: String, Sendable, CaseIterable {
        /// Not a well-formed SIP message: answered 400, or dropped if it was a response.
        case invalid
        /// Well-formed but refused by validation with a specific code.
        case reject

        /// The kind for a verdict of `DatagramVerdict`, nil for `valid`.
        public init?(_ kind: DatagramVerdict.Kind) {
            switch kind {
            case .valid: return nil
            case .invalid: self = .invalid
            case .reject: self = .reject
            }
        }
    }

    /// Which limit refused work (the `reason` label of `zvonok_refusals_total`).
    public enum RefusalReason: String, Sendable, CaseIterable {
        /// The TCP connection table's total cap.
        case connectionLimit = "connection_limit"
        /// The TCP connections-per-source-IP cap.
        case perIPLimit = "per_ip_limit"
        /// A full transaction or dialog table.
        case tableFull = "table_full"
        /// A full hand-off queue of a worker (messages dropped).
        case queueFull = "queue_full"
        /// A new request refused with 503 while the worker was behind (`WorkerSettings.overloadQueueDelay`).
        case overload = "overload"
    }

    /// The number of workers whose gauges exist.
    public let workerCount: Int
    /// Retransmissions sent by Zvonok's transactions (`zvonok_sip_retransmissions_total`).
    public let retransmissions: Counter
    /// Open TCP connections (`zvonok_tcp_connections`): increment on accept/connect, decrement on close.
    public let connections: Meter

    private let requestsIn: [Counter]
    private let requestsOut: [Counter]
    private let codesIn: StatusCodeCounters
    private let codesOut: StatusCodeCounters
    private let parseErrorCounters: [Counter]
    private let refusalCounters: [Counter]
    private let transactionGauges: [Meter]
    private let queueDepthGauges: [Meter]

    /// Creates every fixed series through `factory` (by default the bootstrapped one).
    /// `workerCount` is 1 to 1024.
    public init(workerCount: Int, factory: any MetricsFactory = MetricsSystem.factory) {
        precondition((1...1024).contains(workerCount), "workerCount \(workerCount) outside 1...1024")
        self.workerCount = workerCount
        func counters(_ name: String, _ label: String, _ values: [String]) -> [Counter] {
            values.map { Counter(label: name, dimensions: [(label, $0)], factory: factory) }
        }
        func workerGauges(_ name: String) -> [Meter] {
            (0..<workerCount).map { Meter(label: name, dimensions: [("worker", String($0))], factory: factory) }
        }
        requestsIn = counters(Name.requestsReceived, "method", Self.methodLabels)
        requestsOut = counters(Name.requestsSent, "method", Self.methodLabels)
        codesIn = StatusCodeCounters(name: Name.responsesReceived, factory: factory)
        codesOut = StatusCodeCounters(name: Name.responsesSent, factory: factory)
        retransmissions = Counter(label: Name.retransmissions, factory: factory)
        parseErrorCounters = counters(Name.parseErrors, "kind", ParseErrorKind.allCases.map(\.rawValue))
        refusalCounters = counters(Name.refusals, "reason", RefusalReason.allCases.map(\.rawValue))
        transactionGauges = workerGauges(Name.transactionsAlive)
        queueDepthGauges = workerGauges(Name.workerQueueDepth)
        connections = Meter(label: Name.tcpConnections, factory: factory)
    }

    /// Requests received with `method` (`zvonok_sip_requests_received_total{method=…}`).
    public func messagesIn(method: SIPMethod) -> Counter { requestsIn[Self.methodIndex(method)] }

    /// Requests sent with `method` (`zvonok_sip_requests_sent_total{method=…}`).
    public func messagesOut(method: SIPMethod) -> Counter { requestsOut[Self.methodIndex(method)] }

    /// Responses received with status `code` (`zvonok_sip_responses_received_total{code=…}`).
    public func responsesIn(code: Int) -> Counter { codesIn.counter(code) }

    /// Responses sent with status `code` (`zvonok_sip_responses_sent_total{code=…}`).
    public func responsesOut(code: Int) -> Counter { codesOut.counter(code) }

    /// Messages refused as `kind` (`zvonok_sip_parse_errors_total{kind=…}`).
    public func parseErrors(kind: ParseErrorKind) -> Counter {
        parseErrorCounters[kind == .invalid ? 0 : 1]
    }

    /// Work refused for `reason` (`zvonok_refusals_total{reason=…}`).
    public func refusals(reason: RefusalReason) -> Counter {
        switch reason {
        case .connectionLimit: refusalCounters[0]
        case .perIPLimit: refusalCounters[1]
        case .tableFull: refusalCounters[2]
        case .queueFull: refusalCounters[3]
        case .overload: refusalCounters[4]
        }
    }

    /// Live transactions of `worker` (`zvonok_sip_transactions_alive{worker=…}`): the worker sets
    /// it from its table's count, or increments and decrements it.
    public func transactionsAlive(worker: Int) -> Meter { transactionGauges[worker] }

    /// Events queued for `worker` (`zvonok_worker_queue_depth{worker=…}`).
    public func workerQueueDepth(worker: Int) -> Meter { queueDepthGauges[worker] }

    /// The index into `methodLabels` of `method`.
    static func methodIndex(_ method: SIPMethod) -> Int {
        switch method {
        case .invite: 0
        case .ack: 1
        case .bye: 2
        case .cancel: 3
        case .options: 4
        case .register: 5
        case .message: 6
        case .info: 7
        case .update: 8
        case .prack: 9
        case .subscribe: 10
        case .notify: 11
        case .refer: 12
        case .publish: 13
        case .extension: 14
        }
    }
}

/// One counter per status code 100–699 plus `other`, each made on first use: a slot holds an
/// atomic lazy reference, so a lookup is an index and a load, and a race to create one series
/// is settled by `storeIfNil` (the registry hands both racers the same series anyway).
final class StatusCodeCounters: Sendable {
    private final class Slot: Sendable {
        let counter = AtomicLazyReference<Counter>()
    }

    private let name: String
    private let factory: any MetricsFactory
    /// Codes 100...699 at `code - 100`, then `other` at 600.
    private let slots: [Slot]

    init(name: String, factory: any MetricsFactory) {
        self.name = name
        self.factory = factory
        self.slots = (0...600).map { _ in Slot() }
    }

    func counter(_ code: Int) -> Counter {
        let index = (100...699).contains(code) ? code - 100 : 600
        let slot = slots[index]
        if let existing = slot.counter.load() { return existing }
        let label = index == 600 ? "other" : String(code)
        return slot.counter.storeIfNil(Counter(label: name, dimensions: [("code", label)], factory: factory))
    }
}
