#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Testing
import SIPCore
@testable import SIPTransport

/// Real sockets on loopback: UDP both ways, TCP framing, keep-alive pong, connection caps.
@Suite struct SocketTests {
    static let options = """
    OPTIONS sip:zvonok.example SIP/2.0\r
    Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKsock\r
    Max-Forwards: 70\r
    From: <sip:a@zvonok.example>;tag=1\r
    To: <sip:zvonok.example>\r
    Call-ID: sock-1\r
    CSeq: 1 OPTIONS\r
    Content-Length: 0\r
    \r

    """

    /// Waits (bounded) until `condition` holds.
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    @Test(arguments: ["127.0.0.1", "::1"])
    func udpDatagramsArriveWithTheirSource(ip: String) throws {
        let queue = DispatchQueue(label: "udp-test")
        let server = try UDPSocket(bindingTo: SocketAddress(ip: ip, port: 0)!, reusePort: true)
        let client = try UDPSocket(bindingTo: SocketAddress(ip: ip, port: 0)!, reusePort: false)
        let received = Mutex<[(String, SocketAddress, Bool)]>([])
        server.startReading(on: queue, maxDatagramBytes: 100) { bytes, source, truncated in
            received.withLock { $0.append((String(decoding: bytes, as: UTF8.self), source, truncated)) }
        }
        #expect(client.send(Array("hello".utf8), to: server.localAddress) == nil)
        #expect(client.send([UInt8](repeating: 65, count: 300), to: server.localAddress) == nil)
        #expect(eventually { received.withLock { $0.count } == 2 })
        let got = received.withLock { $0 }
        #expect(got[0].0 == "hello")
        #expect(got[0].1 == client.localAddress)
        #expect(got[0].2 == false)
        #expect(got[1].2 == true)
        #expect(got[1].0.count == 100)
        queue.sync { server.close() }
        client.close()
    }

