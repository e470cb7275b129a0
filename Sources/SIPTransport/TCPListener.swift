#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// A listening TCP socket (RFC 3261 §18 over TCP): accepts connections until `EAGAIN` on each
/// wake-up and hands each new descriptor, non-blocking, to `handler`, which decides (connection
/// limits) whether to keep it.
public final class TCPListener: @unchecked Sendable {
    public typealias Handler = @Sendable (_ fd: Int32, _ remote: SocketAddress) -> Void

    public let fd: Int32
    public let localAddress: SocketAddress
    private var source: DispatchSourceRead?

    public init(bindingTo address: SocketAddress, backlog: Int32 = 1024) throws(SystemError) {
        let fd = try Socket.make(family: address.family, type: Int32(SOCK_STREAM.rawValue))
        Socket.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        do throws(SystemError) {
            try Socket.bind(fd, to: address)
            guard listen(fd, backlog) == 0 else { throw SystemError("listen", context: address.description) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        self.localAddress = Socket.localAddress(fd) ?? address
    }

    /// Starts accepting on `queue`.
    public func startAccepting(on queue: DispatchQueue, handler: @escaping Handler) {
        precondition(source == nil, "startAccepting twice")
        let fd = self.fd
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [source] in
            while true {
                var storage = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let client = withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        accept(fd, $0, &length)
                    }
                }
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    if errno == EMFILE || errno == ENFILE {
                        // Out of descriptors: the connection stays in the backlog and the source
                        // would fire again at once. Pause accepting for 100 ms instead of spinning.
                        source.suspend()
                        nonisolated(unsafe) let paused = source  // resumed on this same queue
                        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { paused.resume() }
                    }
                    return  // EAGAIN: drained
                }
                guard let remote = SocketAddress(storage: storage) else { Glibc.close(client); continue }
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                Socket.setOption(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                handler(client, remote)
            }
        }
        source.setCancelHandler { Glibc.close(fd) }
        self.source = source
        source.resume()
    }

    /// Stops accepting and closes the socket (call on the accepting queue).
    public func close() {
        guard let source else { Glibc.close(fd); return }
        self.source = nil
        source.cancel()
    }
}
