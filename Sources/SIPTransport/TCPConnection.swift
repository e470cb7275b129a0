#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import SIPCore

/// One TCP connection carrying SIP (RFC 3261 §18.3 framing; RFC 5626 §3.5.1 CRLF keep-alives).
///
/// It belongs to one worker: reads, framing and the callbacks run on that worker's serial queue.
/// Any queue may `send`: writes go straight to the socket under a lock, and what the kernel does
/// not take waits in a bounded buffer drained by a write source. A stream that goes out of step
/// (bad framing, over the size limit) cannot be resynchronised, so the connection is closed.
public final class TCPConnection: @unchecked Sendable {
    /// Why a connection closed: said in the log line.
    public enum CloseReason: Sendable, Equatable, CustomStringConvertible {
        case peerClosed
        case readError(Int32)
        case writeError(Int32)
        case connectFailed(Int32)
        case framing(String)
        case idle
        case outputOverflow
        case shutdown

        public var description: String {
            switch self {
            case .peerClosed: "closed by the peer"
            case .readError(let e): "read failed: \(String(cString: strerror(e)))"
            case .writeError(let e): "write failed: \(String(cString: strerror(e)))"
            case .connectFailed(let e): "connect failed: \(String(cString: strerror(e)))"
            case .framing(let why): "stream framing error: \(why)"
            case .idle: "idle timeout"
            case .outputOverflow: "peer does not read (output buffer full)"
            case .shutdown: "server shutting down"
            }
        }
    }

    /// Callbacks, run on the connection's queue.
    public struct Callbacks: Sendable {
        public var message: @Sendable (TCPConnection, SIPMessage) -> Void
        public var closed: @Sendable (TCPConnection, CloseReason) -> Void
        /// The stream broke framing (over the size limit, no Content-Length): called with the
        /// error and the unread bytes just before the connection closes, so the server can still
        /// answer the message from its head (513, 400).
        public var framingFailed: (@Sendable (TCPConnection, SIPParseError, [UInt8]) -> Void)?
        public init(message: @escaping @Sendable (TCPConnection, SIPMessage) -> Void,
                    closed: @escaping @Sendable (TCPConnection, CloseReason) -> Void,
                    framingFailed: (@Sendable (TCPConnection, SIPParseError, [UInt8]) -> Void)? = nil) {
            self.message = message
            self.closed = closed
            self.framingFailed = framingFailed
        }
    }

    private struct WriteState {
        var pending: [UInt8] = []
        var connecting: Bool
        var writeSourceArmed = false
        var closed = false
    }

    public let id: UInt64
    public let remote: SocketAddress
    public let listenerIndex: Int
    public let queue: DispatchQueue
    /// Whether we opened it (client side) or accepted it.
    public let isOutbound: Bool
    public static let maxPendingOutputBytes = 4 << 20
    private static let readChunkBytes = 64 * 1024

    private let fd: Int32
    private let callbacks: Callbacks
    private let writeState: Mutex<WriteState>
    private let lastActivityNanoseconds = Atomic<Int64>(0)
    /// Dispatch sources still registered on `fd`: it is closed when the last one is cancelled.
    private let liveSources = Atomic<Int>(0)
    // Touched only on `queue`.
    private var framer: StreamFramer
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    /// Whether `writeSource` is resumed (sources must be resumed as often as suspended).
    private var writeSourceActive = false
    private var closeReason: CloseReason?

    /// Wraps an accepted descriptor or one whose non-blocking connect is in progress.
    init(fd: Int32, id: UInt64, remote: SocketAddress, listenerIndex: Int, queue: DispatchQueue,
         limits: SIPParserLimits, isOutbound: Bool, connecting: Bool, now: Int64, callbacks: Callbacks) {
        self.fd = fd
        self.id = id
        self.remote = remote
        self.listenerIndex = listenerIndex
        self.queue = queue
        self.isOutbound = isOutbound
        self.callbacks = callbacks
        self.framer = StreamFramer(role: .server, limits: limits)
        self.writeState = Mutex(WriteState(connecting: connecting))
        self.lastActivityNanoseconds.store(now, ordering: .relaxed)
    }

    /// The last time (CLOCK_MONOTONIC nanoseconds) bytes arrived or were sent, keep-alives included
    /// (RFC 5626 §3.5.1): what the idle timeout compares.
    public var lastActivity: Int64 { lastActivityNanoseconds.load(ordering: .relaxed) }

