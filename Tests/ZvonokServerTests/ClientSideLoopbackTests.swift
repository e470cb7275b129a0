#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Logging
import Synchronization
import Testing
import SIPCore
import SIPTransaction
import SIPTransport
@testable import ZvonokServer

/// A transaction user that sends one MESSAGE to `target` when asked (by an OPTIONS it receives),
/// and records the responses its client transactions get (RFC 3261 §17.1.2, §18.1.1).
struct SendingTU: TransactionUser {
    let target: SIPPeer
    let bodyBytes: Int
    let events: Replies

    mutating func handle(_ event: TransactionUserEvent<SIPPeer>, at now: Instant) -> [TransactionUserAction<SIPPeer>] {
        switch event {
        case .request(let request, _, let transaction, _):
            let message = SIPMessage.makeRequest(method: .message, requestURI: "sip:bob@127.0.0.1", headers: [
                (.via, ByteString("SIP/2.0/UDP 0.0.0.0;branch=z9hG4bKclient\(bodyBytes);rport")),
                (.maxForwards, "70"), (.from, "<sip:zvonok@127.0.0.1>;tag=z1"), (.to, "<sip:bob@127.0.0.1>"),
                (.callID, ByteString("client-side-\(bodyBytes)")), (.cseq, "1 MESSAGE"),
            ])
            var withBody = message
            withBody.setBody(Array(String(repeating: "x", count: bodyBytes).utf8), contentType: "text/plain")
            return [.respond(request.makeResponse(statusCode: 200, reason: "OK", toTag: "s"), transaction: transaction),
                    .sendRequest(withBody, to: target)]
        case .response(let response, _):
            events.messages.withLock { $0.append(response) }
            return []
        default:
            return []
        }
    }
}

/// What the fake UAS received, and by which transport.
final class Arrivals: Sendable {
    let items = Mutex<[(TransportKind, SIPMessage)]>([])
}

@Suite(.serialized) struct ClientSideLoopbackTests {
    /// A UAS on a UDP socket and a TCP listener of the same port that answers 200 to anything.
    final class FakeUAS: @unchecked Sendable {
        let udp: UDPSocket
        let tcp: TCPListener
        let table = ConnectionTable(limits: .init(maxConnections: 4, maxConnectionsPerIP: 4))
        let arrivals = Arrivals()
        let queue = DispatchQueue(label: "uas")

        init() throws {
            tcp = try TCPListener(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!)
            udp = try UDPSocket(bindingTo: tcp.localAddress, reusePort: false)
            let udp = self.udp, received = self.arrivals
            udp.startReading(on: queue, maxDatagramBytes: 65_535) { bytes, source, _ in
                guard let m = try? SIPMessage(parsing: Array(bytes)), m.isRequest else { return }
                received.items.withLock { $0.append((.udp, m)) }
                udp.send(m.makeResponse(statusCode: 200, reason: "OK", toTag: "u").serialized(),
                         to: ResponseRouting.destination(of: m) ?? source)
            }
            let table = self.table, queue = self.queue
            tcp.startAccepting(on: queue) { fd, remote in
                _ = table.adopt(fd: fd, remote: remote, listenerIndex: 0, queue: queue, limits: .default, now: 0,
                                callbacks: .init(message: { connection, m in
                                    received.items.withLock { $0.append((.tcp, m)) }
                                    connection.send(m.makeResponse(statusCode: 200, reason: "OK", toTag: "t").serialized())
                                }, closed: { _, _ in }))
            }
        }

        func stop() { queue.sync { udp.close(); tcp.close() } }
    }

    private func run(bodyBytes: Int) throws -> (TransportKind, SIPMessage, [SIPMessage]) {
        let uas = try FakeUAS()
        defer { uas.stop() }
        let events = Replies()
        let target = SIPPeer(transport: .udp, remote: uas.udp.localAddress, listenerIndex: 0)
        let options = SIPServer.Options(
            listen: [ListenAddress(transport: .udp, address: SocketAddress(ip: "127.0.0.1", port: 0)!),
                     ListenAddress(transport: .tcp, address: SocketAddress(ip: "127.0.0.1", port: 0)!)],
            workerCount: 1, worker: WorkerSettings(), connectionLimits: .init(maxConnections: 10, maxConnectionsPerIP: 10))
        let server = SIPServer(options: options, metrics: CountingMetrics(), logger: Logger(label: "test")) { _, _ in
            SendingTU(target: target, bodyBytes: bodyBytes, events: events)
        }
        try server.start()
        defer { server.stop() }
        let client = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
        defer { client.close() }
        client.send(ServerLoopbackTests.request(branch: "z9hG4bKtrigger\(bodyBytes)", callID: "trigger-\(bodyBytes)"),
                    to: server.boundListenPoints[0].address)
        for _ in 0..<400 where events.messages.withLock({ $0.isEmpty }) { usleep(5_000) }
        let got = try #require(uas.arrivals.items.withLock { $0.first })
        return (got.0, got.1, events.messages.withLock { $0 })
    }

    @Test func aSmallRequestGoesByUDPWithTheListenersSentByAndItsResponseReachesTheTU() throws {
        let (transport, request, responses) = try run(bodyBytes: 10)
        #expect(transport == .udp)
        let via = try #require(try request.topVia())
        #expect(via.transport == "UDP")
        #expect(via.host == "127.0.0.1")
        #expect(via.port != nil && via.port != 0)
        #expect(responses.map(\.statusCode) == [200])
    }

    @Test func aRequestOverTheMTUGoesByTCPAndSaysSoInItsVia() throws {
        let (transport, request, responses) = try run(bodyBytes: 1500)
        #expect(transport == .tcp)
        #expect(try request.topVia()?.transport == "TCP")
        #expect(responses.map(\.statusCode) == [200])
    }
}
