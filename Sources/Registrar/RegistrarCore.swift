import SIPCore

/// What digest authentication of a request decided (RFC 3261 §22).
public enum AuthenticationResult: Sendable {
    /// The credentials are right for this user name.
    case authenticated(username: String)
    /// Send `response` (401/407 challenge, 400, or 403 for a banned source); `note` is for the
    /// operator's log.
    case refused(SIPMessage, note: String?)
}

/// The registrar (RFC 3261 §10.3) with digest authentication (RFC 7616, RFC 8760): what it does
/// with one REGISTER, as a pure value. The caller (a worker) looks the account up first (from a
/// cache over `AccountStore`), passes the time, a random value for new nonces and a To tag, and
/// sends the response; the bindings it changed come back for storage.
///
/// The steps, in order (§10.3):
/// 1. A source over the failed-authentication limit is refused (403) without a look at its
///    credentials (`AuthenticationThrottle`).
/// 2. The Request-URI must name this domain (403 otherwise: Zvonok registers no one elsewhere).
/// 3. The To URI is the address-of-record: `sip:` or `sips:` with a user part, in this domain.
/// 4. Authentication: no credentials → 401 with a SHA-256 and an MD5 challenge; an expired or
///    replayed nonce → 401 with `stale=true`; a wrong response, an unknown or disabled account →
///    401 again and a failure for the throttle (unknown and wrong look the same from outside).
///    The authenticated user must be the To user (§10.3 step 4: 403 otherwise).
/// 5. No Contact: a query, 200 with the current bindings. `Contact: *` with `Expires: 0` and no
///    other contact removes them all (400 otherwise).
/// 6. Each contact's expiry is its `expires` parameter, else the Expires header, else the default;
///    non-zero but under the minimum fails the whole request with 423 and Min-Expires; over the
///    maximum is shortened. An existing binding is updated only by a later CSeq of the same
///    Call-ID (or any other Call-ID); a stale update fails the request (500, §10.3 step 7).
/// 7. More than `maxBindingsPerUser` contacts fail with 403. Otherwise 200 lists every binding
///    with its remaining expiry (§10.3 step 8).
public struct RegistrarCore<Peer: Sendable & Hashable>: Sendable {
    /// The response to send and what changed.
    public struct Outcome: Sendable {
        public var response: SIPMessage
        public var changes: [BindingChange<Peer>]
        /// A line for the operator's log when the request was refused or a source banned.
        public var note: String?
    }

    public let domain: String
    public var policy: RegistrarPolicy
    public let verifier: DigestVerifier
    public private(set) var location = LocationTable<Peer>()
    public private(set) var nonceCounts: NonceCountWindow
    public private(set) var throttle: AuthenticationThrottle

    public init(domain: String, verifier: DigestVerifier, policy: RegistrarPolicy = RegistrarPolicy(),
                throttle: AuthenticationThrottle = AuthenticationThrottle(), nonceCapacity: Int = 100_000) {
        self.domain = domain
        self.verifier = verifier
        self.policy = policy
        self.throttle = throttle
        self.nonceCounts = NonceCountWindow(capacity: nonceCapacity, lifetimeSeconds: verifier.nonceLifetimeSeconds)
    }

    /// New limits for the failed-authentication ban (a reload); running bans and counts stay.
    public mutating func updateThrottle(maxFailures: Int, windowSeconds: Int64, banSeconds: Int64) {
        precondition(maxFailures > 0 && windowSeconds > 0 && banSeconds >= 0)
        throttle.maxFailures = maxFailures
        throttle.windowSeconds = windowSeconds
        throttle.banSeconds = banSeconds
    }

    /// Bindings read back from storage at start.
    public mutating func load(_ bindings: [Binding<Peer>]) { location.load(bindings) }

    /// Expired bindings go; their removals are returned for storage.
    public mutating func expire(at now: Int64) -> [BindingChange<Peer>] { location.expire(at: now) }

    /// A TCP connection closed: the bindings reached through it go (RFC 5626 in spirit).
    public mutating func connectionClosed(_ peer: Peer) -> [BindingChange<Peer>] { location.remove(reachedThrough: peer) }

