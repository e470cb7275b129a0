import Dispatch
import Logging
import Synchronization
import SIPTransaction
import SIPCore
import SIPTransport

/// What all workers share (read-mostly): the worker list for hand-offs, the TCP connection
/// table, metrics, and how new connections are wired to workers.
final class ServerShared: @unchecked Sendable {
    let workerCount: Int
    let connections: ConnectionTable
    let metrics: any SIPMetrics
    let logger: Logger
    private let parserLimits: Mutex<SIPParserLimits>
    private let nextConnectionWorker = Atomic<Int>(0)
    /// Set once, before any socket is read.
    private(set) var workers: [Worker] = []
    /// The listening points as bound, the advertised address.
    let addresses: ServerAddresses
    /// Told when a TCP connection closes (the registrar drops the bindings reached through it).
    private let connectionClosedHandlers = Mutex<[@Sendable (SIPPeer) -> Void]>([])

    func setBound(_ bound: [ListenAddress]) { addresses.setBound(bound) }

    /// The first listening point with `transport` in `family`, to send from.
    func listenerIndex(for transport: TransportKind, family: SocketAddress.Family) -> Int? {
        addresses.listenerIndex(for: transport, family: family)
    }

    func onConnectionClosed(_ handler: @escaping @Sendable (SIPPeer) -> Void) {
        connectionClosedHandlers.withLock { $0.append(handler) }
    }

    init(workerCount: Int, connectionLimits: ConnectionTable.Limits, parserLimits: SIPParserLimits,
         advertisedAddress: String?, metrics: any SIPMetrics, logger: Logger) {
        self.addresses = ServerAddresses(advertised: advertisedAddress)
        self.workerCount = workerCount
        self.connections = ConnectionTable(limits: connectionLimits)
        self.metrics = metrics
        self.logger = logger
        self.parserLimits = Mutex(parserLimits)
    }

    func setWorkers(_ workers: [Worker]) {
        precondition(self.workers.isEmpty && workers.count == workerCount)
        self.workers = workers
    }

    func setParserLimits(_ limits: SIPParserLimits) { parserLimits.withLock { $0 = limits } }

    func worker(_ index: Int) -> Worker { workers[index] }

    /// The worker that takes the next accepted connection (round robin).
    func workerForNewConnection() -> Worker {
        workers[nextConnectionWorker.add(1, ordering: .relaxed).oldValue % workerCount]
    }

    /// Callbacks that route a connection's messages into `worker` and log its closing.
    func callbacks(for worker: Worker) -> TCPConnection.Callbacks {
        TCPConnection.Callbacks(
            message: { [unowned worker] connection, message in worker.receiveStreamMessage(message, on: connection) },
            closed: { [weak self] connection, reason in
                guard let self else { return }
                self.metrics.setConnections(self.connections.count)
                let peer = SIPPeer(transport: .tcp, remote: connection.remote, listenerIndex: connection.listenerIndex,
                                   connectionID: connection.id)
                for handler in self.connectionClosedHandlers.withLock({ $0 }) { handler(peer) }
                let level: Logger.Level = reason == .peerClosed || reason == .idle || reason == .shutdown ? .debug : .info
                self.logger.log(level: level, "TCP connection closed",
                                metadata: ["peer": "\(connection.remote)", "reason": "\(reason)"])
            },
            framingFailed: { [unowned worker] connection, error, bytes in
                worker.receiveUnframeable(bytes, error: error, on: connection)
            })
    }

    /// Adopts an accepted connection onto the next worker, or refuses it and says why.
    func adopt(fd: Int32, remote: SocketAddress, listenerIndex: Int) {
        let worker = workerForNewConnection()
        let result = connections.adopt(fd: fd, remote: remote, listenerIndex: listenerIndex, queue: worker.queue,
                                       limits: parserLimits.withLock { $0 },
                                       now: MonotonicClock.now().nanoseconds, callbacks: callbacks(for: worker))
        switch result {
        case .success:
            metrics.setConnections(connections.count)
        case .failure(let refusal):
            if case .tooManyFromIP = refusal { metrics.refusal(reason: "per_ip_limit") } else { metrics.refusal(reason: "connection_limit") }
            logger.warning("refused TCP connection", metadata: ["peer": "\(remote)", "reason": "\(refusal)"])
        }
    }

    /// Opens a connection owned by `worker`, the one sending on it.
    func openConnection(to destination: SocketAddress, listenerIndex: Int, from worker: Worker,
                        now: Instant) -> Result<TCPConnection, ConnectionTable.Refusal> {
        let result = connections.connect(to: destination, listenerIndex: listenerIndex, queue: worker.queue,
                                         limits: parserLimits.withLock { $0 }, now: now.nanoseconds,
                                         callbacks: callbacks(for: worker))
        if case .success = result { metrics.setConnections(connections.count) }
        return result
    }
}
