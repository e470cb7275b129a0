/// The client side of Digest authentication (RFC 3261 §22.2, §22.3; RFC 7616 §3.4; RFC 8760):
/// answering a 401/407 challenge with credentials, as a B2BUA does toward a trunk.
extension DigestCredentials {
    /// Credentials answering `challenge` for a request `method uri` as `username`/`password`, with
    /// the client nonce `cnonce` (from the caller's random source) and nonce count `nonceCount`:
    /// `response = H(H(user:realm:password):nonce:nc:cnonce:auth:H(method:uri))` (RFC 7616 §3.4.1),
    /// the opaque echoed back.
    public static func answering(_ challenge: DigestChallenge, method: SIPMethod, uri: String, username: String,
                                 password: String, cnonce: String, nonceCount: UInt32 = 1) -> DigestCredentials {
        precondition(!cnonce.isEmpty && isQuotable(cnonce) && isQuotable(username) && isQuotable(uri), "unquotable credentials")
        let algorithm = challenge.algorithm
        let ha1 = Digest.ha1(username: username, realm: challenge.realm, password: password, algorithm: algorithm)
        let ha2 = Digest.ha2(method: method.name, uri: uri, algorithm: algorithm)
        let nc = formatNonceCount(nonceCount)
        let response = Digest.response(ha1: ha1, nonce: challenge.nonce, nc: nc, cnonce: cnonce, qop: challenge.qop.rawValue,
                                       ha2: ha2, algorithm: algorithm)
        return DigestCredentials(username: username, realm: challenge.realm, nonce: challenge.nonce, uri: uri,
                                 response: response, algorithm: algorithm, cnonce: cnonce, nonceCount: nonceCount,
                                 qop: challenge.qop, opaque: challenge.opaque)
    }
}

extension SIPMessage {
    /// The Digest challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) this side can
    /// answer (RFC 8760 §2.4: in the server's order of preference; unsupported algorithms and
    /// malformed values skipped), or an empty list.
    public func answerableDigestChallenges() -> [DigestChallenge] {
        let values: [AuthenticationValue]
        switch statusCode {
        case 401: values = (try? wwwAuthenticates()) ?? []
        case 407: values = (try? proxyAuthenticates()) ?? []
        default: return []
        }
        return values.compactMap { value in
            guard value.isDigest, let challenge = try? DigestChallenge(parsing: value), challenge.algorithm.isAvailable else {
                return nil
            }
            return challenge
        }
    }
}
