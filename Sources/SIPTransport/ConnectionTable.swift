#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import SIPCore

/// Every open TCP connection of the server (RFC 3261 §18: connection reuse; §18.2.2: responses on
/// the connection of the request), with the operator's caps: total connections and connections
/// per remote IP. Shared by all workers behind one lock; lookups are by id (responses) or by
/// remote address (reusing a connection to a peer, §18.1.1).
public final class ConnectionTable: Sendable {
    /// Caps, from configuration.
    public struct Limits: Sendable, Equatable {
        public var maxConnections: Int
        public var maxConnectionsPerIP: Int
        public init(maxConnections: Int, maxConnectionsPerIP: Int) {
            self.maxConnections = maxConnections
            self.maxConnectionsPerIP = maxConnectionsPerIP
        }
    }

    /// Why a connection was refused: the log line says it.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case tooManyConnections(limit: Int)
        case tooManyFromIP(String, limit: Int)
        case connect(SystemError)

        public static func == (lhs: Refusal, rhs: Refusal) -> Bool { lhs.description == rhs.description }

        public var description: String {
            switch self {
            case .tooManyConnections(let limit): "connection limit reached (limits.maxConnections = \(limit))"
            case .tooManyFromIP(let ip, let limit): "too many connections from \(ip) (limits.maxConnectionsPerIP = \(limit))"
            case .connect(let error): error.description
            }
        }
    }

    private struct State {
        var byID: [UInt64: TCPConnection] = [:]
        var byRemote: [SocketAddress: UInt64] = [:]
        var perIP: [SocketAddress: Int] = [:]
        var nextID: UInt64 = 1
        var limits: Limits
    }

    private let state: Mutex<State>

    public init(limits: Limits) {
        state = Mutex(State(limits: limits))
    }

    /// Changes the caps (configuration reload); open connections over a new cap stay open.
    public func setLimits(_ limits: Limits) { state.withLock { $0.limits = limits } }

    public var count: Int { state.withLock { $0.byID.count } }

    /// The open connection with this id.
    public func connection(id: UInt64) -> TCPConnection? { state.withLock { $0.byID[id] } }

    /// An open connection to (or from) `remote`, to reuse for a request (§18.1.1).
    public func connection(to remote: SocketAddress) -> TCPConnection? {
        state.withLock { s in s.byRemote[remote].flatMap { s.byID[$0] } }
    }

    /// All open connections (for idle sweeps and shutdown).
    public var all: [TCPConnection] { state.withLock { Array($0.byID.values) } }

    /// Takes an accepted descriptor: registers and starts it on `queue`, or closes it and says why.
    public func adopt(fd: Int32, remote: SocketAddress, listenerIndex: Int, queue: DispatchQueue,
                      limits parserLimits: SIPParserLimits, now: Int64,
                      callbacks: TCPConnection.Callbacks) -> Result<TCPConnection, Refusal> {
        let result = register(remote: remote) { id in
            TCPConnection(fd: fd, id: id, remote: remote, listenerIndex: listenerIndex, queue: queue,
                          limits: parserLimits, isOutbound: false, connecting: false, now: now,
                          callbacks: wrap(callbacks))
        }
        switch result {
        case .success(let connection): connection.start()
        case .failure: Glibc.close(fd)
        }
        return result
    }

    /// Opens a connection to `remote` (non-blocking: writes wait until it is up), registered for
    /// reuse, or says why not.
    public func connect(to remote: SocketAddress, listenerIndex: Int, queue: DispatchQueue,
                        limits parserLimits: SIPParserLimits, now: Int64,
                        callbacks: TCPConnection.Callbacks) -> Result<TCPConnection, Refusal> {
        let fd: Int32
        do {
            fd = try Socket.make(family: remote.family, type: Int32(SOCK_STREAM.rawValue))
        } catch {
            return .failure(.connect(error))
        }
        Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        let rc = remote.withSockAddr { Glibc.connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS {
            let error = SystemError("connect", context: remote.description)
            Glibc.close(fd)
            return .failure(.connect(error))
        }
        let result = register(remote: remote) { id in
            TCPConnection(fd: fd, id: id, remote: remote, listenerIndex: listenerIndex, queue: queue,
                          limits: parserLimits, isOutbound: true, connecting: rc != 0, now: now,
                          callbacks: wrap(callbacks))
        }
        switch result {
        case .success(let connection): connection.start()
        case .failure: Glibc.close(fd)
        }
        return result
    }

    private func register(remote: SocketAddress, make: (UInt64) -> TCPConnection) -> Result<TCPConnection, Refusal> {
        let ip = remote.withPort(0)
        return state.withLock { s -> Result<TCPConnection, Refusal> in
            guard s.byID.count < s.limits.maxConnections else {
                return .failure(.tooManyConnections(limit: s.limits.maxConnections))
            }
            let fromIP = s.perIP[ip, default: 0]
            guard fromIP < s.limits.maxConnectionsPerIP else {
                return .failure(.tooManyFromIP(remote.ipText, limit: s.limits.maxConnectionsPerIP))
            }
            let id = s.nextID
            s.nextID += 1
            let connection = make(id)
            s.byID[id] = connection
            s.byRemote[remote] = id
            s.perIP[ip] = fromIP + 1
            return .success(connection)
        }
    }

    /// The callbacks, plus removal from the table when the connection closes.
    private func wrap(_ callbacks: TCPConnection.Callbacks) -> TCPConnection.Callbacks {
        TCPConnection.Callbacks(message: callbacks.message, closed: { [weak self] connection, reason in
            self?.remove(connection)
            callbacks.closed(connection, reason)
        }, framingFailed: callbacks.framingFailed)
    }

    private func remove(_ connection: TCPConnection) {
        let ip = connection.remote.withPort(0)
        state.withLock { s in
            guard s.byID.removeValue(forKey: connection.id) != nil else { return }
            if s.byRemote[connection.remote] == connection.id { s.byRemote[connection.remote] = nil }
            let left = s.perIP[ip, default: 1] - 1
            s.perIP[ip] = left > 0 ? left : nil
        }
    }
}
