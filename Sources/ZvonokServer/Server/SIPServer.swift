import Dispatch
import Logging
import Synchronization
import SIPCore
import SIPTransaction
import SIPTransport

/// The SIP server (RFC 3261 §18 transport, §17 transactions, the transaction user above): binds
/// every listening point, starts the workers, and drains and stops them. The composition root
/// wires it; the daemon runs it as a service.
///
/// UDP: each worker binds its own socket to every UDP listening point with `SO_REUSEPORT`, so
/// the kernel spreads datagrams across workers and no reader thread sits in between. TCP: one
/// accept queue; each connection belongs to one worker, round robin. Messages whose Call-ID
/// belongs to another worker are handed over as values.
public final class SIPServer: @unchecked Sendable {
    /// How the server runs: listening points, workers and their settings.
    public struct Options: Sendable {
        public var listen: [ListenAddress]
        public var workerCount: Int
        public var worker: WorkerSettings
        public var connectionLimits: ConnectionTable.Limits

        public init(listen: [ListenAddress], workerCount: Int, worker: WorkerSettings,
                    connectionLimits: ConnectionTable.Limits) {
            precondition(workerCount > 0, "at least one worker")
            self.listen = listen
            self.workerCount = workerCount
            self.worker = worker
            self.connectionLimits = connectionLimits
        }
    }

    public let options: Options
    private let logger: Logger
    private let shared: ServerShared
    private let acceptQueue = DispatchQueue(label: "zvonok.accept")
    private let state = Mutex<(listeners: [TCPListener], bound: [ListenAddress], started: Bool)>(([], [], false))

    /// A server with one transaction user per worker from `makeTransactionUser(workerIndex, addresses)`.
    public init(options: Options, metrics: any SIPMetrics, logger: Logger,
                makeTransactionUser: (Int, ServerAddresses) -> any TransactionUser<SIPPeer>) {
        self.options = options
        self.logger = logger
        shared = ServerShared(workerCount: options.workerCount, connectionLimits: options.connectionLimits,
                              parserLimits: options.worker.parserLimits, advertisedAddress: options.worker.advertisedAddress,
                              metrics: metrics, logger: logger)
        var workerLogger = logger
        let workers = (0..<options.workerCount).map { index in
            workerLogger[metadataKey: "worker"] = "\(index)"
            return Worker(index: index, shared: shared, settings: options.worker,
                          transactionUser: makeTransactionUser(index, shared.addresses), logger: workerLogger)
        }
        shared.setWorkers(workers)
    }

    /// Calls `handler` (on the closing connection's queue) whenever a TCP connection closes.
    public func onConnectionClosed(_ handler: @escaping @Sendable (SIPPeer) -> Void) {
        shared.onConnectionClosed(handler)
    }

    /// Hands an asynchronous service's answer to worker `index`'s transaction user, on its queue.
    public func deliver(serviceAnswer: any Sendable, toWorker index: Int) {
        shared.worker(index).deliver(serviceAnswer: serviceAnswer)
    }

    /// Hands the same answer (new settings) to every worker's transaction user.
    public func deliverToEveryWorker(serviceAnswer: any Sendable) {
        for worker in shared.workers { worker.deliver(serviceAnswer: serviceAnswer) }
    }

    /// The listening points as bound (a configured port 0 shows the port the kernel chose).
    public var boundListenPoints: [ListenAddress] { state.withLock { $0.bound } }

