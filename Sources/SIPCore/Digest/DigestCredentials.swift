/// The quality of protection (RFC 7616 §3.3 `qop`, §3.4). Only `auth` is offered and accepted:
/// `auth-int` hashes the message body, which SIP clients rarely support and a registrar never needs.
public enum DigestQOP: String, Sendable, Hashable {
    case auth
}

/// Why a Digest Authorization or Proxy-Authorization value (RFC 7616 §3.4), or a challenge read by
/// `DigestChallenge(parsing:)` (§3.3), was refused. Each case names the parameter, so the reason
/// fits a 400 reason phrase or a log line.
public enum DigestCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header value itself does not parse (RFC 3261 §25.1 auth grammar); the parser's reason.
    case malformedHeader(String)
    /// The scheme is not Digest (RFC 3261 §22.4 knows only Digest).
    case notDigest(scheme: String)
    /// A parameter RFC 7616 §3.4 requires is absent (qop, nc and cnonce included: RFC 7616 drops
    /// the RFC 2069 form without them, and replay protection needs them).
    case missingParameter(String)
    /// A parameter appears twice; which one counts would be a guess.
    case duplicateParameter(String)
    /// A parameter's value does not match its grammar, with the rule it breaks.
    case malformedParameter(String, reason: String)
    /// An algorithm other than MD5 and SHA-256 (the `-sess` variants and SHA-512-256 included).
    case unsupportedAlgorithm(String)
    /// A qop other than `auth`.
    case unsupportedQOP(String)
    /// `userhash=true` (RFC 7616 §3.4.4): Zvonok does not offer username hashing.
    case userhashNotSupported

    public var description: String {
        switch self {
        case .malformedHeader(let reason): reason
        case .notDigest(let scheme): "unsupported auth scheme \(scheme)"
        case .missingParameter(let name): "missing Digest parameter \(name)"
        case .duplicateParameter(let name): "duplicate Digest parameter \(name)"
        case .malformedParameter(let name, let reason): "malformed Digest parameter \(name): \(reason)"
        case .unsupportedAlgorithm(let name): "unsupported Digest algorithm \(name)"
        case .unsupportedQOP(let name): "unsupported Digest qop \(name)"
        case .userhashNotSupported: "Digest userhash is not supported"
        }
    }
}

/// Digest credentials from an Authorization or Proxy-Authorization value (RFC 3261 §22.4,
/// §25.1 `digest-response`; RFC 7616 §3.4; RFC 8760 §2.4), typed and checked:
///
/// - required: `username`, `realm`, `nonce`, `uri`, `response`, `qop`, `nc`, `cnonce`
/// - `algorithm` defaults to MD5 (RFC 7616 §3.4); MD5 and SHA-256 only
/// - `response` must be lowercase or uppercase hex of the algorithm's length (32 or 64)
/// - `nc` is exactly 8 hex digits and not 00000000
/// - `qop` is `auth`; `userhash` may only be `false`; unknown parameters are ignored
///
/// Values may be quoted or not (clients disagree on `qop="auth"`, `algorithm="MD5"`); quoted
/// values are unescaped. The values share the message buffer (`ByteString`), except where
/// unescaping had to copy.
public struct DigestCredentials: Sendable, Equatable {
    public var username: ByteString
    public var realm: ByteString
    public var nonce: ByteString
    /// The digest-uri as sent: hashed as is into HA2.
    public var uri: ByteString
    /// The client's response digest as sent (hex).
    public var response: ByteString
    public var algorithm: DigestAlgorithm
    public var cnonce: ByteString
    /// The nonce count's 8 hex digits as sent: hashed as is into the response.
    public var nonceCountText: ByteString
    public var qop: DigestQOP
    public var opaque: ByteString?

    /// The nonce count as a number (1…0xFFFFFFFF).
    public var nonceCount: UInt32 { Self.parseNonceCount(nonceCountText) ?? 0 }

    /// Credentials from their parts, for a client building an Authorization value (`headerValue`).
    /// - Precondition: `nonceCount` > 0.
    public init(
        username: String, realm: String, nonce: String, uri: String, response: String,
        algorithm: DigestAlgorithm, cnonce: String, nonceCount: UInt32, qop: DigestQOP = .auth, opaque: String? = nil
    ) {
        precondition(nonceCount > 0, "nc starts at 1")
        self.username = ByteString(username)
        self.realm = ByteString(realm)
        self.nonce = ByteString(nonce)
        self.uri = ByteString(uri)
        self.response = ByteString(response)
        self.algorithm = algorithm
        self.cnonce = ByteString(cnonce)
        self.nonceCountText = ByteString(Self.formatNonceCount(nonceCount))
        self.qop = qop
        self.opaque = opaque.map { ByteString($0) }
    }

    /// Parses Digest credentials from a parsed Authorization or Proxy-Authorization value.
    public init(parsing value: AuthenticationValue) throws(DigestCredentialsError) {
        try self.init(parsing: value, parameters: value.parameters)
    }

