#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// One scrape connection of `MetricsEndpoint`: read the request head (at most `maxHeadBytes`),
/// answer once, half-close, drain what the client still sends, close. A timer closes it when the
/// whole exchange takes longer than the timeout (a slow or silent client).
///
/// Confined to the endpoint's serial queue: every method and handler runs there, which is why
/// it can be `@unchecked Sendable`.
final class MetricsHTTPConnection: @unchecked Sendable {
    private enum State { case reading, writing, draining, closed }

    let fd: Int32
    private let queue: DispatchQueue
    private let maxHeadBytes: Int
    private let respond: @Sendable (MetricsHTTPRequest.Outcome) -> [UInt8]
    private let onClose: @Sendable (Int32) -> Void

    private var state = State.reading
    private var head: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    private var readSource: (any DispatchSourceRead)?
    private var writeSource: (any DispatchSourceWrite)?
    private var timer: (any DispatchSourceTimer)?
    /// Sources on `fd` whose cancel handler has not run; the descriptor closes when it is zero.
    private var liveSources = 0

    init(
        fd: Int32, queue: DispatchQueue, maxHeadBytes: Int,
        respond: @escaping @Sendable (MetricsHTTPRequest.Outcome) -> [UInt8],
        onClose: @escaping @Sendable (Int32) -> Void
    ) {
        self.fd = fd
        self.queue = queue
        self.maxHeadBytes = maxHeadBytes
        self.respond = respond
        self.onClose = onClose
    }

    func start(timeoutMilliseconds: Int) {
        dispatchPrecondition(condition: .onQueue(queue))
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(timeoutMilliseconds))
        timer.setEventHandler { [self] in close() }
        timer.resume()
        self.timer = timer

        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self] in readAvailable() }
        source.setCancelHandler { [self] in sourceCancelled() }
        liveSources += 1
        readSource = source
        source.resume()
    }

    /// Stops everything; the descriptor is closed once Dispatch has let go of it.
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard state != .closed else { return }
        state = .closed
        timer?.cancel()
        timer = nil
        readSource?.cancel()
        readSource = nil
        writeSource?.cancel()
        writeSource = nil
        if liveSources == 0 { Glibc.close(fd) }
        onClose(fd)
    }

    private func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 && state == .closed { Glibc.close(fd) }
    }

    private func readAvailable() {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer in
            while state == .reading || state == .writing || state == .draining {
                let n = recv(fd, buffer.baseAddress, buffer.count, 0)
                if n > 0 {
                    if state == .reading { received(UnsafeBufferPointer(rebasing: buffer[..<n])) }
                    continue  // after the head, anything more (a body) is read and dropped
                }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
                // End of stream or an error.
                if state == .reading && !head.isEmpty {
                    answer(.badRequest)  // the client stopped sending mid-head
                    return
                }
                if state == .writing {
                    // Half-closed by the client: finish the answer; a readable EOF would spin.
                    readSource?.cancel()
                    readSource = nil
                } else {
                    close()
                }
                return
            }
        }
    }

    private func received(_ bytes: UnsafeBufferPointer<UInt8>) {
        let scanFrom = max(0, head.count - 2)
        head.append(contentsOf: bytes)
        if let length = MetricsHTTPRequest.headLength(Array(head[scanFrom...])).map({ $0 + scanFrom }),
            length <= maxHeadBytes
        {
            answer(MetricsHTTPRequest.route(head: head[..<length]))
        } else if head.count >= maxHeadBytes {
            answer(.headTooLarge)
        }
    }

    private func answer(_ outcome: MetricsHTTPRequest.Outcome) {
        state = .writing
        head = []
        output = respond(outcome)
        written = 0
        writeAvailable()
    }

    private func writeAvailable() {
        guard state == .writing else { return }
        while written < output.count {
            let n = output.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + written, raw.count - written, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                written += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                waitForWritable()
                return
            }
            close()  // EPIPE, ECONNRESET: the client is gone
            return
        }
        writeSource?.cancel()
        writeSource = nil
        output = []
        state = .draining
        shutdown(fd, Int32(SHUT_WR))  // Connection: close; wait for the client's end of stream
        readAvailable()
    }

    private func waitForWritable() {
        guard writeSource == nil else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self] in writeAvailable() }
        source.setCancelHandler { [self] in sourceCancelled() }
        liveSources += 1
        writeSource = source
        source.resume()
    }
}