    /// Handles one REGISTER from `peer` (`source`: its IP, for the throttle).
    public mutating func register(_ request: SIPMessage, from peer: Peer, source: String, account: Account?,
                                  now: Int64, nonceRandom: UInt64, toTag: String) -> Outcome {
        register(request, from: peer, source: source, lookup: { $0 == account?.username ? account : nil }, now: now,
                 nonceRandom: nonceRandom, toTag: toTag)
    }

    /// `register` with the account looked up by the credentials' user name (from the server's
    /// account cache), so the credentials are parsed once.
    ///
    /// A server that answers REGISTER statelessly (§8.2.7, no transaction) passes the request's
    /// `fingerprint` (`SIPMessage.fingerprint(from:)`). A retransmission of a REGISTER it accepted
    /// then gets the same answer again (§17.2.2: what a transaction would have resent), rather
    /// than a `stale=true` challenge for a nonce count already spent: its bindings, set by this
    /// Call-ID and CSeq, are left as they are and listed.
    public mutating func register(_ request: SIPMessage, from peer: Peer, source: String, lookup: (String) -> Account?,
                                  now: Int64, nonceRandom: UInt64, toTag: String, fingerprint: UInt64? = nil) -> Outcome {
        precondition(request.method == .register, "register() with \(request.method?.name ?? "a response")")
        func reply(_ code: Int, _ reason: String, _ headers: [(KnownHeader, String)] = [], note: String? = nil) -> Outcome {
            Outcome(response: request.makeResponse(statusCode: code, reason: reason, toTag: toTag, headers: headers),
                    changes: [], note: note)
        }
        guard let target = request.requestURIText.flatMap({ try? URI(parsing: $0, context: .requestURI) })?.sipURI,
              target.host.equalsIgnoringASCIICase(ByteString(domain)) else {
            return reply(403, "Not a domain served here")
        }
        guard let to = try? request.to(), let aor = to.uri.sipURI, let userBytes = aor.user, !userBytes.isEmpty,
              aor.host.equalsIgnoringASCIICase(ByteString(domain)) else {
            return reply(403, "The address-of-record must be sip:user@\(domain)")
        }
        let username = userBytes.string

        let claimed: String
        let retransmission: Bool
        switch authenticate(request, asProxy: false, source: source, lookup: lookup, now: now,
                            nonceRandom: nonceRandom, toTag: toTag, fingerprint: fingerprint) {
        case (.authenticated(let user), let again): (claimed, retransmission) = (user, again)
        case (.refused(let response, let note), _): return Outcome(response: response, changes: [], note: note)
        }
        guard claimed == username else {
            return reply(403, "Authenticated as \(claimed), not \(username)")
        }

        // Bindings (§10.3 steps 6–8).
        let contacts: ContactList?
        let expiresHeader: UInt32?
        do {
            contacts = try request.contacts()
            expiresHeader = try request.expires()
        } catch {
            return reply(400, error.reason)
        }
        guard let callID = (try? request.callID())?.string, let cseq = (try? request.cseq())?.number else {
            return reply(400, "Missing Call-ID or CSeq")
        }
        var bindings = location.allBindings(for: username).filter { $0.expiresAtUnixSeconds > now }
        var changes: [BindingChange<Peer>] = []
        /// Whether `binding` was set by this request already (a retransmission's first instance).
        func setByThisRequest(_ binding: Binding<Peer>) -> Bool {
            retransmission && binding.callID == callID && binding.cseq == cseq
        }
        switch contacts {
        case nil:
            break
        case .wildcard:
            guard expiresHeader == 0 else { return reply(400, "Contact: * needs Expires: 0") }
            if let stale = bindings.first(where: { $0.callID == callID && $0.cseq >= cseq && !setByThisRequest($0) }) {
                return reply(500, "Out of order REGISTER (CSeq \(cseq) after \(stale.cseq))")
            }
            changes = bindings.map { .remove(username: username, contact: $0.contact) }
            bindings = []
        case .addresses(let addresses):
            for address in addresses {
                let contact = address.uri.text.string
                let requested: Int64
                if let text = address.parameters.value("expires") {
                    guard let value = text.decimalValue(limit: UInt64(UInt32.max)) else { return reply(400, "Bad expires on \(contact)") }
                    requested = Int64(value)
                } else {
                    requested = expiresHeader.map(Int64.init) ?? policy.defaultExpiresSeconds
                }
                if requested != 0 && requested < policy.minExpiresSeconds {
                    return reply(423, "Interval Too Brief", [(.minExpires, String(policy.minExpiresSeconds))])
                }
                let q: Int?
                if let text = address.parameters.value("q") {
                    guard let value = Self.qThousandths(text.string) else { return reply(400, "Bad q on \(contact)") }
                    q = value
                } else {
                    q = nil
                }
                let existing = bindings.firstIndex { $0.hasSameContact(as: contact) }
                if let existing, setByThisRequest(bindings[existing]) { continue }
                if let existing, bindings[existing].callID == callID, bindings[existing].cseq >= cseq {
                    return reply(500, "Out of order REGISTER (CSeq \(cseq) after \(bindings[existing].cseq))")
                }
                if requested == 0 {
                    if let existing {
                        changes.append(.remove(username: username, contact: bindings[existing].contact))
                        bindings.remove(at: existing)
                    }
                    continue
                }
                let binding = Binding(username: username, contact: contact, qThousandths: q,
                                      expiresAtUnixSeconds: now + min(requested, policy.maxExpiresSeconds),
                                      callID: callID, cseq: cseq, peer: peer)
                if let existing { bindings[existing] = binding } else { bindings.append(binding) }
                changes.append(.upsert(binding))
            }
            guard bindings.count <= policy.maxBindingsPerUser else {
                return reply(403, "Too many contacts (at most \(policy.maxBindingsPerUser))")
            }
        }
        location.replace(username, with: bindings)
        let listed = location.bindings(for: username, at: now).map { b -> (KnownHeader, String) in
            var value = "<\(b.contact)>;expires=\(b.remainingSeconds(at: now))"
            if let q = b.qThousandths { value += ";q=\(Self.qText(q))" }
            return (.contact, value)
        }
        return Outcome(response: request.makeResponse(statusCode: 200, reason: "OK", toTag: toTag, headers: listed),
                       changes: changes, note: nil)
    }

