/// The outcome of checking Digest credentials (RFC 3261 §22.4, RFC 7616 §3.3–§3.4), with the
/// answer each one calls for.
public enum DigestVerdict: Sendable, Equatable {
    /// Right response for a fresh nonce and a new nonce count: accept the request.
    case authenticated(IssuedNonce)
    /// Right response and a fresh nonce, and the request is a retransmission of the one accepted
    /// last with this nonce count (`NonceCountWindow.admit`): answer it as that one was answered
    /// (RFC 3261 §8.2.7, §17.2.2). Only a caller that passed the request's fingerprint gets this.
    case retransmission(IssuedNonce)
    /// Right response, but the nonce expired (RFC 7616 §3.3): challenge again with `stale=true`.
    case stale
    /// Right response and a fresh nonce, but the nonce count was used already, is too far behind,
    /// or the nonce was evicted from the window (`NonceCountWindow`): a replay, or a client whose
    /// nonce was forgotten. Challenge again with `stale=true`; the client re-authenticates silently,
    /// a replayer gets nothing.
    case replayed
    /// Wrong response: wrong password (or HA1 for another realm or algorithm). Challenge again
    /// without `stale`; count it toward the source's failed-authentication limit.
    case wrongResponse
    /// The nonce was not made by this server for this realm: challenge again without `stale`.
    case invalidNonce
    /// The credentials are for another realm: challenge again (RFC 3261 §22.4 lets a request
    /// carry credentials for several realms; `SIPMessage.digestCredentials(realm:)` picks ours).
    case wrongRealm
    /// The `uri` parameter names another resource than the Request-URI (RFC 7616 §3.4.6):
    /// answer 400 Bad Request.
    case uriMismatch

    /// Whether the next challenge should carry `stale=true` (RFC 7616 §3.3: only when the
    /// response proved the client knows the password).
    public var challengeIsStale: Bool { self == .stale || self == .replayed }
}

/// Checks Digest credentials for one realm (RFC 3261 §22.4; RFC 7616 §3.4.1, §3.4.6, §5.5;
/// RFC 8760): the realm, the digest-uri against the Request-URI, the nonce (`NonceCodec`), the
/// response against the account's HA1, and finally the nonce count (`NonceCountWindow`) —
/// counted only after the response proved right, so nobody without the password can move a
/// client's window.
///
/// The verifier is immutable configuration (share one among workers); the nonce-count window is
/// the caller's state, passed `inout`. The HA1 is looked up by the caller for
/// `credentials.username`, `realm` and `credentials.algorithm`, never a plain password.
///
/// Cost: one HMAC-SHA256 for the nonce, two hashes (HA2, response), one constant-time compare and
/// one dictionary update; no `String` is built (HA2 and the response are written as hex into
/// stack buffers).
public struct DigestVerifier: Sendable {
    public let realm: String
    public let nonceCodec: NonceCodec
    public let nonceLifetimeSeconds: Int64

    public init(realm: String, nonceCodec: NonceCodec, nonceLifetimeSeconds: Int64) {
        precondition(nonceLifetimeSeconds > 0)
        self.realm = realm
        self.nonceCodec = nonceCodec
        self.nonceLifetimeSeconds = nonceLifetimeSeconds
    }

    /// A fresh nonce and the challenges to send with it (SHA-256 first, then MD5; RFC 8760 §2.3).
    /// `random` comes from the caller's CSPRNG.
    public func challenges(now: Int64, random: UInt64, stale: Bool = false, opaque: String? = nil,
                           algorithms: [DigestAlgorithm] = [.sha256, .md5]) -> [DigestChallenge] {
        DigestChallenge.offers(realm: realm, nonce: nonceCodec.make(issuedAt: now, random: random, realm: realm),
                               stale: stale, opaque: opaque, algorithms: algorithms)
    }

