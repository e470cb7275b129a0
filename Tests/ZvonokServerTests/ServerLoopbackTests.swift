#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import Testing
import SIPCore
import SIPTransaction
import SIPTransport
@testable import ZvonokServer

/// Counts what the workers report, for assertions.
final class CountingMetrics: SIPMetrics {
    let counts = Mutex<[String: Int]>([:])
    func bump(_ key: String) { counts.withLock { $0[key, default: 0] += 1 } }
    subscript(_ key: String) -> Int { counts.withLock { $0[key, default: 0] } }
    func requestReceived(_ method: SIPMethod?) { bump("in \(method?.name ?? "?")") }
    func responseReceived(_ statusCode: Int) { bump("in \(statusCode)") }
    func requestSent(_ method: SIPMethod?) { bump("out \(method?.name ?? "?")") }
    func responseSent(_ statusCode: Int) { bump("out \(statusCode)") }
    func retransmission() { bump("retransmission") }
    func parseError(kind: String) { bump("parse \(kind)") }
    func refusal(reason: String) { bump("refusal \(reason)") }
    func setTransactionsAlive(worker: Int, count: Int) {}
    func setQueueDepth(worker: Int, depth: Int) {}
    func setConnections(_ count: Int) {}
}

/// Replies a test client received.
final class Replies: Sendable {
    let messages = Mutex<[SIPMessage]>([])
}

/// A counter shared between the test and the workers.
final class SharedCount: Sendable {
    let value = Mutex(0)
    func bump() { value.withLock { $0 += 1 } }
    var current: Int { value.withLock { $0 } }
}

/// The built-in responder, counting the requests it is handed (to see retransmissions absorbed).
struct CountingResponder: TransactionUser {
    var inner = BuiltInResponder<SIPPeer>(makeTag: { "srv" })
    let delivered: SharedCount
    /// A request with this Call-ID keeps the worker busy for 400 ms before it is answered.
    var slowCallID: String? = nil

    mutating func handle(_ event: TransactionUserEvent<SIPPeer>, at now: Instant) -> [TransactionUserAction<SIPPeer>] {
        if case .request(let request, _, _, _) = event {
            delivered.bump()
            if let slowCallID, (try? request.callID())??.string == slowCallID { usleep(400_000) }
        }
        return inner.handle(event, at: now)
    }
}

/// Answers OPTIONS as a stateless UAS (`answerStatelessly`, §8.2.7), counting its answers; every
/// other request goes through a transaction to the counting responder.
struct StatelessOptionsResponder: TransactionUser {
    var inner: CountingResponder
    let answered: SharedCount

    mutating func answerStatelessly(_ request: SIPMessage, from peer: SIPPeer, at now: Instant) -> SIPMessage? {
        guard request.method == .options else { return nil }
        answered.bump()
        return request.makeResponse(statusCode: 200, reason: "OK", toTag: "stateless")
    }

    mutating func handle(_ event: TransactionUserEvent<SIPPeer>, at now: Instant) -> [TransactionUserAction<SIPPeer>] {
        inner.handle(event, at: now)
    }
}

/// A real server on loopback, driven over real UDP and TCP sockets.
@Suite(.serialized) struct ServerLoopbackTests {
    static func request(_ method: String = "OPTIONS", branch: String, callID: String, extra: String = "",
                        version: String = "SIP/2.0", uri: String = "sip:127.0.0.1", transport: String = "UDP") -> [UInt8] {
        Array("""
        \(method) \(uri) \(version)\r
        Via: SIP/2.0/\(transport) 127.0.0.1:9;branch=\(branch);rport\r
        Max-Forwards: 70\r
        From: <sip:probe@zvonok.example>;tag=p1\r
        To: <sip:zvonok.example>\r
        Call-ID: \(callID)\r
        CSeq: 7 \(method)\r
        \(extra)Content-Length: 0\r
        \r

        """.utf8)
    }

    final class Harness: @unchecked Sendable {
        let server: SIPServer
        let metrics = CountingMetrics()
        let client: UDPSocket
        let received = Replies()
        let delivered = SharedCount()
        /// Requests answered statelessly (a harness with `stateless: true`).
        let answeredStatelessly = SharedCount()
        let udp: SocketAddress
        let tcp: SocketAddress