    private func touch() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        lastActivityNanoseconds.store(Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec), ordering: .relaxed)
    }

    /// Starts reading; call once, from any queue.
    func start() {
        queue.async { self.startOnQueue() }
    }

    private func startOnQueue() {
        // Closed before it started (an idle sweep, shutdown): `close` has closed the descriptor.
        guard closeReason == nil else { return }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readChunkBytes, alignment: 16)
        source.setEventHandler { [unowned self] in self.readAvailable(into: buffer) }
        liveSources.add(1, ordering: .relaxed)
        source.setCancelHandler { [self] in
            buffer.deallocate()
            self.releaseSource()
        }
        readSource = source
        source.resume()
        let needsWrite = writeState.withLock { state -> Bool in
            guard state.connecting || !state.pending.isEmpty else { return false }
            state.writeSourceArmed = true
            return true
        }
        if needsWrite { armWriteSource() }
    }

    /// At most this many reads per wake-up, so that one fast peer cannot starve the worker's
    /// timers and its other sockets (the level-triggered source fires again on a later turn).
    static let maxReadsPerWakeup = 16

    private func readAvailable(into buffer: UnsafeMutableRawBufferPointer) {
        guard closeReason == nil else { return }
        for _ in 0..<Self.maxReadsPerWakeup {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                touch()
                framer.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if !drainFrames() { return }
                if n < buffer.count { return }
                continue
            }
            if n == 0 { close(.peerClosed); return }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return }
            let error = errno
            close(writeState.withLock { $0.connecting } ? .connectFailed(error) : .readError(error))
            return
        }
    }

    /// Hands every complete frame over; false when the connection closed.
    private func drainFrames() -> Bool {
        while true {
            let frame: StreamFramer.Frame?
            do {
                frame = try framer.next()
            } catch {
                callbacks.framingFailed?(self, error, Array(framer.unreadBytes))
                close(.framing("\(error.statusCode) \(error.reason)"))
                return false
            }
            guard let frame else { return true }
            switch frame {
            case .message(let message): callbacks.message(self, message)
            case .ping: send([0x0D, 0x0A])
            case .pong: break
            }
            if closeReason != nil { return false }
        }
    }

    /// Queues `bytes` for the peer. Returns false when the connection is closed or its output
    /// buffer is full (then it closes: a peer that does not read is dropped).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        enum Outcome { case done, armWrite, failed(Int32), overflow, closed }
        let outcome = writeState.withLock { state -> Outcome in
            if state.closed { return .closed }
            if state.connecting || !state.pending.isEmpty {
                guard state.pending.count + bytes.count <= Self.maxPendingOutputBytes else { return .overflow }
                state.pending.append(contentsOf: bytes)
                if state.writeSourceArmed { return .done }
                state.writeSourceArmed = true
                return .armWrite
            }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                if n > 0 { offset += n; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
                return .failed(errno)
            }
            if offset > 0 { touch() }
            if offset == bytes.count { return .done }
            state.pending.append(contentsOf: bytes[offset...])
            state.writeSourceArmed = true
            return .armWrite
        }
        switch outcome {
        case .done: return true
        case .armWrite: queue.async { self.armWriteSource() }; return true
        case .failed(let e): queue.async { self.close(.writeError(e)) }; return false
        case .overflow: queue.async { self.close(.outputOverflow) }; return false
        case .closed: return false
        }
    }

    private func armWriteSource() {
        guard closeReason == nil, readSource != nil else { return }  // startOnQueue arms it later
        guard !writeSourceActive else { return }
        writeSourceActive = true
        if let writeSource { writeSource.resume(); return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned self] in self.writable() }
        liveSources.add(1, ordering: .relaxed)
        source.setCancelHandler { [self] in self.releaseSource() }
        writeSource = source
        source.resume()
    }

    private func writable() {
        enum Outcome { case drained, more, failed(CloseReason) }
        let outcome = writeState.withLock { state -> Outcome in
            if state.connecting {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error != 0 { return .failed(.connectFailed(error)) }
                state.connecting = false
            }
            while !state.pending.isEmpty {
                let n = state.pending.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 { state.pending.removeFirst(n); touch(); continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .more }
                return .failed(.writeError(errno))
            }
            state.writeSourceArmed = false
            return .drained
        }
        switch outcome {
        case .more: break
        case .drained:
            if writeSourceActive, let writeSource {
                writeSource.suspend()
                writeSourceActive = false
            }
        case .failed(let reason): close(reason)
        }
    }

    /// Closes the connection (on its queue) and reports why, once.
    public func close(_ reason: CloseReason) {
        guard closeReason == nil else { return }
        closeReason = reason
        writeState.withLock { $0.closed = true; $0.pending = [] }
        if let writeSource {
            if !writeSourceActive { writeSource.resume() }
            writeSource.cancel()
            self.writeSource = nil
        }
        if let readSource {
            readSource.cancel()
            self.readSource = nil
        } else {
            Glibc.close(fd)
        }
        callbacks.closed(self, reason)
    }

    private func releaseSource() {
        if liveSources.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { Glibc.close(fd) }
    }

    /// Closes from any queue.
    public func closeAsync(_ reason: CloseReason) { queue.async { self.close(reason) } }
}
