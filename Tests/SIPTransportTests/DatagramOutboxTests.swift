#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Testing
@testable import SIPTransport

/// Held UDP sends: `DatagramOutbox` (sendmmsg in chunks of 64, in order, failures reported with
/// their context) and the batch wrapper the reading thread runs each batch in.
@Suite struct DatagramOutboxTests {
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    /// A sender and a receiver on loopback for `body`; the receiver keeps every datagram's text
    /// (and checks it came from the sender). Both are closed after `body`.
    private func withLoopbackPair(_ label: String,
                                  _ body: (_ sender: UDPSocket, _ receiver: UDPSocket, _ received: borrowing Mutex<[String]>) throws -> Void) throws {
        let queue = DispatchQueue(label: label)
        let receiver = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        let sender = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        let received = Mutex<[String]>([])
        receiver.startReading(on: queue, maxDatagramBytes: 2_000) { bytes, source, _ in
            #expect(source == sender.localAddress)
            received.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
        }
        defer {
            queue.sync { receiver.close() }
            sender.close()
        }
        try body(sender, receiver, received)
    }

    /// 150 datagrams (three sendmmsg calls) arrive whole and in order, and flushing empties the
    /// outbox: a second flush sends nothing again.
    @Test func heldDatagramsLeaveInOrderInChunks() throws {
        try withLoopbackPair("outbox-receiver") { sender, receiver, received in
            let outbox = DatagramOutbox<Int>(socket: sender)
            let texts = (0..<150).map { "datagram \($0) " + String(repeating: "x", count: $0 * 7) }
            for (i, text) in texts.enumerated() { outbox.append(Array(text.utf8), to: receiver.localAddress, context: i) }
            #expect(!outbox.isEmpty)
            #expect(outbox.flush().isEmpty)
            #expect(outbox.isEmpty)
            #expect(outbox.flush().isEmpty)
            #expect(eventually { received.withLock { $0.count } == texts.count })
            usleep(20_000)
            #expect(received.withLock { $0 } == texts)
        }
    }

    /// A datagram the kernel refuses (longer than UDP allows: EMSGSIZE) is reported with its
    /// context; those before and after it are still sent, in order.
    @Test func aRefusedDatagramIsReportedAndTheOthersLeave() throws {
        try withLoopbackPair("outbox-failure") { sender, receiver, received in
            let outbox = DatagramOutbox<String>(socket: sender)
            outbox.append(Array("first".utf8), to: receiver.localAddress, context: "first")
            outbox.append([UInt8](repeating: 65, count: 70_000), to: receiver.localAddress, context: "too long")
            outbox.append(Array("third".utf8), to: receiver.localAddress, context: "third")
            let failures = outbox.flush()
            #expect(failures.map(\.context) == ["too long"])
            #expect(failures.first?.error.description.contains("sendto") == true)
            #expect(eventually { received.withLock { $0.count } == 2 })
            usleep(20_000)
            #expect(received.withLock { $0 } == ["first", "third"])
        }
    }

    /// The reading thread runs every batch inside the wrapper, on the reading queue: each
    /// datagram is handled within exactly one wrapper call.
    @Test func everyBatchRunsInsideTheWrapper() throws {
        let queue = DispatchQueue(label: "outbox-wrapper")
        let receiver = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        let sender = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        let state = Mutex<(inside: Bool, batches: Int, handled: Int, outside: Int)>((false, 0, 0, 0))
        receiver.startReading(on: queue, maxDatagramBytes: 100, batch: { _, handleBatch in
            state.withLock { $0.inside = true; $0.batches += 1 }
            handleBatch()
            state.withLock { $0.inside = false }
        }) { _, _, _ in
            state.withLock { if $0.inside { $0.handled += 1 } else { $0.outside += 1 } }
        }
        for i in 0..<100 { sender.send(Array("d\(i)".utf8), to: receiver.localAddress) }
        #expect(eventually { state.withLock { $0.handled + $0.outside } == 100 })
        let final = state.withLock { $0 }
        #expect(final.handled == 100)
        #expect(final.outside == 0)
        #expect(final.batches >= 1 && final.batches <= 100)
        queue.sync { receiver.close() }
        sender.close()
    }

    /// A batch tells how long its oldest datagram waited in the socket (the kernel's receive
    /// timestamp against the time the worker's queue runs it): how far behind the reader is.
    @Test func aBatchTellsHowLongItsOldestDatagramWaited() throws {
        let queue = DispatchQueue(label: "outbox-delay")
        let receiver = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        let sender = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        let delays = Mutex<[Duration?]>([])
        receiver.startReading(on: queue, maxDatagramBytes: 100, batch: { delay, handleBatch in
            delays.withLock { $0.append(delay) }
            handleBatch()
        }) { _, _, _ in }
        sender.send(Array("prompt".utf8), to: receiver.localAddress)
        #expect(eventually { delays.withLock { $0.count } == 1 })
        // The worker's queue is busy for 400 ms while the next datagram waits in the socket.
        queue.async { usleep(400_000) }
        sender.send(Array("late".utf8), to: receiver.localAddress)
        #expect(eventually { delays.withLock { $0.count } == 2 })
        let seen = delays.withLock { $0 }
        let prompt = try #require(seen[0]), late = try #require(seen[1])
        #expect(late >= .milliseconds(250))
        #expect(prompt < late)
        queue.sync { receiver.close() }
        sender.close()
    }
}