        init(workers: Int = 2, tcpIdleTimeout: Duration = .seconds(600), stateless: Bool = false,
             slowCallID: String? = nil, overloadQueueDelay: Duration? = nil) throws {
            let options = SIPServer.Options(
                listen: [ListenAddress(transport: .udp, address: SocketAddress(ip: "127.0.0.1", port: 0)!),
                         ListenAddress(transport: .tcp, address: SocketAddress(ip: "127.0.0.1", port: 0)!)],
                workerCount: workers, worker: WorkerSettings(parserLimits: SIPParserLimits(maxMessageBytes: 4000),
                                                             tcpIdleTimeout: tcpIdleTimeout,
                                                             overloadQueueDelay: overloadQueueDelay),
                connectionLimits: .init(maxConnections: 10, maxConnectionsPerIP: 10))
            let delivered = self.delivered
            let answered = self.answeredStatelessly
            server = SIPServer(options: options, metrics: metrics, logger: Logger(label: "test")) { _, _ -> any TransactionUser<SIPPeer> in
                let counting = CountingResponder(delivered: delivered, slowCallID: slowCallID)
                return stateless ? StatelessOptionsResponder(inner: counting, answered: answered) : counting
            }
            try server.start()
            udp = server.boundListenPoints[0].address
            tcp = server.boundListenPoints[1].address
            client = try UDPSocket(bindingTo: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false)
            let received = self.received
            client.startReading(on: .init(label: "client"), maxDatagramBytes: 65_535) { bytes, _, _ in
                if let m = try? SIPMessage(parsing: Array(bytes)) { received.messages.withLock { $0.append(m) } }
            }
        }

        func send(_ bytes: [UInt8]) { client.send(bytes, to: udp) }

        /// Waits (bounded) for the `n`th reply.
        func reply(_ n: Int) -> SIPMessage? {
            for _ in 0..<400 {
                if let m = received.messages.withLock({ $0.count >= n ? $0[n - 1] : nil }) { return m }
                usleep(5_000)
            }
            return nil
        }

        func stop() { server.stop() }
    }

    @Test func optionsOverUDPIsAnsweredAndRetransmissionsAbsorbed() throws {
        let h = try Harness()
        defer { h.stop() }
        let options = Self.request(branch: "z9hG4bKu1", callID: "loop-1")
        h.send(options)
        let first = try #require(h.reply(1))
        #expect(first.statusCode == 200)
        #expect(first.firstValue(.allow) != nil)
        let via = try #require(try first.topVia())
        #expect(via.received == "127.0.0.1")
        #expect(via.rport?.value?.string == "\(h.client.localAddress.port)")
        h.send(options)  // sipp-style retransmission
        let second = try #require(h.reply(2))
        #expect(second.serialized() == first.serialized())
        #expect(h.delivered.current == 1)
        // The worker counts the retransmission after it has sent the answer: wait (bounded) for it.
        for _ in 0..<400 where h.metrics["retransmission"] == 0 { usleep(5_000) }
        #expect(h.metrics["retransmission"] == 1)
    }

    @Test func aRequestAnsweredStatelesslyOpensNoTransactionUnlessTheServerIsDraining() throws {
        let h = try Harness(workers: 1, stateless: true)
        defer { h.stop() }
        let options = Self.request(branch: "z9hG4bKs1", callID: "stateless-1")
        h.send(options)
        let first = try #require(h.reply(1))
        #expect(first.statusCode == 200)
        #expect(try first.to()?.tag == "stateless")
        #expect(try first.topVia()?.received == "127.0.0.1")  // the Via was stamped all the same (§18.2.1)
        h.send(options)  // a retransmission is answered afresh: there is no transaction to absorb it
        #expect(try #require(h.reply(2)).statusCode == 200)
        #expect(h.answeredStatelessly.current == 2)
        #expect(h.delivered.current == 0)
        #expect(h.server.transactionCount() == 0)
        // A request the transaction user does not answer statelessly still gets its transaction.
        h.send(Self.request("INFO", branch: "z9hG4bKs2", callID: "stateless-2"))
        #expect(try #require(h.reply(3)).statusCode == 405)
        #expect(h.delivered.current == 1)
        // Draining, the server answers 503 itself before asking the transaction user.
        h.server.beginDraining()
        h.send(Self.request(branch: "z9hG4bKs3", callID: "stateless-3"))
        #expect(try #require(h.reply(4)).statusCode == 503)
        #expect(h.answeredStatelessly.current == 2)
    }

