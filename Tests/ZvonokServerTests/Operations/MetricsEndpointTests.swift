#if canImport(Glibc)
import Glibc
#endif
import CoreMetrics
import Dispatch
import Foundation
import Prometheus
import SIPTransport
import Testing
@testable import ZvonokServer

/// A blocking loopback TCP client for the endpoint tests.
struct TestHTTPClient {
    let fd: Int32

    init(port: UInt16, receiveTimeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = SocketAddress(ip: "127.0.0.1", port: port)!.withSockAddr { connect(fd, $0, $1) }
        try #require(rc == 0)
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Everything until the server closes (or the receive timeout); nil on a timeout.
    func readToEnd() -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n > 0 {
                out.append(contentsOf: chunk[..<n])
            } else if n == 0 || errno == ECONNRESET {
                return out
            } else if errno != EINTR {
                return nil
            }
        }
    }

    func close() { Glibc.close(fd) }
}

/// A parsed HTTP response.
struct TestHTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: String

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let headLines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = headLines[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let code = Int(statusParts[1]) else { return nil }
        status = code
        headers = [:]
        for line in headLines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        body = String(text[split.upperBound...])
    }
}

@Suite struct MetricsEndpointTests {
    private func startEndpoint(
        _ registry: PrometheusCollectorRegistry, timeoutMilliseconds: Int = 5_000, maxConnections: Int = 16
    ) throws -> MetricsEndpoint {
        let endpoint = try MetricsEndpoint(
            registry: registry,
            configuration: .init(
                address: SocketAddress(ip: "127.0.0.1", port: 0)!, clientTimeoutMilliseconds: timeoutMilliseconds,
                maxConnections: maxConnections))
        endpoint.start()
        return endpoint
    }

    private func exchange(_ request: String, port: UInt16) throws -> TestHTTPResponse {
        let client = try TestHTTPClient(port: port)
        defer { client.close() }
        client.send(request)
        let bytes = try #require(client.readToEnd())
        return try #require(TestHTTPResponse(bytes))
    }