    /// Digest authentication of any request (RFC 3261 §22; RFC 7616 §3.3–3.4; RFC 8760), for the
    /// registrar (`asProxy` false: Authorization, 401 with WWW-Authenticate) and the proxy (`asProxy`
    /// true: Proxy-Authorization, 407 with Proxy-Authenticate, §22.3). `account` is the one named
    /// by the credentials' user name, looked up by the caller (nil when unknown or when there are no
    /// credentials). A banned source is refused with 403 before its credentials are looked at; no
    /// credentials, a stale or replayed nonce → a challenge (`stale=true` for the latter); a wrong
    /// response, an unknown, disabled or other-realm account → a challenge and a failure counted
    /// for the source (unknown and wrong look the same from outside).
    public mutating func authenticate(_ request: SIPMessage, asProxy: Bool, source: String, account: Account?,
                                      now: Int64, nonceRandom: UInt64, toTag: String) -> AuthenticationResult {
        authenticate(request, asProxy: asProxy, source: source, lookup: { $0 == account?.username ? account : nil },
                     now: now, nonceRandom: nonceRandom, toTag: toTag)
    }

    /// `authenticate` with the account looked up by the credentials' user name.
    public mutating func authenticate(_ request: SIPMessage, asProxy: Bool, source: String, lookup: (String) -> Account?,
                                      now: Int64, nonceRandom: UInt64, toTag: String) -> AuthenticationResult {
        authenticate(request, asProxy: asProxy, source: source, lookup: lookup, now: now, nonceRandom: nonceRandom,
                     toTag: toTag, fingerprint: nil).result
    }