    /// `init(parsing:)` with `value.parameters` already split by the caller.
    init(parsing value: AuthenticationValue, parameters: [Parameters.Parameter]) throws(DigestCredentialsError) {
        guard value.isDigest else { throw .notDigest(scheme: value.scheme.string) }
        var found = [ByteString?](repeating: nil, count: Field.allCases.count)
        for parameter in parameters {
            guard let field = Field.named(parameter.name) else { continue }
            guard let raw = parameter.value else { throw .malformedParameter(field.label, reason: "missing value") }
            guard found[field.rawValue] == nil else { throw .duplicateParameter(field.label) }
            found[field.rawValue] = unquote(raw)
        }
        func required(_ field: Field) throws(DigestCredentialsError) -> ByteString {
            guard let value = found[field.rawValue] else { throw .missingParameter(field.label) }
            return value
        }

        username = try required(.username)
        realm = try required(.realm)
        nonce = try required(.nonce)
        guard !nonce.isEmpty else { throw .malformedParameter("nonce", reason: "empty") }
        uri = try required(.uri)
        guard !uri.isEmpty else { throw .malformedParameter("uri", reason: "empty") }
        response = try required(.response)
        if let token = found[Field.algorithm.rawValue] {
            guard let algorithm = DigestAlgorithm(token: token) else { throw .unsupportedAlgorithm(token.string) }
            self.algorithm = algorithm
        } else {
            algorithm = .md5
        }
        guard response.count == algorithm.hexCount, response.bytes.allSatisfy(CharacterClass.isHexDigit) else {
            throw .malformedParameter("response", reason: "expected \(algorithm.hexCount) hex digits for \(algorithm.rawValue)")
        }
        let qopToken = try required(.qop)
        guard qopToken.equalsIgnoringASCIICase("auth") else { throw .unsupportedQOP(qopToken.string) }
        qop = .auth
        cnonce = try required(.cnonce)
        guard !cnonce.isEmpty else { throw .malformedParameter("cnonce", reason: "empty") }
        nonceCountText = try required(.nc)
        guard Self.parseNonceCount(nonceCountText) != nil else {
            throw .malformedParameter("nc", reason: "expected 8 hex digits from 00000001")
        }
        if let userhash = found[Field.userhash.rawValue] {
            if userhash.equalsIgnoringASCIICase("true") { throw .userhashNotSupported }
            guard userhash.equalsIgnoringASCIICase("false") else {
                throw .malformedParameter("userhash", reason: "expected true or false")
            }
        }
        opaque = found[Field.opaque.rawValue]
    }

    /// The credentials as an Authorization or Proxy-Authorization value (RFC 7616 §3.4 order and
    /// quoting: `algorithm`, `qop` and `nc` as tokens, the rest quoted).
    public var headerValue: String {
        var text = "Digest username=" + quoted(username.string) + ", realm=" + quoted(realm.string)
        text += ", nonce=" + quoted(nonce.string) + ", uri=" + quoted(uri.string)
        text += ", response=" + quoted(response.string) + ", algorithm=" + algorithm.rawValue
        text += ", cnonce=" + quoted(cnonce.string) + ", qop=" + qop.rawValue + ", nc=" + nonceCountText.string
        if let opaque { text += ", opaque=" + quoted(opaque.string) }
        return text
    }

    /// The directives this type reads.
    private enum Field: Int, CaseIterable {
        case username, realm, nonce, uri, response, algorithm, cnonce, nc, qop, opaque, userhash

        var name: StaticString {
            switch self {
            case .username: "username"
            case .realm: "realm"
            case .nonce: "nonce"
            case .uri: "uri"
            case .response: "response"
            case .algorithm: "algorithm"
            case .cnonce: "cnonce"
            case .nc: "nc"
            case .qop: "qop"
            case .opaque: "opaque"
            case .userhash: "userhash"
            }
        }

        var label: String { name.description }

        static func named(_ name: ByteString) -> Field? {
            allCases.first { name.equalsIgnoringASCIICase($0.name) }
        }
    }

    /// `nc-value = 8LHEX` (RFC 7616 §3.4; upper case tolerated), 0 refused.
    static func parseNonceCount(_ text: ByteString) -> UInt32? {
        guard text.count == 8 else { return nil }
        var value: UInt32 = 0
        for c in text.bytes {
            guard let digit = hexValue(c) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value == 0 ? nil : value
    }

    /// `n` as 8 lowercase hex digits.
    static func formatNonceCount(_ n: UInt32) -> String {
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// `text` as a quoted-string (RFC 3261 §25.1): `"` and `\` escaped.
func quoted(_ text: String) -> String {
    // Nonces, realms and opaques hardly ever hold a quote or a backslash: one concatenation then.
    if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
        return "\"" + text + "\""
    }
    var out = "\""
    for c in text.unicodeScalars {
        if c == "\"" || c == "\\" { out.unicodeScalars.append("\\") }
        out.unicodeScalars.append(c)
    }
    out += "\""
    return out
}

/// Whether `text` can be written as a quoted-string: no control characters (CR, LF, NUL, …)
/// that a header value cannot carry.
func isQuotable(_ text: String) -> Bool {
    text.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }
}

extension SIPMessage {
    /// The Digest credentials for `realm` (RFC 3261 §22.4: a request may carry one set per realm):
    /// the first Digest value of Authorization (or, with `proxy`, Proxy-Authorization) whose
    /// realm matches; nil when there is none. Other schemes and other realms are skipped.
    public func digestCredentials(realm: String, proxy: Bool = false) throws(DigestCredentialsError) -> DigestCredentials? {
        let values: [AuthenticationValue]
        do {
            values = try proxy ? proxyAuthorizations() : authorizations()
        } catch {
            throw .malformedHeader(error.reason)
        }
        for value in values where value.isDigest {
            let parameters = value.parameters
            guard let theirRealm = AuthenticationValue.value("realm", in: parameters), theirRealm == realm else { continue }
            return try DigestCredentials(parsing: value, parameters: parameters)
        }
        return nil
    }
}
