/// The CSeq header (RFC 3261 §20.16, §8.1.1.5): a sequence number below 2^31 and the method.
public struct CSeq: Sendable, Equatable, CustomStringConvertible {
    public var number: UInt32
    public var method: SIPMethod

    public init(number: UInt32, method: SIPMethod) {
        self.number = number
        self.method = method
    }

    public var description: String { "\(number) \(method)" }

    static func parse(_ value: ByteString) throws(SIPParseError) -> CSeq {
        var s = ByteScanner(value)
        let number = try s.decimal(in: "CSeq", limit: UInt64(Int32.max))
        let before = s.position
        s.skipWhitespace()
        guard s.position > before, let method = s.token() else { throw .malformedHeader("CSeq", "expected a method") }
        try s.expectEnd(in: "CSeq")
        return CSeq(number: UInt32(number), method: SIPMethod(method))
    }
}

/// A Contact header's values (RFC 3261 §20.10): the `*` of a REGISTER that removes every binding,
/// or a list of addresses with their `expires` and `q` parameters.
public enum ContactList: Sendable, Equatable {
    case wildcard
    case addresses([NameAddress])

    public var addresses: [NameAddress] { if case .addresses(let a) = self { a } else { [] } }
}

/// A media type (RFC 3261 §20.15, RFC 2045): `type/subtype;parameters`, as in Content-Type or Accept.
public struct MediaType: Sendable, Equatable, CustomStringConvertible {
    public var type: ByteString
    public var subtype: ByteString
    public var parameters: Parameters

    public var description: String { "\(type)/\(subtype)" + parameters.raw.string }

    /// Whether this is `type/subtype`, compared case-insensitively.
    public func matches(type: StaticString, subtype: StaticString) -> Bool {
        self.type.equalsIgnoringASCIICase(type) && self.subtype.equalsIgnoringASCIICase(subtype)
    }

    /// Whether this media range (which may be `*/*` or `type/*`, as in Accept) admits `type/subtype`.
    public func admits(type: StaticString, subtype: StaticString) -> Bool {
        if self.type == "*" { return true }
        guard self.type.equalsIgnoringASCIICase(type) else { return false }
        return self.subtype == "*" || self.subtype.equalsIgnoringASCIICase(subtype)
    }

    static func parse(_ s: inout ByteScanner, in header: StaticString) throws(SIPParseError) -> MediaType {
        s.skipWhitespace()
        guard let type = s.token(), s.consumeSeparator(UInt8(ascii: "/")), let subtype = s.token() else {
            throw .malformedHeader(header, "expected type/subtype")
        }
        return MediaType(type: type, subtype: subtype, parameters: try s.headerParameters(in: header))
    }
}

/// Session-Expires (RFC 4028 §4): the session interval and who refreshes (`uac` or `uas`).
public struct SessionExpires: Sendable, Equatable {
    public var deltaSeconds: UInt32
    public var parameters: Parameters
    public var refresher: ByteString? { parameters.value("refresher") }
}

/// One Reason value (RFC 3326 §2): a protocol (`SIP`, `Q.850`) with `cause` and `text`.
public struct ReasonValue: Sendable, Equatable {
    public var protocolName: ByteString
    public var parameters: Parameters
    public var cause: Int? { parameters.value("cause")?.decimalValue(limit: 65_535).map(Int.init) }
    public var text: String? { parameters.value("text")?.string }
}

/// Credentials (Authorization, Proxy-Authorization) or a challenge (WWW-Authenticate,
/// Proxy-Authenticate): an auth scheme and its comma-separated `name=value` parameters
/// (RFC 3261 §20.7, §20.27, §20.44; RFC 7616 §3.3, §3.4). Unknown schemes parse too (RFC 4475 §3.3.7).
public struct AuthenticationValue: Sendable, Equatable {
    public var scheme: ByteString
    /// The parameters as written, after the scheme.
    public var rawParameters: ByteString

    public var isDigest: Bool { scheme.equalsIgnoringASCIICase("Digest") }

    /// The parameters in order; values keep their quotes (`unquotedValue` removes them).
    public var parameters: [Parameters.Parameter] {
        var s = ByteScanner(rawParameters)
        var result: [Parameters.Parameter] = []
        repeat {
            s.skipWhitespace()
            guard let name = s.token() else { break }
            var value: ByteString?
            if s.consumeSeparator(UInt8(ascii: "=")) {
                value = s.peek == UInt8(ascii: "\"") ? (try? s.quotedString(in: "Authorization"))
                    : s.take { CharacterClass.isToken($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") }
            }
            result.append(.init(name: name, value: value))
        } while s.consumeSeparator(UInt8(ascii: ","))
        return result
    }

    /// The value of parameter `name` with quotes and escapes removed; nil when absent.
    public func value(_ name: StaticString) -> ByteString? {
        Self.value(name, in: parameters)
    }

    /// `value(_:)` over parameters already split (`parameters`), for a caller reading several.
    static func value(_ name: StaticString, in parameters: [Parameters.Parameter]) -> ByteString? {
        parameters.first { $0.name.equalsIgnoringASCIICase(name) }?.value.map(unquote)
    }

    static func parse(_ value: ByteString, in header: StaticString) throws(SIPParseError) -> AuthenticationValue {
        var s = ByteScanner(value)
        guard let scheme = s.token() else { throw .malformedHeader(header, "missing auth scheme") }
        let before = s.position
        s.skipWhitespace()
        let paramsStart = s.position
        guard s.position > before || s.isAtEnd else { throw .malformedHeader(header, "malformed auth scheme") }
        // auth-param = token EQUAL ( token / quoted-string ), separated by COMMA. Some schemes
        // carry a token68 blob instead, which parses as one valueless token.
        while !s.isAtEnd {
            guard s.take(while: { CharacterClass.isToken($0) || $0 == UInt8(ascii: "/") }).count > 0 else {
                throw .malformedHeader(header, "malformed auth parameter")
            }
            if s.consumeSeparator(UInt8(ascii: "=")) {
                if s.peek == UInt8(ascii: "\"") {
                    _ = try s.quotedString(in: header)
                } else {
                    let v = s.take { CharacterClass.isToken($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":")
                        || $0 == UInt8(ascii: "=") }
                    guard !v.isEmpty else { throw .malformedHeader(header, "empty auth parameter value") }
                }
            }
            if !s.consumeSeparator(UInt8(ascii: ",")) { try s.expectEnd(in: header) }
        }
        return AuthenticationValue(scheme: scheme, rawParameters: ByteString(s.bytes[paramsStart..<s.end]))
    }
}
