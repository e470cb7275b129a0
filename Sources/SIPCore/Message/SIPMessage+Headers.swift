/// Typed access to the header fields a server works with. Each accessor parses the raw value
/// when called (nothing is cached: a message is a value) and throws `SIPParseError` naming the
/// header when it is malformed; absent headers give nil or an empty list.
extension SIPMessage {
    /// The first Via value, the one a response is routed by (§18.2.2); parses only that value.
    public func topVia() throws(SIPParseError) -> Via? {
        guard let value = firstValue(.via) else { return nil }
        var s = ByteScanner(value)
        return try Via.parse(&s)
    }

    /// Every Via value, top first, across lines and commas.
    public func vias() throws(SIPParseError) -> [Via] {
        var result: [Via] = []
        for value in values(.via) {
            var s = ByteScanner(value)
            repeat { result.append(try Via.parse(&s)) } while s.consumeSeparator(UInt8(ascii: ","))
            try s.expectEnd(in: "Via")
        }
        return result
    }

    public func from() throws(SIPParseError) -> NameAddress? {
        guard let value = firstValue(.from) else { return nil }
        return try NameAddress.parseSingle(value, in: "From")
    }

    public func to() throws(SIPParseError) -> NameAddress? {
        guard let value = firstValue(.to) else { return nil }
        return try NameAddress.parseSingle(value, in: "To")
    }

    /// The Call-ID (§20.8): `word ["@" word]`, compared byte for byte.
    public func callID() throws(SIPParseError) -> ByteString? {
        guard let value = firstValue(.callID) else { return nil }
        var s = ByteScanner(value)
        let first = s.take(while: CharacterClass.isWord)
        if s.consume(UInt8(ascii: "@")) {
            guard !s.take(while: CharacterClass.isWord).isEmpty else { throw .malformedHeader("Call-ID", "empty host part") }
        }
        guard !first.isEmpty, s.isAtEnd else { throw .malformedHeader("Call-ID", "invalid character") }
        return value
    }

    public func cseq() throws(SIPParseError) -> CSeq? {
        guard let value = firstValue(.cseq) else { return nil }
        return try CSeq.parse(value)
    }

    /// Max-Forwards (§20.22): 0 to 255.
    public func maxForwards() throws(SIPParseError) -> Int? {
        guard let value = firstValue(.maxForwards) else { return nil }
        guard let n = value.decimalValue(limit: 255) else { throw .malformedHeader("Max-Forwards", "not a number from 0 to 255") }
        return Int(n)
    }

    /// Contact values (§20.10) across lines, or `*`.
    public func contacts() throws(SIPParseError) -> ContactList? {
        let lines = values(.contact)
        guard !lines.isEmpty else { return nil }
        if lines.count == 1, lines[0] == "*" { return .wildcard }
        var list: [NameAddress] = []
        for line in lines {
            guard line != "*" else { throw .malformedHeader("Contact", "* mixed with other contacts") }
            try NameAddress.parseList(line, in: "Contact", into: &list)
        }
        for contact in list {
            if let expires = contact.parameters.first(named: "expires") {
                guard expires.value?.bytes.allSatisfy(CharacterClass.isDigit) == true, expires.value?.isEmpty == false else {
                    throw .malformedHeader("Contact", "expires is not a number")
                }
            }
            if let q = contact.parameters.value("q"), !isQValue(q) { throw .malformedHeader("Contact", "bad q value") }
        }
        return .addresses(list)
    }

    public func routes() throws(SIPParseError) -> [NameAddress] { try addressList(.route, "Route") }
    public func recordRoutes() throws(SIPParseError) -> [NameAddress] { try addressList(.recordRoute, "Record-Route") }
    public func pAssertedIdentities() throws(SIPParseError) -> [NameAddress] {
        try addressList(.pAssertedIdentity, "P-Asserted-Identity")
    }

    /// The first Route's value, parsed alone: what a proxy looks at for loose routing (§16.4).
    public func topRoute() throws(SIPParseError) -> NameAddress? {
        guard let value = firstValue(.route) else { return nil }
        var s = ByteScanner(value)
        return try NameAddress.parse(&s, in: "Route")
    }

    /// Content-Length, as the parser framed the message by it.
    public func contentLength() -> Int? {
        firstValue(.contentLength).flatMap { $0.decimalValue(limit: UInt64(Int32.max)).map(Int.init) }
    }

    public func contentType() throws(SIPParseError) -> MediaType? {
        guard let value = firstValue(.contentType) else { return nil }
        var s = ByteScanner(value)
        let type = try MediaType.parse(&s, in: "Content-Type")
        try s.expectEnd(in: "Content-Type")
        return type
    }

    /// Accept media ranges (§20.1), across lines; an empty Accept header gives an empty list.
    public func accept() throws(SIPParseError) -> [MediaType]? {
        let lines = values(.accept)
        guard !lines.isEmpty else { return nil }
        var result: [MediaType] = []
        for line in lines where !line.isEmpty {
            var s = ByteScanner(line)
            repeat { result.append(try MediaType.parse(&s, in: "Accept")) } while s.consumeSeparator(UInt8(ascii: ","))
            try s.expectEnd(in: "Accept")
        }
        return result
    }

