#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Prometheus
import SIPTransport

/// The Prometheus scrape endpoint: HTTP/1.1 on non-blocking sockets driven by Dispatch.
///
/// `GET /metrics` (and `HEAD`) answers 200 with `Content-Type: text/plain; version=0.0.4` and the
/// registry's exposition text; another path 404, another method on `/metrics` 405, anything
/// that is not an HTTP/1.x request head 400, a head over `maxRequestHeadBytes` 431. Every
/// response carries `Connection: close` and the connection is closed after it. A client that
/// has not finished within `clientTimeoutMilliseconds` is disconnected; beyond
/// `maxConnections` open scrapes, new ones are closed at once.
///
/// All state lives on one serial queue (`@unchecked Sendable` for that reason). The listener
/// holds the endpoint until `stop()`, which must be called to release the port.
public final class MetricsEndpoint: @unchecked Sendable {
    /// Where to listen and the limits on each client.
    public struct Configuration: Sendable {
        /// Listening address; `127.0.0.1:9090` by default, port 0 for any free port.
        public var address: SocketAddress
        /// The largest request head read before answering 431.
        public var maxRequestHeadBytes: Int
        /// How long one connection may take from accept to close.
        public var clientTimeoutMilliseconds: Int
        /// Open scrape connections at most.
        public var maxConnections: Int

        /// The defaults are what `zvonokd` uses when the configuration names no metrics address.
        public init(
            address: SocketAddress = SocketAddress(ip: "127.0.0.1", port: 9090)!,
            maxRequestHeadBytes: Int = 8 * 1024, clientTimeoutMilliseconds: Int = 5_000,
            maxConnections: Int = 16
        ) {
            precondition(maxRequestHeadBytes > 0 && clientTimeoutMilliseconds > 0 && maxConnections > 0)
            self.address = address
            self.maxRequestHeadBytes = maxRequestHeadBytes
            self.clientTimeoutMilliseconds = clientTimeoutMilliseconds
            self.maxConnections = maxConnections
        }
    }

    /// The address actually bound (with the kernel's port when configured with port 0).
    public let localAddress: SocketAddress
    /// The configuration it runs with.
    public let configuration: Configuration

    private let registry: PrometheusCollectorRegistry
    private let queue: DispatchQueue
    private let listener: TCPListener
    private var connections: [Int32: MetricsHTTPConnection] = [:]
    private var running = false

    /// Binds the listening socket (throws when the address is taken or not local); serves
    /// nothing until `start()`.
    public init(
        registry: PrometheusCollectorRegistry, configuration: Configuration = Configuration(),
        queue: DispatchQueue = DispatchQueue(label: "zvonok.metrics")
    ) throws(SystemError) {
        self.registry = registry
        self.configuration = configuration
        self.queue = queue
        self.listener = try TCPListener(bindingTo: configuration.address, backlog: 64)
        self.localAddress = listener.localAddress
    }

    /// Starts accepting scrapes. Call once, from outside the endpoint's queue.
    public func start() {
        dispatchPrecondition(condition: .notOnQueue(queue))
        queue.sync {
            precondition(!running, "MetricsEndpoint started twice")
            running = true
            listener.startAccepting(on: queue) { [self] fd, _ in accepted(fd) }
        }
    }

    /// Stops accepting and closes open connections. Call from outside the endpoint's queue.
    public func stop() {
        dispatchPrecondition(condition: .notOnQueue(queue))
        queue.sync {
            listener.close()
            running = false
            for connection in Array(connections.values) { connection.close() }
            connections.removeAll()
        }
    }

    /// Connections open now (for tests and diagnostics); read from outside the endpoint's queue.
    public var openConnections: Int {
        dispatchPrecondition(condition: .notOnQueue(queue))
        return queue.sync { connections.count }
    }

    private func accepted(_ fd: Int32) {
        guard running, connections.count < configuration.maxConnections else {
            Glibc.close(fd)
            return
        }
        let registry = self.registry
        let connection = MetricsHTTPConnection(
            fd: fd, queue: queue, maxHeadBytes: configuration.maxRequestHeadBytes,
            respond: { outcome in
                guard case .metrics = outcome else { return MetricsHTTPRequest.response(outcome) }
                var body: [UInt8] = []
                registry.emit(into: &body)
                return MetricsHTTPRequest.response(outcome, body: body)
            },
            onClose: { [weak self] fd in self?.connections[fd] = nil })
        connections[fd] = connection
        connection.start(timeoutMilliseconds: configuration.clientTimeoutMilliseconds)
    }
}
