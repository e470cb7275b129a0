#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import CDatagramBatch

/// One non-blocking UDP socket (RFC 3261 §18 over UDP), read for a worker by a thread of its own
/// (`DatagramReader`: recvmmsg batches handled on the worker's serial queue). Each worker binds
/// its own socket to the same address with `SO_REUSEPORT`, so the kernel spreads datagrams
/// across workers; any worker may send on any socket.
///
/// A datagram longer than `maxDatagramBytes` is reported as truncated rather than parsed.
public final class UDPSocket: @unchecked Sendable {
    /// What a read delivers: the datagram bytes (valid only during the call), who sent it, and
    /// whether it was longer than the buffer (then `bytes` holds only its start).
    public typealias Handler = @Sendable (_ bytes: UnsafeRawBufferPointer, _ source: SocketAddress, _ truncated: Bool) -> Void
    /// Runs around each batch of reads: it must call its argument, which runs the handler for
    /// every datagram of the batch, once (a worker holds its sends meanwhile; `DatagramOutbox`).
    /// `queueDelay` is how long the batch's oldest datagram waited in the socket, from the
    /// kernel's receive timestamp (nil when there is none): how far behind the reader is.
    public typealias BatchWrapper = @Sendable (_ queueDelay: Duration?, _ handleBatch: () -> Void) -> Void

    public let fd: Int32
    public let localAddress: SocketAddress
    // Set by `startReading`, cleared by `close`, both on the owner's side (hence `@unchecked`).
    private var reader: DatagramReader?

    /// Binds a socket to `address` (port 0 picks a free port; `localAddress` tells which).
    public init(bindingTo address: SocketAddress, reusePort: Bool) throws(SystemError) {
        let fd = try Socket.make(family: address.family, type: Int32(SOCK_DGRAM.rawValue))
        // No SO_REUSEADDR: on Linux it lets unrelated UDP sockets share a port.
        if reusePort { Socket.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
        Socket.setOption(fd, SOL_SOCKET, SO_RCVBUF, 4 << 20)
        Socket.setOption(fd, SOL_SOCKET, SO_SNDBUF, 4 << 20)
        _ = zv_enable_receive_timestamps(fd)  // without them, batches carry no queue delay
        do {
            try Socket.bind(fd, to: address)
        } catch {
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        self.localAddress = Socket.localAddress(fd) ?? address
    }

    /// Starts delivering datagrams to `handler` on `queue`, read by a thread named `threadName`;
    /// each batch of them runs inside `batch`, when given.
    public func startReading(on queue: DispatchQueue, maxDatagramBytes: Int, threadName: String = "zvonok-udp",
                             batch: BatchWrapper? = nil, handler: @escaping Handler) {
        precondition(reader == nil, "startReading twice")
        let reader = DatagramReader(fd: fd, queue: queue, maxDatagramBytes: maxDatagramBytes, name: threadName,
                                    batch: batch, handler: handler)
        self.reader = reader
        reader.start()
    }

    /// Sends one datagram; returns nil when it left or was dropped for want of buffer space
    /// (EAGAIN, ENOBUFS: as if lost on the way, §17 retransmission recovers it), or the error
    /// when the destination cannot be reached (the caller reports it to the transaction,
    /// §17.1.4 / §17.2.4).
    @discardableResult
    public func send(_ bytes: [UInt8], to destination: SocketAddress) -> SystemError? {
        bytes.withUnsafeBytes { send($0, to: destination) }
    }

    /// `send` for bytes the caller holds.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) -> SystemError? {
        while true {
            let rc = destination.withSockAddr { sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, $1) }
            if rc >= 0 { return nil }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, ENOBUFS: return nil
            default: return SystemError("sendto", context: destination.description)
            }
        }
    }

    /// Stops reading: no handler runs after this returns when called on the reading queue; the
    /// descriptor is closed once the reading thread has let go of it (at once if reading never
    /// started).
    public func close() {
        guard let reader else { Glibc.close(fd); return }
        self.reader = nil
        reader.stop()
    }
}
