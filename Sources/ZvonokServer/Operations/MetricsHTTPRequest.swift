/// What the metrics endpoint answers to one HTTP/1.x request head (RFC 9112): a pure function of
/// the head's bytes, so every rule is tested without a socket.
enum MetricsHTTPRequest {
    /// The endpoint's decision for one request.
    enum Outcome: Equatable, Sendable {
        /// `GET /metrics` (body) or `HEAD /metrics` (`headOnly`): 200 with the registry's text.
        case metrics(headOnly: Bool)
        /// 404: a path other than `/metrics`.
        case notFound
        /// 405: `/metrics` with a method other than GET or HEAD.
        case methodNotAllowed
        /// 400: not an HTTP/1.x request head (or HTTP/1.1 without Host, RFC 9112 §3.2).
        case badRequest
        /// 431: no end of head within the size limit.
        case headTooLarge
    }

    /// The path served.
    static let metricsPath = Array("/metrics".utf8)

    /// The byte count of the head through its blank line (`\r\n\r\n`, or `\n\n` as RFC 9112 §2.2
    /// lets a server accept), or nil while it is incomplete.
    static func headLength(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                if i + 1 < bytes.count && bytes[i + 1] == 0x0A { return i + 2 }
                if i + 2 < bytes.count && bytes[i + 1] == 0x0D && bytes[i + 2] == 0x0A { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// Routes a complete head (the bytes up to and including its blank line).
    static func route(head: ArraySlice<UInt8>) -> Outcome {
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let requestLine = lines.first else { return .badRequest }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .badRequest }
        let method = parts[0], target = parts[1], version = parts[2]
        guard !method.isEmpty, method.allSatisfy(isTokenByte) else { return .badRequest }
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return .badRequest }
        guard version.count == 8, version.starts(with: "HTTP/1.".utf8), let minor = version.last,
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(minor)
        else { return .badRequest }
        var hasHost = false
        for field in lines.dropFirst() {
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > field.startIndex,
                field[..<colon].allSatisfy(isTokenByte)
            else { return .badRequest }  // also refuses obs-fold (a line starting with white space)
            if field[..<colon].count == 4 && field[..<colon].map({ $0 | 0x20 }).elementsEqual("host".utf8) {
                hasHost = true
            }
        }
        if minor != UInt8(ascii: "0") && !hasHost { return .badRequest }
        let path = target.prefix { $0 != UInt8(ascii: "?") }
        guard path.elementsEqual(metricsPath) else { return .notFound }
        if method.elementsEqual("GET".utf8) { return .metrics(headOnly: false) }
        if method.elementsEqual("HEAD".utf8) { return .metrics(headOnly: true) }
        return .methodNotAllowed
    }

    /// The full response for `outcome`; `body` is the exposition text for `.metrics`.
    static func response(_ outcome: Outcome, body: [UInt8] = []) -> [UInt8] {
        let status: String
        var contentType = "text/plain; charset=utf-8"
        var extra = ""
        let content: [UInt8]
        var headOnly = false
        switch outcome {
        case .metrics(let onlyHead):
            status = "200 OK"
            contentType = "text/plain; version=0.0.4"
            content = body
            headOnly = onlyHead
        case .notFound:
            status = "404 Not Found"
            content = Array("Not Found: the metrics are at /metrics\n".utf8)
        case .methodNotAllowed:
            status = "405 Method Not Allowed"
            extra = "Allow: GET, HEAD\r\n"
            content = Array("Method Not Allowed\n".utf8)
        case .badRequest:
            status = "400 Bad Request"
            content = Array("Bad Request\n".utf8)
        case .headTooLarge:
            status = "431 Request Header Fields Too Large"
            content = Array("Request Header Fields Too Large\n".utf8)
        }
        var out = Array(
            "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(content.count)\r\n\(extra)Connection: close\r\n\r\n"
                .utf8)
        if !headOnly { out.append(contentsOf: content) }
        return out
    }

    /// RFC 9110 §5.6.2 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