    /// Waits (bounded) until `condition` holds.
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<400 where !condition() { usleep(5_000) }
        return condition()
    }

    @Test func getMetricsServesTheRegistryText() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = ServerMetrics(workerCount: 1, factory: PrometheusMetricsFactory(registry: registry))
        metrics.messagesIn(method: .options).increment(by: 5)
        metrics.responsesOut(code: 200).increment(by: 5)
        metrics.transactionsAlive(worker: 0).set(2)
        let endpoint = try startEndpoint(registry)
        defer { endpoint.stop() }
        #expect(endpoint.localAddress.port != 0)

        let response = try exchange("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n", port: endpoint.localAddress.port)
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4")
        #expect(response.headers["connection"] == "close")
        #expect(response.headers["content-length"] == String(response.body.utf8.count))
        #expect(response.body.contains(#"zvonok_sip_requests_received_total{method="OPTIONS"} 5"#))
        #expect(response.body.contains(#"zvonok_sip_responses_sent_total{code="200"} 5"#))
        #expect(response.body.contains(#"zvonok_sip_transactions_alive{worker="0"} 2.0"#))

        metrics.messagesIn(method: .options).increment()
        let later = try exchange("GET /metrics?scrape=2 HTTP/1.0\r\n\r\n", port: endpoint.localAddress.port)
        #expect(later.status == 200)
        #expect(later.body.contains(#"zvonok_sip_requests_received_total{method="OPTIONS"} 6"#))
        #expect(eventually { endpoint.openConnections == 0 })
    }

    @Test func headAnswersWithoutBody() throws {
        let registry = PrometheusCollectorRegistry()
        CoreMetrics.Counter(label: "zvonok_head_total", factory: PrometheusMetricsFactory(registry: registry)).increment()
        let endpoint = try startEndpoint(registry)
        defer { endpoint.stop() }
        let response = try exchange("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", port: endpoint.localAddress.port)
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(Int(response.headers["content-length"] ?? "") ?? 0 > 0)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        ("GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        ("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 405),
        ("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        ("hello there\r\n\r\n", 400),
        ("GET /metrics HTTP/1.1\r\n\r\n", 400),
        ("GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 400),
        ("GET metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /metrics HTTP/1.1\r\nHost x\r\n\r\n", 400),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\r\n\r\n", 400),
    ])
    func otherRequestsGetTheirStatus(request: String, status: Int) throws {
        let endpoint = try startEndpoint(PrometheusCollectorRegistry())
        defer { endpoint.stop() }
        let response = try exchange(request, port: endpoint.localAddress.port)
        #expect(response.status == status)
        #expect(response.headers["connection"] == "close")
        if status == 405 { #expect(response.headers["allow"] == "GET, HEAD") }
    }

    @Test func anOverlongHeadIsRefusedAfterEightKilobytes() throws {
        let endpoint = try startEndpoint(PrometheusCollectorRegistry())
        defer { endpoint.stop() }
        let client = try TestHTTPClient(port: endpoint.localAddress.port)
        defer { client.close() }
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: " + String(repeating: "p", count: 9_000))
        let bytes = try #require(client.readToEnd())
        let response = try #require(TestHTTPResponse(bytes))
        #expect(response.status == 431)
    }

    @Test func aHeadArrivingByteByByteIsServed() throws {
        let endpoint = try startEndpoint(PrometheusCollectorRegistry())
        defer { endpoint.stop() }
        let client = try TestHTTPClient(port: endpoint.localAddress.port)
        defer { client.close() }
        for byte in "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n".utf8 {
            client.send([byte])
            usleep(500)
        }
        let bytes = try #require(client.readToEnd())
        let response = try #require(TestHTTPResponse(bytes))
        #expect(response.status == 404)
    }

    @Test func aSlowClientIsDisconnectedAtTheTimeout() throws {
        let endpoint = try startEndpoint(PrometheusCollectorRegistry(), timeoutMilliseconds: 200)
        defer { endpoint.stop() }
        let client = try TestHTTPClient(port: endpoint.localAddress.port)
        defer { client.close() }
        client.send("GET /metr")
        #expect(eventually { endpoint.openConnections == 1 })
        let start = DispatchTime.now()
        let bytes = try #require(client.readToEnd())  // nil would mean our own 5 s timeout hit
        let elapsedMilliseconds = (DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
        #expect(bytes.isEmpty)
        #expect(elapsedMilliseconds < 2_000)
        #expect(eventually { endpoint.openConnections == 0 })
    }

    /// Also with the client half-closing after its request (its end of stream arrives while the
    /// server is still writing).
    @Test(arguments: [false, true])
    func aLargeResponseReachesAClientThatReadsLate(halfClose: Bool) throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        let padding = String(repeating: "x", count: 300)
        for i in 0..<2_000 {
            CoreMetrics.Counter(label: "zvonok_bulk_total", dimensions: [("n", "\(padding)\(i)")], factory: factory)
                .increment()
        }
        let endpoint = try startEndpoint(registry)
        defer { endpoint.stop() }
        let client = try TestHTTPClient(port: endpoint.localAddress.port)
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        if halfClose { shutdown(client.fd, Int32(SHUT_WR)) }
        usleep(300_000)  // the server fills the socket buffer and waits for it to drain
        let bytes = try #require(client.readToEnd())
        let response = try #require(TestHTTPResponse(bytes))
        #expect(response.status == 200)
        #expect(response.body.utf8.count > 500_000)
        #expect(response.headers["content-length"] == String(response.body.utf8.count))
        #expect(response.body.contains("zvonok_bulk_total{n=\"\(padding)1999\"} 1"))
        client.close()  // the server waits for the client's end of stream before it closes
        #expect(eventually { endpoint.openConnections == 0 })
    }

    @Test func connectionsBeyondTheCapAreClosedAtOnce() throws {
        let endpoint = try startEndpoint(PrometheusCollectorRegistry(), maxConnections: 2)
        defer { endpoint.stop() }
        let idle = try [TestHTTPClient(port: endpoint.localAddress.port), TestHTTPClient(port: endpoint.localAddress.port)]
        defer { idle.forEach { $0.close() } }
        #expect(eventually { endpoint.openConnections == 2 })
        let refused = try TestHTTPClient(port: endpoint.localAddress.port)
        defer { refused.close() }
        #expect(refused.readToEnd() == [])
        idle[0].send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(TestHTTPResponse(idle[0].readToEnd() ?? [])?.status == 200)
    }

    @Test func stopClosesTheListenerAndOpenConnections() throws {
        let endpoint = try startEndpoint(PrometheusCollectorRegistry())
        let port = endpoint.localAddress.port
        let open = try TestHTTPClient(port: port)
        defer { open.close() }
        #expect(eventually { endpoint.openConnections == 1 })
        endpoint.stop()
        #expect(open.readToEnd() == [])
        #expect(endpoint.openConnections == 0)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        #expect(SocketAddress(ip: "127.0.0.1", port: port)!.withSockAddr { connect(fd, $0, $1) } != 0)
    }

    @Test func theDefaultAddressIsLoopbackPort9090() {
        let configuration = MetricsEndpoint.Configuration()
        #expect(configuration.address == SocketAddress(ip: "127.0.0.1", port: 9090))
        #expect(configuration.maxRequestHeadBytes == 8_192)
        #expect(configuration.clientTimeoutMilliseconds == 5_000)
    }
}
