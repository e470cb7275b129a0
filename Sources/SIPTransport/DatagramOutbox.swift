#if canImport(Glibc)
import Glibc
#endif
import CDatagramBatch

/// Datagrams held for one UDP socket (RFC 3261 §18 over UDP) and sent together with
/// sendmmsg(2): a worker holds what it sends while it handles one batch of received datagrams
/// and flushes at the batch's end, so a batch of requests costs one system call for its
/// responses and forwarded requests rather than one each.
///
/// Each datagram carries the sender's `Context` (for a worker: the transaction to tell when the
/// datagram cannot be sent), handed back with the error of any that fails. Datagrams leave in
/// the order they were added. Not thread-safe: its owner (a worker's queue) uses it alone.
public final class DatagramOutbox<Context> {
    public let socket: UDPSocket
    /// Every held datagram back to back.
    private var bytes: [UInt8] = []
    private var held: [(end: Int, destination: SocketAddress, context: Context)] = []

    public init(socket: UDPSocket) {
        self.socket = socket
    }

    public var isEmpty: Bool { held.isEmpty }

    /// Holds `datagram` (copied) for `destination`.
    public func append(_ datagram: [UInt8], to destination: SocketAddress, context: Context) {
        bytes.append(contentsOf: datagram)
        held.append((bytes.count, destination, context))
    }

    /// Sends everything held, in order, and empties the outbox. Returns the datagrams that could
    /// not be sent, with the error `UDPSocket.send` gives: a datagram dropped for want of buffer
    /// space counts as sent (lost on the way; §17 retransmission recovers it), as for `send`.
    public func flush() -> [(context: Context, error: SystemError)] {
        guard !held.isEmpty else { return [] }
        var failures: [(context: Context, error: SystemError)] = []
        let batchLimit = Int(ZV_MAX_DATAGRAM_BATCH)
        bytes.withUnsafeBytes { all in
            withUnsafeTemporaryAllocation(of: zv_outgoing_datagram.self, capacity: batchLimit) { slots in
                var next = 0
                while next < held.count {
                    let count = min(batchLimit, held.count - next)
                    for i in 0..<count {
                        let datagram = slice(next + i, of: all)
                        slots.initializeElement(at: i, to: zv_outgoing_datagram())
                        slots[i].bytes = datagram.baseAddress
                        slots[i].length = datagram.count
                        slots[i].destination_length = held[next + i].destination.store(into: &slots[i].destination)
                    }
                    let sent = Int(zv_send_datagrams(socket.fd, slots.baseAddress, UInt32(count)))
                    next += max(0, sent)
                    if sent < count {
                        // sendmmsg stopped at this one without saying why: sent alone, it tells.
                        if let error = socket.send(slice(next, of: all), to: held[next].destination) {
                            failures.append((held[next].context, error))
                        }
                        next += 1
                    }
                }
            }
        }
        bytes.removeAll(keepingCapacity: true)
        held.removeAll(keepingCapacity: true)
        return failures
    }

    private func slice(_ index: Int, of all: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let start = index == 0 ? 0 : held[index - 1].end
        return UnsafeRawBufferPointer(rebasing: all[start..<held[index].end])
    }
}

extension SocketAddress {
    /// Writes this address into a kernel `sockaddr_storage`; returns its length.
    func store(into storage: inout sockaddr_storage) -> socklen_t {
        withSockAddr { address, length in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length))) }
            return length
        }
    }
}
