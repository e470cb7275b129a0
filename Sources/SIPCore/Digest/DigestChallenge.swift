/// One Digest challenge: a WWW-Authenticate (401) or Proxy-Authenticate (407) value
/// (RFC 3261 §22.1, §22.3; RFC 7616 §3.3; RFC 8760 §2.3).
///
/// `headerValue` writes `Digest realm="…", nonce="…", algorithm=SHA-256, qop="auth"` followed by
/// `, stale=true` and `, opaque="…"` when set. A server offers one challenge per algorithm, each
/// in its own header field, the preferred first (RFC 8760 §2.3, RFC 7616 §3.7): `offers` returns
/// SHA-256, then MD5. `init(parsing:)` reads a challenge the other way, for a client answering
/// a trunk's 401/407.
public struct DigestChallenge: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    public var algorithm: DigestAlgorithm
    public var qop: DigestQOP
    /// RFC 7616 §3.3: the previous request had a right response for an expired nonce; the client
    /// retries with the new nonce without asking its user for the password again.
    public var stale: Bool
    public var opaque: String?

    /// - Precondition: `realm`, `nonce` and `opaque` contain no control characters (CR, LF, …),
    ///   which a header value cannot carry; `ZvonokConfig` validates the realm.
    public init(realm: String, nonce: String, algorithm: DigestAlgorithm, qop: DigestQOP = .auth,
                stale: Bool = false, opaque: String? = nil) {
        precondition(isQuotable(realm) && isQuotable(nonce) && (opaque.map(isQuotable) ?? true),
                     "a Digest challenge parameter holds a control character")
        self.realm = realm
        self.nonce = nonce
        self.algorithm = algorithm
        self.qop = qop
        self.stale = stale
        self.opaque = opaque
    }

    /// The challenges for one 401/407, one header field each, in the order to send them:
    /// SHA-256 then MD5 (RFC 8760 §2.3), all with the same nonce.
    public static func offers(realm: String, nonce: String, stale: Bool = false, opaque: String? = nil,
                              algorithms: [DigestAlgorithm] = [.sha256, .md5]) -> [DigestChallenge] {
        algorithms.map { DigestChallenge(realm: realm, nonce: nonce, algorithm: $0, stale: stale, opaque: opaque) }
    }

    /// The value of one WWW-Authenticate or Proxy-Authenticate header field.
    public var headerValue: String {
        var text = "Digest realm=" + quoted(realm) + ", nonce=" + quoted(nonce)
        text += ", algorithm=" + algorithm.rawValue + ", qop=\"" + qop.rawValue + "\""
        if stale { text += ", stale=true" }
        if let opaque { text += ", opaque=" + quoted(opaque) }
        return text
    }

    /// Parses a Digest challenge (RFC 7616 §3.3). `realm` and `nonce` are required; `algorithm`
    /// defaults to MD5; `qop` must list `auth` (a challenge without qop is the RFC 2069 form, which
    /// this side does not answer); `stale` is true only when it says TRUE (any case).
    public init(parsing value: AuthenticationValue) throws(DigestCredentialsError) {
        guard value.isDigest else { throw .notDigest(scheme: value.scheme.string) }
        guard let realm = value.value("realm") else { throw .missingParameter("realm") }
        guard let nonce = value.value("nonce"), !nonce.isEmpty else { throw .missingParameter("nonce") }
        if let token = value.value("algorithm") {
            guard let algorithm = DigestAlgorithm(token: token) else { throw .unsupportedAlgorithm(token.string) }
            self.algorithm = algorithm
        } else {
            algorithm = .md5
        }
        guard let qopList = value.value("qop") else { throw .missingParameter("qop") }
        let offersAuth = qopList.bytes.split(separator: UInt8(ascii: ",")).contains { item in
            let trimmed = item.drop(while: CharacterClass.isLinearWhitespace)
            guard let last = trimmed.lastIndex(where: { !CharacterClass.isLinearWhitespace($0) }) else { return false }
            return ByteString(trimmed[...last]).equalsIgnoringASCIICase("auth")
        }
        guard offersAuth else { throw .unsupportedQOP(qopList.string) }
        qop = .auth
        stale = value.value("stale")?.equalsIgnoringASCIICase("true") ?? false
        self.realm = realm.string
        self.nonce = nonce.string
        opaque = value.value("opaque")?.string
    }
}
