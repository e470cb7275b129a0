#if canImport(Glibc)
import Glibc
#endif
import CDatagramBatch
import Dispatch
import Synchronization

/// The thread that reads one UDP socket (RFC 3261 §18 over UDP) for a worker. It waits in
/// poll(2) only when the socket is empty, takes up to `batchSize` datagrams per recvmmsg(2)
/// call, and runs the handler for the whole batch on the worker's serial queue with
/// `queue.sync`, which executes on this thread when the queue is idle: a datagram costs no
/// thread hand-off, no Dispatch manager wake-up and no re-arming of a read source. The queue
/// stays the one owner of the worker's state: timer ticks and hand-offs queued on it run
/// between two batches.
///
/// `stop()` ends it: the thread notices within one poll (shutdown(2) wakes it at once), runs no
/// handler after that, closes the descriptor and frees its buffers.
final class DatagramReader: @unchecked Sendable {
    /// The most datagrams one batch holds (one recvmmsg call, one `queue.sync`).
    static let batchSize = 32
    /// How long poll(2) waits before looking at `stopped` again, should no wake-up come.
    static let pollMilliseconds: Int32 = 500

    private let fd: Int32
    private let queue: DispatchQueue
    private let capacity: Int
    private let maxDatagramBytes: Int
    private let handler: UDPSocket.Handler
    private let batch: UDPSocket.BatchWrapper?
    private let name: String
    private let stopped = Atomic<Bool>(false)

    init(fd: Int32, queue: DispatchQueue, maxDatagramBytes: Int, name: String, batch: UDPSocket.BatchWrapper?,
         handler: @escaping UDPSocket.Handler) {
        self.fd = fd
        self.queue = queue
        self.maxDatagramBytes = maxDatagramBytes
        self.capacity = maxDatagramBytes + 1  // one byte more tells a datagram that did not fit
        self.name = name
        self.batch = batch
        self.handler = handler
    }

    /// Starts the reading thread (detached: it ends by itself after `stop()`).
    func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { context in
            let reader = Unmanaged<DatagramReader>.fromOpaque(context!).takeRetainedValue()
            reader.run()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create for the UDP reader failed: \(rc)")
        pthread_detach(thread)
    }

    /// Asks the thread to end; it closes the descriptor when it leaves.
    func stop() {
        stopped.store(true, ordering: .releasing)
        _ = shutdown(fd, Int32(SHUT_RDWR))  // wakes a poll(2) in progress (EPOLLHUP), even unconnected
    }

    private func run() {
        zv_name_current_thread(name)
        let slotCount = Self.batchSize
        let buffers = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * slotCount, alignment: 16)
        let slots = UnsafeMutablePointer<zv_datagram_slot>.allocate(capacity: slotCount)
        slots.initialize(repeating: zv_datagram_slot(), count: slotCount)
        defer {
            slots.deallocate()
            buffers.deallocate()
            Glibc.close(fd)
        }
        for index in 0..<slotCount {
            slots[index].buffer = buffers.baseAddress! + index * capacity
            slots[index].capacity = capacity
        }
        while !stopped.load(ordering: .acquiring) {
            let received = zv_receive_datagrams(fd, slots, UInt32(slotCount))
            if received <= 0 {
                if received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { waitForData() }
                // 0, EINTR, or an ICMP error reported on the socket (not ours to act on): read again.
                continue
            }
            deliver(slots, count: Int(received))
        }
    }

    /// Blocks until the socket has something to read, or `stop()`, or the poll interval passes.
    private func waitForData() {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&entry, 1, Self.pollMilliseconds)
    }

    /// Runs the handler for each datagram of the batch, on the worker's queue, inside `batch`.
    private func deliver(_ slots: UnsafeMutablePointer<zv_datagram_slot>, count: Int) {
        queue.sync {
            guard let batch else { return handle(slots, count: count) }
            batch(Self.queueDelay(ofArrival: slots[0].arrival_ns)) { handle(slots, count: count) }
        }
    }

    /// How long ago the kernel received a datagram stamped `arrivalNanoseconds` (nil: no stamp).
    /// Both clocks are CLOCK_REALTIME; a clock stepped back reads as no delay.
    static func queueDelay(ofArrival arrivalNanoseconds: Int64) -> Duration? {
        guard arrivalNanoseconds > 0 else { return nil }
        return .nanoseconds(max(0, zv_realtime_ns() - arrivalNanoseconds))
    }

    private func handle(_ slots: UnsafeMutablePointer<zv_datagram_slot>, count: Int) {
        for index in 0..<count {
            if stopped.load(ordering: .acquiring) { return }
            let slot = slots[index]
            guard let source = SocketAddress(storage: slot.source) else { continue }
            let length = min(slot.length, maxDatagramBytes)
            let truncated = slot.truncated != 0 || slot.length > maxDatagramBytes
            handler(UnsafeRawBufferPointer(start: slot.buffer, count: length), source, truncated)
        }
    }
}
