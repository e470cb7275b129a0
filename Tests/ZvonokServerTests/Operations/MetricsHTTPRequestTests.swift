import Testing
@testable import ZvonokServer

@Suite struct MetricsHTTPRequestTests {
    private func route(_ text: String) -> MetricsHTTPRequest.Outcome {
        let bytes = Array(text.utf8)
        guard let length = MetricsHTTPRequest.headLength(bytes) else { return .headTooLarge }
        return MetricsHTTPRequest.route(head: bytes[..<length])
    }

    @Test func theHeadEndsAtTheFirstBlankLine() {
        #expect(MetricsHTTPRequest.headLength(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)) == nil)
        #expect(MetricsHTTPRequest.headLength(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody".utf8)) == 27)
        #expect(MetricsHTTPRequest.headLength(Array("GET / HTTP/1.0\n\nbody".utf8)) == 16)
    }

    @Test(arguments: [
        ("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", MetricsHTTPRequest.Outcome.metrics(headOnly: false)),
        ("GET /metrics HTTP/1.1\r\nhOsT: a\r\n\r\n", .metrics(headOnly: false)),
        ("GET /metrics?x=1 HTTP/1.0\r\n\r\n", .metrics(headOnly: false)),
        ("GET /metrics HTTP/1.0\n\n", .metrics(headOnly: false)),
        ("HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n", .metrics(headOnly: true)),
        ("get /metrics HTTP/1.1\r\nHost: a\r\n\r\n", .methodNotAllowed),
        ("PUT /metrics HTTP/1.1\r\nHost: a\r\n\r\n", .methodNotAllowed),
        ("GET /Metrics HTTP/1.1\r\nHost: a\r\n\r\n", .notFound),
        ("GET /metrics/ HTTP/1.1\r\nHost: a\r\n\r\n", .notFound),
        ("GET /metrics HTTP/1.1\r\n\r\n", .badRequest),
        ("GET  /metrics HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.1 \r\nHost: a\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.12\r\nHost: a\r\n\r\n", .badRequest),
        ("GET /metrics http/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("G(T /metrics HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.1\r\n: a\r\n\r\n", .badRequest),
        ("GET /met rics HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("\r\n\r\n", .badRequest),
    ])
    func requestsRoute(request: String, outcome: MetricsHTTPRequest.Outcome) {
        #expect(route(request) == outcome)
    }

    @Test func responsesCarryLengthAndClose() {
        let ok = String(decoding: MetricsHTTPRequest.response(.metrics(headOnly: false), body: Array("a 1\n".utf8)), as: UTF8.self)
        #expect(ok == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 4\r\nConnection: close\r\n\r\na 1\n")
        let head = String(decoding: MetricsHTTPRequest.response(.metrics(headOnly: true), body: Array("a 1\n".utf8)), as: UTF8.self)
        #expect(head.hasSuffix("Content-Length: 4\r\nConnection: close\r\n\r\n"))
        let notAllowed = String(decoding: MetricsHTTPRequest.response(.methodNotAllowed), as: UTF8.self)
        #expect(notAllowed.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(notAllowed.contains("\r\nAllow: GET, HEAD\r\n"))
        #expect(String(decoding: MetricsHTTPRequest.response(.headTooLarge), as: UTF8.self).hasPrefix("HTTP/1.1 431 "))
    }
}
