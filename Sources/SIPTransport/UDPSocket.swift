#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// One non-blocking UDP socket (RFC 3261 §18 over UDP) read by a Dispatch source on a worker's
/// serial queue. Each worker binds its own socket to the same address with `SO_REUSEPORT`, so the
/// kernel spreads datagrams across workers; any worker may send on any socket.
///
/// Reading drains the socket until `EAGAIN` (at most `maxDatagramsPerWakeup`, so one busy peer
/// cannot starve a worker's timers) into one reused buffer; a datagram longer than
/// `maxDatagramBytes` is reported as truncated rather than parsed.
public final class UDPSocket: @unchecked Sendable {
    /// What a read delivers: the datagram bytes (valid only during the call), who sent it, and
    /// whether it was longer than the buffer (then `bytes` holds only its start).
    public typealias Handler = @Sendable (_ bytes: UnsafeRawBufferPointer, _ source: SocketAddress, _ truncated: Bool) -> Void

    public let fd: Int32
    public let localAddress: SocketAddress
    public static let maxDatagramsPerWakeup = 256
    // Touched only on the reading queue.
    private var source: DispatchSourceRead?

    /// Binds a socket to `address` (port 0 picks a free port; `localAddress` tells which).
    public init(bindingTo address: SocketAddress, reusePort: Bool) throws(SystemError) {
        let fd = try Socket.make(family: address.family, type: Int32(SOCK_DGRAM.rawValue))
        // No SO_REUSEADDR: on Linux it lets unrelated UDP sockets share a port.
        if reusePort { Socket.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
        Socket.setOption(fd, SOL_SOCKET, SO_RCVBUF, 4 << 20)
        Socket.setOption(fd, SOL_SOCKET, SO_SNDBUF, 4 << 20)
        do {
            try Socket.bind(fd, to: address)
        } catch {
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        self.localAddress = Socket.localAddress(fd) ?? address
    }

    /// Starts delivering datagrams to `handler` on `queue`.
    public func startReading(on queue: DispatchQueue, maxDatagramBytes: Int, handler: @escaping Handler) {
        precondition(source == nil, "startReading twice")
        let fd = self.fd
        let capacity = maxDatagramBytes + 1
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler {
            var storage = sockaddr_storage()
            for _ in 0..<UDPSocket.maxDatagramsPerWakeup {
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, buffer.baseAddress, capacity, Int32(MSG_TRUNC), $0, &length)
                    }
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EAGAIN: drained; other errors (ICMP unreachable reports) are not ours to act on
                }
                guard let from = SocketAddress(storage: storage) else { continue }
                let truncated = n > maxDatagramBytes
                handler(UnsafeRawBufferPointer(rebasing: buffer[0..<min(n, maxDatagramBytes)]), from, truncated)
            }
        }
        source.setCancelHandler {
            buffer.deallocate()
            Glibc.close(fd)
        }
        self.source = source
        source.resume()
    }

    /// Sends one datagram; returns nil when it left or was dropped for want of buffer space
    /// (EAGAIN, ENOBUFS: as if lost on the way, §17 retransmission recovers it), or the error
    /// when the destination cannot be reached (the caller reports it to the transaction,
    /// §17.1.4 / §17.2.4).
    @discardableResult
    public func send(_ bytes: [UInt8], to destination: SocketAddress) -> SystemError? {
        while true {
            let rc = bytes.withUnsafeBytes { raw in
                destination.withSockAddr { sendto(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), $0, $1) }
            }
            if rc >= 0 { return nil }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, ENOBUFS: return nil
            default: return SystemError("sendto", context: destination.description)
            }
        }
    }

    /// Stops reading; the descriptor is closed once the source has let go of it. Call it on the
    /// reading queue (or before reading started).
    public func close() {
        guard let source else { Glibc.close(fd); return }
        self.source = nil
        source.cancel()
    }
}