    /// Binds every listening point and starts the workers. Throws, with everything bound so far
    /// closed again, when an address cannot be bound; the error names it.
    public func start() throws(SystemError) {
        var sockets: [[Int: UDPSocket]] = Array(repeating: [:], count: shared.workerCount)
        var listeners: [TCPListener] = []
        var bound: [ListenAddress] = []
        do throws(SystemError) {
            for (listenerIndex, point) in options.listen.enumerated() {
                switch point.transport {
                case .udp:
                    // A socket without SO_REUSEPORT first: it fails when another process (a second
                    // zvonokd) holds the port, which the group would otherwise share in silence. It
                    // also fixes the port when the configuration says 0.
                    let probe = try UDPSocket(bindingTo: point.address, reusePort: false)
                    var address = probe.localAddress
                    probe.close()
                    for worker in 0..<shared.workerCount {
                        let socket = try UDPSocket(bindingTo: address, reusePort: true)
                        address = socket.localAddress
                        sockets[worker][listenerIndex] = socket
                    }
                    bound.append(ListenAddress(transport: .udp, address: address))
                case .tcp:
                    let listener = try TCPListener(bindingTo: point.address)
                    listeners.append(listener)
                    bound.append(ListenAddress(transport: .tcp, address: listener.localAddress))
                }
            }
        } catch {
            for perWorker in sockets { for socket in perWorker.values { socket.close() } }
            for listener in listeners { listener.close() }
            throw error
        }
        shared.setBound(bound)
        let maxDatagramBytes = 65_535  // the largest UDP payload; the configured limit is checked per message
        for worker in shared.workers {
            let own = sockets[worker.index]
            worker.queue.sync { worker.udpSockets = own }
            for (listenerIndex, socket) in own {
                socket.startReading(on: worker.queue, maxDatagramBytes: maxDatagramBytes,
                                    threadName: "zvonok-udp-\(worker.index)",
                                    batch: { [unowned worker] queueDelay, handleBatch in
                                        worker.holdingUDPSends(queueDelay: queueDelay, handleBatch)
                                    }) {
                    [unowned worker] bytes, source, truncated in
                    worker.receiveDatagram(bytes, from: source, truncated: truncated, listenerIndex: listenerIndex)
                }
            }
            worker.start()
        }
        var tcpIndex = 0
        for (listenerIndex, point) in options.listen.enumerated() where point.transport == .tcp {
            let listener = listeners[tcpIndex]
            tcpIndex += 1
            let shared = self.shared
            listener.startAccepting(on: acceptQueue) { fd, remote in
                shared.adopt(fd: fd, remote: remote, listenerIndex: listenerIndex)
            }
        }
        state.withLock { $0 = (listeners, bound, true) }
        for point in bound { logger.info("listening", metadata: ["on": "\(point)"]) }
    }

    /// Stops taking new work (SIGTERM): new requests get 503 with Retry-After and no new TCP
    /// connections are accepted; retransmissions, ACKs and responses of open transactions are
    /// still handled.
    public func beginDraining() {
        let listeners = state.withLock { s -> [TCPListener] in
            let l = s.listeners
            s.listeners = []
            return l
        }
        acceptQueue.sync { for listener in listeners { listener.close() } }
        for worker in shared.workers { worker.perform { $0.draining = true } }
    }

    /// Transactions alive across all workers.
    public func transactionCount() -> Int {
        shared.workers.reduce(0) { total, worker in total + worker.queue.sync { worker.transactionCount } }
    }

    /// Transactions across all workers still waiting for a final response.
    public func unfinishedTransactionCount() -> Int {
        shared.workers.reduce(0) { total, worker in total + worker.queue.sync { worker.unfinishedTransactionCount } }
    }

    /// Waits until no transaction waits for a final response, or `grace` has passed; true when
    /// none does. Transactions that only absorb retransmissions are not waited for.
    public func drain(within grace: Duration) async -> Bool {
        let deadline = MonotonicClock.now() + grace
        while MonotonicClock.now() < deadline, !Task.isCancelled {
            if unfinishedTransactionCount() == 0 { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return unfinishedTransactionCount() == 0
    }

    /// Closes every socket and connection and stops the workers.
    public func stop() {
        beginDraining()
        for connection in shared.connections.all { connection.closeAsync(.shutdown) }
        for worker in shared.workers { worker.queue.sync { worker.stop() } }
        state.withLock { $0.started = false }
    }

    /// Applies reloadable settings (SIGHUP): timers and limits for new transactions and messages.
    public func reload(worker settings: WorkerSettings, connectionLimits: ConnectionTable.Limits) {
        shared.connections.setLimits(connectionLimits)
        shared.setParserLimits(settings.parserLimits)
        shared.addresses.setAdvertised(settings.advertisedAddress)
        for worker in shared.workers { worker.perform { $0.applySettings(settings) } }
    }
}