    @Test func malformedRequestsGetTheirCodes() throws {
        let h = try Harness()
        defer { h.stop() }
        let cases: [([UInt8], Int)] = [
            (Self.request(branch: "z9hG4bKm1", callID: "m1", version: "SIP/3.0"), 505),
            (Self.request(branch: "z9hG4bKm2", callID: "m2", uri: "http://example.com"), 416),
            (Self.request(branch: "z9hG4bKm3", callID: "m3", extra: "Require: frobnication\r\n"), 420),
            (Self.request(branch: "z9hG4bKm4", callID: "m4").replacing(Array("Max-Forwards: 70".utf8), with: Array("Max-Forwards: 0".utf8)), 483),
            (Self.request("FROB", branch: "z9hG4bKm5", callID: "m5"), 501),
            (Self.request("INVITE", branch: "z9hG4bKm6", callID: "m6"), 405),
            (Self.request(branch: "z9hG4bKm7", callID: "m7", extra: "X-Pad: \(String(repeating: "x", count: 5000))\r\n"), 513),
            (Self.request(branch: "z9hG4bKm8", callID: "m8").replacing(Array("CSeq: 7 OPTIONS".utf8), with: Array("CSeq: 7 INVITE".utf8)), 400),
            (Self.request(branch: "z9hG4bKm9", callID: "m9").replacing(Array("Content-Length: 0".utf8), with: Array("Content-Length: 90".utf8)), 400),
        ]
        for (n, (bytes, code)) in cases.enumerated() {
            h.send(bytes)
            let reply = try #require(h.reply(n + 1), "no reply for case \(n + 1)")
            #expect(reply.statusCode == code, "case \(n + 1)")
        }
        #expect(h.delivered.current == 2)  // only FROB and INVITE reached the responder
        if let r = h.reply(3) { #expect(r.firstValue(.unsupported) == "frobnication") }
        h.send(Array("garbage that is not SIP\r\n\r\n".utf8))  // no head to answer: dropped, logged
        h.send(Self.request(branch: "z9hG4bKm10", callID: "m10"))
        #expect(h.reply(cases.count + 1)?.statusCode == 200)
    }

    @Test func optionsOverTCPIsAnsweredOnTheSameConnection() throws {
        let h = try Harness()
        defer { h.stop() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        #expect(h.tcp.withSockAddr { connect(fd, $0, $1) } == 0)
        let bytes = Self.request(branch: "z9hG4bKt1", callID: "tcp-1", transport: "TCP")
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<400 where !(reply.count > 4 && reply.suffix(4) == [13, 10, 13, 10]) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { reply += chunk[0..<n] } else { usleep(5_000) }
        }
        let response = try SIPMessage(parsing: reply)
        #expect(response.statusCode == 200)
    }

    @Test func drainingAnswersNewRequestsWith503() throws {
        let h = try Harness(workers: 1)
        defer { h.stop() }
        h.server.beginDraining()
        h.send(Self.request(branch: "z9hG4bKd1", callID: "drain-1"))
        let reply = try #require(h.reply(1))
        #expect(reply.statusCode == 503)
        #expect(reply.firstValue(.retryAfter) == "5")
    }

    /// Sends an OPTIONS (its transaction stays open, Completed), then a request that keeps the
    /// worker busy for 400 ms, and meanwhile: the first OPTIONS again, a new OPTIONS and an INFO
    /// inside a dialog, all three waiting in the socket. Returns every reply by Call-ID.
    private func repliesToALateBatch(_ h: Harness) throws -> [String: [Int]] {
        let open = Self.request(branch: "z9hG4bKo1", callID: "open")
        h.send(open)
        #expect(try #require(h.reply(1)).statusCode == 200)
        h.send(Self.request(branch: "z9hG4bKo2", callID: "slow"))
        usleep(50_000)
        h.send(open)
        h.send(Self.request(branch: "z9hG4bKo3", callID: "new"))
        h.send(Self.request("INFO", branch: "z9hG4bKo4", callID: "dialog")
            .replacing(Array("To: <sip:zvonok.example>".utf8), with: Array("To: <sip:zvonok.example>;tag=srv".utf8)))
        _ = try #require(h.reply(5))
        var byCallID: [String: [Int]] = [:]
        for reply in h.received.messages.withLock({ $0 }) {
            byCallID[(try? reply.callID())??.string ?? "", default: []].append(reply.statusCode ?? 0)
        }
        return byCallID
    }

    /// Datagrams that waited in the socket longer than the overload limit (here 100 ms): new
    /// requests get 503 with Retry-After, while a retransmission of an open transaction and a
    /// request inside a dialog are served as usual.
    @Test func aWorkerBehindRefusesNewRequestsAndServesWhatItHas() throws {
        let h = try Harness(workers: 1, slowCallID: "slow", overloadQueueDelay: .milliseconds(100))
        defer { h.stop() }
        let replies = try repliesToALateBatch(h)
        #expect(replies["slow"] == [200])
        #expect(replies["open"] == [200, 200])
        #expect(replies["new"] == [503])
        #expect(h.received.messages.withLock { $0 }.first { (try? $0.callID())??.string == "new" }?.firstValue(.retryAfter) == "5")
        #expect(replies["dialog"]?.contains(503) == false)
        #expect(h.delivered.current == 3)  // the first OPTIONS, the slow one and the INFO
        #expect(h.metrics["refusal overload"] == 1)
    }

    /// Without an overload limit (the default), a late batch is served whole.
    @Test func withoutALimitALateBatchIsServed() throws {
        let h = try Harness(workers: 1, slowCallID: "slow")
        defer { h.stop() }
        let replies = try repliesToALateBatch(h)
        #expect(replies["new"] == [200])
        #expect(h.delivered.current == 4)
        #expect(h.metrics["refusal overload"] == 0)
    }
}

extension Array where Element == UInt8 {
    func replacing(_ old: [UInt8], with new: [UInt8]) -> [UInt8] {
        guard let start = indices.first(where: { self[$0...].starts(with: old) }) else { return self }
        return Array(self[..<start]) + new + Array(self[(start + old.count)...])
    }
}

extension ServerLoopbackTests {
    @Test func anOversizedMessageOnTCPIsAnswered513BeforeTheConnectionCloses() throws {
        let h = try Harness()
        defer { h.stop() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        #expect(h.tcp.withSockAddr { connect(fd, $0, $1) } == 0)
        let bytes = Self.request(branch: "z9hG4bKbig", callID: "tcp-big", transport: "TCP")
            .replacing(Array("Content-Length: 0".utf8), with: Array("Content-Length: 9000".utf8))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<400 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { reply += chunk[0..<n]; continue }
            if n == 0 { break }  // closed by the server after its answer
            usleep(5_000)
        }
        let response = try SIPMessage(parsing: reply)
        #expect(response.statusCode == 513)
    }
}

extension ServerLoopbackTests {
    @Test func anIdleTCPConnectionIsClosed() throws {
        let h = try Harness(workers: 1, tcpIdleTimeout: .seconds(1))
        defer { h.stop() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        #expect(h.tcp.withSockAddr { connect(fd, $0, $1) } == 0)
        var byte: UInt8 = 0
        var closedByServer = false
        for _ in 0..<100 {  // up to 5 s: the sweep runs every second
            let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
            if n == 0 { closedByServer = true; break }
            usleep(50_000)
        }
        #expect(closedByServer)
    }
}

extension ServerLoopbackTests {
    @Test func keepAlivePingsKeepATCPConnectionOpenPastTheIdleTimeout() throws {
        let h = try Harness(workers: 1, tcpIdleTimeout: .seconds(1))
        defer { h.stop() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        #expect(h.tcp.withSockAddr { connect(fd, $0, $1) } == 0)
        var pongs = 0
        var closed = false
        var chunk = [UInt8](repeating: 0, count: 64)
        for _ in 0..<10 {  // 3 s of pings every 300 ms, against a 1 s idle timeout
            _ = Array("\r\n\r\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            usleep(300_000)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n == 0 { closed = true; break }
            if n > 0 { pongs += n / 2 }
        }
        #expect(!closed)
        #expect(pongs >= 5)
    }

    @Test func aSecondServerCannotShareTheUDPPort() throws {
        let h = try Harness(workers: 2)
        defer { h.stop() }
        let second = SIPServer(
            options: SIPServer.Options(listen: [ListenAddress(transport: .udp, address: h.udp)], workerCount: 2,
                                       worker: WorkerSettings(), connectionLimits: .init(maxConnections: 1, maxConnectionsPerIP: 1)),
            metrics: CountingMetrics(), logger: Logger(label: "second")) { _, _ in BuiltInResponder<SIPPeer>(makeTag: { "x" }) }
        #expect(throws: SystemError.self) { try second.start() }
    }
}