    /// Expires (§20.19) in seconds; values over 2^32-1 are read as 2^32-1.
    public func expires() throws(SIPParseError) -> UInt32? { try deltaSeconds(.expires, "Expires") }
    public func minExpires() throws(SIPParseError) -> UInt32? { try deltaSeconds(.minExpires, "Min-Expires") }

    public func minSE() throws(SIPParseError) -> UInt32? {
        guard let value = firstValue(.minSE) else { return nil }
        var s = ByteScanner(value)
        let n = try s.decimal(in: "Min-SE", limit: UInt64(UInt32.max), saturate: true)
        _ = try s.headerParameters(in: "Min-SE")
        try s.expectEnd(in: "Min-SE")
        return UInt32(n)
    }

    public func sessionExpires() throws(SIPParseError) -> SessionExpires? {
        guard let value = firstValue(.sessionExpires) else { return nil }
        var s = ByteScanner(value)
        let n = try s.decimal(in: "Session-Expires", limit: UInt64(UInt32.max), saturate: true)
        let parameters = try s.headerParameters(in: "Session-Expires")
        try s.expectEnd(in: "Session-Expires")
        return SessionExpires(deltaSeconds: UInt32(n), parameters: parameters)
    }

    public func authorizations() throws(SIPParseError) -> [AuthenticationValue] { try auth(.authorization, "Authorization") }
    public func proxyAuthorizations() throws(SIPParseError) -> [AuthenticationValue] {
        try auth(.proxyAuthorization, "Proxy-Authorization")
    }
    public func wwwAuthenticates() throws(SIPParseError) -> [AuthenticationValue] {
        try auth(.wwwAuthenticate, "WWW-Authenticate")
    }
    public func proxyAuthenticates() throws(SIPParseError) -> [AuthenticationValue] {
        try auth(.proxyAuthenticate, "Proxy-Authenticate")
    }

    /// Option tags of Require (§20.32); likewise `proxyRequire()`, `supported()`, `unsupported()`.
    public func require() throws(SIPParseError) -> [ByteString] { try tokens(.require, "Require") }
    public func proxyRequire() throws(SIPParseError) -> [ByteString] { try tokens(.proxyRequire, "Proxy-Require") }
    public func supported() throws(SIPParseError) -> [ByteString] { try tokens(.supported, "Supported") }
    public func unsupported() throws(SIPParseError) -> [ByteString] { try tokens(.unsupported, "Unsupported") }
    /// The methods of Allow (§20.5).
    public func allow() throws(SIPParseError) -> [SIPMethod] { try tokens(.allow, "Allow").map(SIPMethod.init) }

    /// Reason values (RFC 3326), across lines and commas.
    public func reasons() throws(SIPParseError) -> [ReasonValue] {
        var result: [ReasonValue] = []
        for line in values(.reason) {
            var s = ByteScanner(line)
            repeat {
                s.skipWhitespace()
                guard let proto = s.token() else { throw .malformedHeader("Reason", "missing protocol") }
                result.append(ReasonValue(protocolName: proto, parameters: try s.headerParameters(in: "Reason")))
            } while s.consumeSeparator(UInt8(ascii: ","))
            try s.expectEnd(in: "Reason")
        }
        return result
    }

    // MARK: Helpers

    private func addressList(_ header: KnownHeader, _ name: StaticString) throws(SIPParseError) -> [NameAddress] {
        var list: [NameAddress] = []
        for line in values(header) { try NameAddress.parseList(line, in: name, into: &list) }
        return list
    }

    private func deltaSeconds(_ header: KnownHeader, _ name: StaticString) throws(SIPParseError) -> UInt32? {
        guard let value = firstValue(header) else { return nil }
        var s = ByteScanner(value)
        let n = try s.decimal(in: name, limit: UInt64(UInt32.max), saturate: true)
        try s.expectEnd(in: name)
        return UInt32(n)
    }

    private func auth(_ header: KnownHeader, _ name: StaticString) throws(SIPParseError) -> [AuthenticationValue] {
        var result: [AuthenticationValue] = []
        for line in values(header) { result.append(try AuthenticationValue.parse(line, in: name)) }
        return result
    }

    private func tokens(_ header: KnownHeader, _ name: StaticString) throws(SIPParseError) -> [ByteString] {
        var result: [ByteString] = []
        for line in values(header) where !line.isEmpty {
            var s = ByteScanner(line)
            repeat {
                s.skipWhitespace()
                guard let t = s.token() else { throw .malformedHeader(name, "expected a token") }
                result.append(t)
            } while s.consumeSeparator(UInt8(ascii: ","))
            try s.expectEnd(in: name)
        }
        return result
    }
}

/// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
func isQValue(_ v: ByteString) -> Bool {
    let b = Array(v.bytes)
    guard let first = b.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return false }
    if b.count == 1 { return true }
    guard b[1] == UInt8(ascii: "."), b.count <= 5 else { return false }
    return b.dropFirst(2).allSatisfy { first == UInt8(ascii: "0") ? CharacterClass.isDigit($0) : $0 == UInt8(ascii: "0") }
}