    /// `authenticate`, and whether the request is a retransmission of one accepted before (only
    /// with the request's `fingerprint`: see `register`).
    private mutating func authenticate(_ request: SIPMessage, asProxy: Bool, source: String, lookup: (String) -> Account?,
                                       now: Int64, nonceRandom: UInt64, toTag: String,
                                       fingerprint: UInt64?) -> (result: AuthenticationResult, retransmission: Bool) {
        let result: AuthenticationResult
        if let until = throttle.bannedUntil(source, at: now) {
            return (.refused(request.makeResponse(statusCode: 403, reason: "Too many failed authentications",
                                                  toTag: toTag, headers: [(.retryAfter, String(until - now))]),
                             note: "refused \(request.method?.name ?? "request") from banned source \(source)"), false)
        }
        let credentials: DigestCredentials?
        do {
            credentials = try request.digestCredentials(realm: verifier.realm, proxy: asProxy)
        } catch {
            return (.refused(request.makeResponse(statusCode: 400, reason: "Bad \(asProxy ? "Proxy-" : "")Authorization: \(error)",
                                                  toTag: toTag), note: nil), false)
        }
        guard let credentials else {
            return (.refused(challenge(request, asProxy: asProxy, now: now, random: nonceRandom, stale: false, toTag: toTag),
                             note: nil), false)
        }
        let claimed = credentials.username.string
        guard let account = lookup(claimed), account.username == claimed, account.enabled, account.realm == verifier.realm else {
            return (failed(request, asProxy: asProxy, source: source, now: now, random: nonceRandom, toTag: toTag,
                           why: "authentication failed for \(claimed) from \(source) (unknown, disabled or other realm)"), false)
        }
        let ha1 = credentials.algorithm == .sha256 ? account.ha1SHA256 : account.ha1MD5
        guard let method = request.method else { preconditionFailure("authenticate() with a response") }
        // The digest-uri is not compared with the Request-URI (RFC 7616 §3.4.6 would): sipp and
        // several softphones write the proxy's address there. A captured response cannot be
        // replayed for another request anyway: each nonce count is accepted once.
        switch verifier.verify(credentials, method: method, requestURI: nil, ha1: ha1, now: now, request: fingerprint,
                               nonceCounts: &nonceCounts) {
        case .authenticated:
            throttle.recordSuccess(from: source)
            result = .authenticated(username: claimed)
        case .retransmission:
            return (.authenticated(username: claimed), true)
        case .stale, .replayed:
            result = .refused(challenge(request, asProxy: asProxy, now: now, random: nonceRandom, stale: true, toTag: toTag), note: nil)
        case .uriMismatch:
            result = .refused(request.makeResponse(statusCode: 400, reason: "Digest uri does not match the Request-URI", toTag: toTag),
                              note: nil)
        case .wrongResponse, .invalidNonce, .wrongRealm:
            result = failed(request, asProxy: asProxy, source: source, now: now, random: nonceRandom, toTag: toTag,
                            why: "wrong password for \(claimed) from \(source)")
        }
        return (result, false)
    }

    private func challenge(_ request: SIPMessage, asProxy: Bool, now: Int64, random: UInt64, stale: Bool, toTag: String) -> SIPMessage {
        let header: KnownHeader = asProxy ? .proxyAuthenticate : .wwwAuthenticate
        let headers = verifier.challenges(now: now, random: random, stale: stale, algorithms: policy.digestAlgorithms)
            .map { (header, $0.headerValue) }
        return request.makeResponse(statusCode: asProxy ? 407 : 401,
                                    reason: asProxy ? "Proxy Authentication Required" : "Unauthorized",
                                    toTag: toTag, headers: headers)
    }

    private mutating func failed(_ request: SIPMessage, asProxy: Bool, source: String, now: Int64, random: UInt64,
                                 toTag: String, why: String) -> AuthenticationResult {
        let response = challenge(request, asProxy: asProxy, now: now, random: random, stale: false, toTag: toTag)
        if let until = throttle.recordFailure(from: source, at: now) {
            return .refused(response, note: "\(why); \(source) banned for \(until - now) s after \(throttle.maxFailures) failures")
        }
        return .refused(response, note: why)
    }

    /// `0.5` → 500, `1` → 1000 (§20.10 q-value: 0 to 1 with at most three decimals).
    static func qThousandths(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole == 0 || whole == 1 else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            fraction = (Int(digits) ?? 0) * [1, 100, 10, 1][digits.count]
        }
        let value = whole * 1000 + fraction
        return value <= 1000 ? value : nil
    }

    static func qText(_ thousandths: Int) -> String {
        thousandths == 1000 ? "1" : "0." + String(String(1000 + thousandths).dropFirst()).replacingTrailingZeros()
    }
}

private extension String {
    func replacingTrailingZeros() -> String {
        var s = self
        while s.count > 1, s.hasSuffix("0") { s.removeLast() }
        return s
    }
}
