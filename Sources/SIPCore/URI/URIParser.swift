/// Parses the URI forms of `URI` from bytes (RFC 3261 §19.1.1 and §25.1, RFC 3966 §3, RFC 3986 §3.1).
enum URIParser {
    static func parse(_ text: ByteString, context: URI.Context, in what: StaticString) throws(SIPParseError) -> URI {
        var s = ByteScanner(text)
        let scheme = s.take { CharacterClass.isAlphanumeric($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
            || $0 == UInt8(ascii: ".") }
        guard let first = scheme.bytes.first, CharacterClass.isAlpha(first), s.consume(UInt8(ascii: ":")) else {
            throw .malformedHeader(what, "URI has no scheme")
        }
        if scheme.equalsIgnoringASCIICase("sip") || scheme.equalsIgnoringASCIICase("sips") {
            return .sip(try parseSIP(&s, text: text, secure: scheme.count == 4, context: context, in: what))
        }
        if scheme.equalsIgnoringASCIICase("tel") {
            return .tel(try parseTel(&s, text: text, in: what))
        }
        let rest = s.remaining
        guard !rest.isEmpty, rest.bytes.allSatisfy(CharacterClass.isURIChar) else {
            throw .malformedHeader(what, "invalid character in \(scheme.string): URI")
        }
        return .other(AbsoluteURI(scheme: scheme, rest: rest, text: text))
    }

    /// SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
    private static func parseSIP(_ s: inout ByteScanner, text: ByteString, secure: Bool, context: URI.Context,
                                 in what: StaticString) throws(SIPParseError) -> SIPURI {
        var user = ByteSpan.absent
        var password = ByteSpan.absent
        if let at = s.remaining.bytes.firstIndex(of: UInt8(ascii: "@")) {
            // userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
            let userStart = s.position
            // "#" must be escaped (RFC 3261 §25.1), but softphones send feature codes such as
            // *21# raw and other servers accept them, so the user part tolerates it.
            guard try s.escapedRun({ CharacterClass.isUnreserved($0) || CharacterClass.isUserUnreserved($0)
                || $0 == UInt8(ascii: "#") }, in: what) > 0 else {
                throw .malformedHeader(what, "empty user part in URI")
            }
            user = ByteSpan(userStart..<s.position)
            if s.consume(UInt8(ascii: ":")) {
                let passwordStart = s.position
                _ = try s.escapedRun(CharacterClass.isPasswordChar, in: what)
                password = ByteSpan(passwordStart..<s.position)
            }
            guard s.position == at, s.consume(UInt8(ascii: "@")) else {
                throw .malformedHeader(what, "invalid character in the user part of the URI")
            }
        }
        let hostStart = s.position
        _ = try parseHost(&s, in: what)
        let host = ByteSpan(hostStart..<s.position)
        var port: UInt16?
        if s.consume(UInt8(ascii: ":")) {
            let digits = s.take(while: CharacterClass.isDigit)
            guard let value = digits.decimalValue(limit: 65_535), digits.count <= 5 else {
                throw .malformedHeader(what, "bad port in URI")
            }
            port = UInt16(value)
        }
        let parametersStart = s.position
        _ = try s.uriParameters(in: what)
        let parameters = ByteSpan(parametersStart..<s.position)
        var headers = ByteSpan.absent
        if s.consume(UInt8(ascii: "?")) {
            guard context == .nameAddr else {
                throw .malformedHeader(what, context == .requestURI
                    ? "headers are not allowed in a Request-URI" : "a URI with headers must be enclosed in <>")
            }
            let start = s.position
            repeat {
                guard try s.escapedRun(CharacterClass.isHeaderChar, in: what) > 0, s.consume(UInt8(ascii: "=")) else {
                    throw .malformedHeader(what, "malformed URI header")
                }
                _ = try s.escapedRun(CharacterClass.isHeaderChar, in: what)
            } while s.consume(UInt8(ascii: "&"))
            headers = ByteSpan(start..<s.position)
        }
        guard s.isAtEnd else { throw .malformedHeader(what, "invalid character in URI") }
        return SIPURI(isSecure: secure, port: port, text: text, user: user, password: password, host: host,
                      parameters: parameters, headers: headers)
    }

    /// host = hostname / IPv4address / IPv6reference
    static func parseHost(_ s: inout ByteScanner, in what: StaticString) throws(SIPParseError) -> ByteString {
        let start = s.position
        if s.consume(UInt8(ascii: "[")) {
            let inner = s.take { CharacterClass.isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
            guard inner.bytes.contains(UInt8(ascii: ":")), s.consume(UInt8(ascii: "]")) else {
                throw .malformedHeader(what, "malformed IPv6 reference")
            }
        } else {
            let name = s.take(while: CharacterClass.isHostChar)
            guard let first = name.bytes.first, first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else {
                throw .malformedHeader(what, "missing or malformed host")
            }
        }
        return ByteString(s.bytes[start..<s.position])
    }

    /// telephone-subscriber = global-number / local-number, then parameters.
    private static func parseTel(_ s: inout ByteScanner, text: ByteString, in what: StaticString) throws(SIPParseError) -> TelURI {
        let start = s.position
        let global = s.consume(UInt8(ascii: "+"))
        let digits = s.take { c in
            CharacterClass.isDigit(c) || isVisualSeparator(c)
                || (!global && (CharacterClass.isHexDigit(c) || c == UInt8(ascii: "*") || c == UInt8(ascii: "#")))
        }
        guard digits.bytes.contains(where: { CharacterClass.isHexDigit($0) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "#") }) else {
            throw .malformedHeader(what, "tel: URI without a number")
        }
        let number = ByteString(s.bytes[start..<s.position])
        let parameters = try s.uriParameters(in: what)
        guard s.isAtEnd else { throw .malformedHeader(what, "invalid character in tel: URI") }
        return TelURI(number: number, parameters: parameters, text: text)
    }
}