    /// Checks `credentials` for a request with `method`, answered with `ha1` (hex, for
    /// `credentials.algorithm`). With `requestURI`, the digest-uri must be equivalent to it
    /// (RFC 7616 §3.4.6; SIP URIs compared by RFC 3261 §19.1.4); pass nil to skip that check.
    /// A stateless UAS passes the request's fingerprint (`SIPMessage.fingerprint(from:)`) as
    /// `request`, to hear of a retransmission of a request it accepted (`.retransmission`).
    public func verify(
        _ credentials: DigestCredentials, method: SIPMethod, requestURI: URI?, ha1: String, now: Int64,
        request: UInt64? = nil, nonceCounts: inout NonceCountWindow
    ) -> DigestVerdict {
        guard credentials.realm == realm else { return .wrongRealm }
        if let requestURI, !uriMatches(credentials.uri, requestURI) { return .uriMismatch }

        let nonce = nonceCodec.verify(credentials.nonce, realm: realm, now: now, lifetimeSeconds: nonceLifetimeSeconds)
        if case .invalid = nonce { return .invalidNonce }
        guard responseMatches(credentials, method: method, ha1: ha1) else { return .wrongResponse }
        guard case .valid(let issued) = nonce else { return .stale }
        switch nonceCounts.admit(issued, nc: credentials.nonceCount, request: request, now: now) {
        case .fresh: return .authenticated(issued)
        case .retransmission: return .retransmission(issued)
        case .refused: return .replayed
        }
    }

    /// Whether the client's response equals H(HA1:nonce:nc:cnonce:qop:H(method:uri)), compared in
    /// constant time (hex case ignored).
    func responseMatches(_ credentials: DigestCredentials, method: SIPMethod, ha1: String) -> Bool {
        let algorithm = credentials.algorithm
        let hexCount = algorithm.hexCount
        guard ha1.utf8.count == hexCount, credentials.response.count == hexCount else { return false }
        return withUnsafeTemporaryAllocation(byteCount: 3 * Digest.maxHexCount, alignment: 1) { scratch in
            let ha2 = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<hexCount])
            let expected = UnsafeMutableRawBufferPointer(rebasing: scratch[Digest.maxHexCount..<(Digest.maxHexCount + hexCount)])
            let sent = UnsafeMutableRawBufferPointer(rebasing: scratch[(2 * Digest.maxHexCount)..<(2 * Digest.maxHexCount + hexCount)])

            withMethodBytes(method) { methodBytes in
                withHashInput(capacity: methodBytes.count + 1 + credentials.uri.count) { input in
                    input.append(methodBytes)
                    input.appendColon()
                    input.append(credentials.uri)
                    input.withBytes { Digest.hashHex($0, algorithm, into: ha2) }
                }
            }
            let capacity = hexCount + credentials.nonce.count + credentials.nonceCountText.count
                + credentials.cnonce.count + credentials.qop.rawValue.utf8.count + hexCount + 5
            withHashInput(capacity: capacity) { input in
                input.appendLowercased(ha1)
                input.appendColon()
                input.append(credentials.nonce)
                input.appendColon()
                input.append(credentials.nonceCountText)
                input.appendColon()
                input.append(credentials.cnonce)
                input.appendColon()
                input.append(credentials.qop.rawValue)
                input.appendColon()
                input.append(UnsafeRawBufferPointer(ha2))
                input.withBytes { Digest.hashHex($0, algorithm, into: expected) }
            }
            for (i, c) in credentials.response.bytes.enumerated() { sent[i] = asciiLower(c) }
            return Digest.constantTimeEquals(UnsafeRawBufferPointer(sent), UnsafeRawBufferPointer(expected))
        }
    }

    private func uriMatches(_ digestURI: ByteString, _ requestURI: URI) -> Bool {
        if digestURI == requestURI.text { return true }
        guard let parsed = try? URI(parsing: digestURI, context: .requestURI, in: "Authorization") else { return false }
        return parsed.isEquivalent(to: requestURI)
    }
}

/// The method's name as bytes, without building a `String` for the standard methods.
private func withMethodBytes<R>(_ method: SIPMethod, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if case .extension(let token) = method { return token.bytes.withUnsafeBytes(body) }
    var name = method.name
    return name.withUTF8 { body(UnsafeRawBufferPointer($0)) }
}
