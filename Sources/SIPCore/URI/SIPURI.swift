/// A `sip:` or `sips:` URI (RFC 3261 §19.1):
/// `sip:user:password@host:port;uri-parameters?headers`.
///
/// Parts are kept as written (still %-escaped); `isEquivalent(to:)` compares them by the rules
/// of §19.1.4, decoding escapes first.
public struct SIPURI: Sendable, Equatable, CustomStringConvertible {
    public let isSecure: Bool
    public let port: UInt16?
    /// The whole URI as written.
    public let text: ByteString
    let userSpan: ByteSpan
    let passwordSpan: ByteSpan
    let hostSpan: ByteSpan
    let parametersSpan: ByteSpan
    let headersSpan: ByteSpan

    /// The user part, escaped as written; nil when the URI has no userinfo.
    public var user: ByteString? { text.piece(userSpan) }
    public var password: ByteString? { text.piece(passwordSpan) }
    /// A host name, an IPv4 address, or an IPv6 reference with its brackets.
    public var host: ByteString { text.pieceOrEmpty(hostSpan) }
    public var parameters: Parameters { Parameters(raw: text.pieceOrEmpty(parametersSpan)) }
    /// The `?`-headers as written, without the `?`; nil when absent.
    public var headers: ByteString? { text.piece(headersSpan) }

    /// Same text, byte for byte (where each copy lives does not matter).
    public static func == (lhs: SIPURI, rhs: SIPURI) -> Bool { lhs.text == rhs.text }

    public var description: String { text.string }

    /// The user part with its escapes decoded.
    public var decodedUser: ByteString? { user.map(PercentEncoding.decode) }

    public var transport: ByteString? { parameters.value("transport") }
    public var maddr: ByteString? { parameters.value("maddr") }
    /// Whether the URI carries `lr`, the loose-routing flag (RFC 3261 §19.1.1, §16.12).
    public var isLooseRouter: Bool { parameters.contains("lr") }
    /// The `user=` parameter (`phone` marks a telephone number in the user part).
    public var userParameter: ByteString? { parameters.value("user") }

    /// Builds the text of a SIP URI from parts (values must already be escaped where needed).
    public init(secure: Bool = false, user: String? = nil, host: String, port: UInt16? = nil,
                parameters: [(String, String?)] = []) {
        var s = secure ? "sips:" : "sip:"
        if let user { s += user + "@" }
        s += host
        if let port { s += ":\(port)" }
        for (name, value) in parameters { s += ";" + name + (value.map { "=" + $0 } ?? "") }
        // Built from its own parts, the text parses; a host that does not is a programming error.
        guard case .sip(let uri) = try? URIParser.parse(ByteString(s), context: .nameAddr, in: "URI") else {
            preconditionFailure("SIPURI built from invalid parts: \(s)")
        }
        self = uri
    }

    init(isSecure: Bool, port: UInt16?, text: ByteString, user: ByteSpan, password: ByteSpan, host: ByteSpan,
         parameters: ByteSpan, headers: ByteSpan) {
        self.isSecure = isSecure
        self.port = port
        self.text = text
        userSpan = user
        passwordSpan = password
        hostSpan = host
        parametersSpan = parameters
        headersSpan = headers
    }

    /// URI comparison (RFC 3261 §19.1.4): scheme, user and password case-sensitive after
    /// unescaping; host case-insensitive; an explicit port never equals an omitted one; the
    /// `user`, `ttl`, `method`, `maddr` and `transport` parameters must agree when either URI has
    /// them, other parameters only when both do; headers must all match.
    public func isEquivalent(to other: SIPURI) -> Bool {
        guard isSecure == other.isSecure, port == other.port, host.equalsIgnoringASCIICase(other.host) else { return false }
        let parameters = self.parameters, headers = self.headers
        guard user.map(PercentEncoding.decode) == other.user.map(PercentEncoding.decode),
              password.map(PercentEncoding.decode) == other.password.map(PercentEncoding.decode) else { return false }
        guard parametersAgree(parameters, other.parameters), parametersAgree(other.parameters, parameters) else {
            return false
        }
        return headerSet(headers) == headerSet(other.headers)
    }

    private func parametersAgree(_ a: Parameters, _ b: Parameters) -> Bool {
        for p in a {
            let name = PercentEncoding.decode(p.name)
            if let q = b.first(named: name) ?? b.first(where: { PercentEncoding.decode($0.name).equalsIgnoringASCIICase(name) }) {
                let v1 = p.value.map(PercentEncoding.decode), v2 = q.value.map(PercentEncoding.decode)
                switch (v1, v2) {
                case (nil, nil): continue
                case (let x?, let y?) where x.equalsIgnoringASCIICase(y): continue
                default: return false
                }
            } else if ["user", "ttl", "method", "maddr", "transport"].contains(where: { name.equalsIgnoringASCIICase(ByteString($0)) }) {
                return false
            }
        }
        return true
    }

    private func headerSet(_ headers: ByteString?) -> [ByteString: ByteString] {
        guard let headers else { return [:] }
        var result: [ByteString: ByteString] = [:]
        for pair in headers.bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = ByteString(PercentEncoding.decode(ByteString(parts[0])).bytes.map(asciiLower))
            result[name] = PercentEncoding.decode(ByteString(parts.count > 1 ? parts[1] : []))
        }
        return result
    }
}