    /// A burst longer than one recvmmsg batch arrives whole, in order, on the reading queue; after
    /// `close()` on that queue nothing more is delivered, and the port is free again.
    @Test func aBurstArrivesInOrderOnTheQueueAndCloseReleasesThePort() throws {
        let queue = DispatchQueue(label: "udp-burst")
        let key = DispatchSpecificKey<Bool>()
        queue.setSpecific(key: key, value: true)
        let server = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        let client = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        let received = Mutex<(texts: [String], offQueue: Int)>(([], 0))
        server.startReading(on: queue, maxDatagramBytes: 100) { bytes, _, _ in
            let onQueue = DispatchQueue.getSpecific(key: key) == true
            received.withLock {
                $0.texts.append(String(decoding: bytes, as: UTF8.self))
                if !onQueue { $0.offQueue += 1 }
            }
        }
        let burst = (0..<3 * DatagramReader.batchSize).map { "datagram \($0)" }
        for text in burst { #expect(client.send(Array(text.utf8), to: server.localAddress) == nil) }
        #expect(eventually { received.withLock { $0.texts.count } == burst.count })
        #expect(received.withLock { $0.texts } == burst)
        #expect(received.withLock { $0.offQueue } == 0)

        queue.sync { server.close() }
        _ = client.send(Array("after close".utf8), to: server.localAddress)
        usleep(50_000)
        #expect(received.withLock { $0.texts.count } == burst.count)
        // The reading thread closes the descriptor when it leaves: the same port binds again.
        #expect(eventually { (try? UDPSocket(bindingTo: server.localAddress, reusePort: false))
            .map { $0.close(); return true } ?? false })
        client.close()
    }

    @Test func tcpFramesMessagesAnswersPingsAndHonoursCaps() throws {
        let queue = DispatchQueue(label: "tcp-test")
        let listener = try TCPListener(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!)
        let table = ConnectionTable(limits: .init(maxConnections: 10, maxConnectionsPerIP: 1))
        let messages = Mutex<[SIPMessage]>([])
        let closes = Mutex<[TCPConnection.CloseReason]>([])
        let refusals = Mutex<[ConnectionTable.Refusal]>([])
        let callbacks = TCPConnection.Callbacks(
            message: { connection, message in
                messages.withLock { $0.append(message) }
                connection.send(message.makeResponse(statusCode: 200, reason: "OK").serialized())
            },
            closed: { _, reason in closes.withLock { $0.append(reason) } })
        listener.startAccepting(on: queue) { fd, remote in
            if case .failure(let refusal) = table.adopt(fd: fd, remote: remote, listenerIndex: 0, queue: queue,
                                                         limits: .default, now: 0, callbacks: callbacks) {
                refusals.withLock { $0.append(refusal) }
            }
        }

        // A plain client socket: two messages in one write, split across writes, then a ping.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let rc = listener.localAddress.withSockAddr { Glibc.connect(fd, $0, $1) }
        #expect(rc == 0)
        let bytes = Array(Self.options.utf8)
        _ = (bytes + bytes).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #expect(eventually { messages.withLock { $0.count } == 2 })
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, 20) }
        usleep(20_000)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + 20, $0.count - 20) }
        _ = Array("\r\n\r\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #expect(eventually { messages.withLock { $0.count } == 3 })

        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let wanted = 3 * (SIPMessage.count200(for: bytes)) + 2
        for _ in 0..<200 where reply.count < wanted {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { reply += chunk[0..<n] } else { usleep(5_000) }
        }
        let text = String(decoding: reply, as: UTF8.self)
        #expect(text.split(separator: "SIP/2.0 200 OK", omittingEmptySubsequences: false).count - 1 == 3)
        #expect(text.hasSuffix("\r\n\r\n"))  // last response ends with its empty line…
        #expect(reply.count == wanted)       // …and the pong (CRLF) follows it

        // A second connection from the same IP is over maxConnectionsPerIP = 1.
        let fd2 = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        _ = listener.localAddress.withSockAddr { Glibc.connect(fd2, $0, $1) }
        #expect(eventually { refusals.withLock { $0.count } == 1 })
        #expect(refusals.withLock { $0.first?.description.contains("maxConnectionsPerIP") } == true)

        // Garbage framing closes the connection and says why.
        _ = Array("NOT SIP AT ALL\r\n\r\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #expect(eventually { closes.withLock { $0.count } == 1 })
        #expect(closes.withLock { if case .framing = $0.first { true } else { false } })
        #expect(eventually { table.count == 0 })
        Glibc.close(fd)
        Glibc.close(fd2)
        queue.sync { listener.close() }
    }

    @Test func outboundConnectionsQueueWritesUntilConnectedAndAreReused() throws {
        let queue = DispatchQueue(label: "tcp-out")
        let listener = try TCPListener(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!)
        let serverTable = ConnectionTable(limits: .init(maxConnections: 10, maxConnectionsPerIP: 10))
        let clientTable = ConnectionTable(limits: .init(maxConnections: 10, maxConnectionsPerIP: 10))
        let arrived = Mutex<Int>(0)
        let noClose = TCPConnection.Callbacks(message: { _, _ in }, closed: { _, _ in })
        listener.startAccepting(on: queue) { fd, remote in
            _ = serverTable.adopt(fd: fd, remote: remote, listenerIndex: 0, queue: queue, limits: .default, now: 0,
                                  callbacks: .init(message: { _, _ in arrived.withLock { $0 += 1 } },
                                                   closed: { _, _ in }))
        }
        let connection = try clientTable.connect(to: listener.localAddress, listenerIndex: 0, queue: queue,
                                                 limits: .default, now: 0, callbacks: noClose).get()
        #expect(connection.send(Array(Self.options.utf8)))
        #expect(clientTable.connection(to: listener.localAddress) === connection)
        #expect(connection.send(Array(Self.options.utf8)))
        #expect(eventually { arrived.withLock { $0 } == 2 })

        // A refused connect is reported as a close with the reason.
        let closed = Mutex<TCPConnection.CloseReason?>(nil)
        let dead = SocketAddress(ip: "127.0.0.1", port: 1)!
        if case .success(let c) = clientTable.connect(to: dead, listenerIndex: 0, queue: queue, limits: .default, now: 0,
                                                       callbacks: .init(message: { _, _ in }, closed: { _, r in closed.withLock { $0 = r } })) {
            c.send(Array(Self.options.utf8))
            #expect(eventually { closed.withLock { $0 } != nil })
            #expect(closed.withLock { if case .connectFailed = $0 { true } else { false } })
        }
        connection.closeAsync(.shutdown)
        #expect(eventually { clientTable.count == 0 })
        queue.sync { listener.close() }
    }
}

extension SIPMessage {
    /// Length of the 200 a test server sends for `request`.
    static func count200(for request: [UInt8]) -> Int {
        (try! SIPMessage(parsing: request)).makeResponse(statusCode: 200, reason: "OK").serialized().count
    }
}
