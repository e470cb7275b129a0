import Testing
@testable import SIPCore

/// The whole exchange (RFC 3261 §22.4, RFC 7616, RFC 8760): challenge, a client's answer as
/// header text, parsing it out of a REGISTER, and the verdict for every way it can go wrong.
@Suite struct DigestVerifierTests {
    static let realm = "zvonok.example"
    static let verifier = DigestVerifier(
        realm: realm, nonceCodec: NonceCodec(secret: Array("0123456789abcdef0123456789abcdef".utf8)), nonceLifetimeSeconds: 300)
    static let t0: Int64 = 1_700_000_000

    struct Client {
        var username = "alice"
        var password = "s3cret!"
        var uri = "sip:zvonok.example"
        var cnonce = "0a4f113b"

        /// The Authorization value a client computes for `challenge` (with the password, as a UA does).
        func answer(_ challenge: DigestChallenge, nc: UInt32, method: String = "REGISTER", password: String? = nil) -> String {
            let ha1 = Digest.ha1(username: username, realm: challenge.realm, password: password ?? self.password,
                                 algorithm: challenge.algorithm)
            let ha2 = Digest.ha2(method: method, uri: uri, algorithm: challenge.algorithm)
            let ncText = DigestCredentials.formatNonceCount(nc)
            let response = Digest.response(ha1: ha1, nonce: challenge.nonce, nc: ncText, cnonce: cnonce, qop: "auth",
                                           ha2: ha2, algorithm: challenge.algorithm)
            return DigestCredentials(username: username, realm: challenge.realm, nonce: challenge.nonce, uri: uri,
                                     response: response, algorithm: challenge.algorithm, cnonce: cnonce, nonceCount: nc,
                                     opaque: challenge.opaque).headerValue
        }
    }

    /// What the account store holds for alice.
    static func ha1(_ algorithm: DigestAlgorithm) -> String {
        Digest.ha1(username: "alice", realm: realm, password: "s3cret!", algorithm: algorithm)
    }

    /// Parses the REGISTER carrying `authorization` and verifies it, as the registrar will.
    static func verify(_ authorization: String, at now: Int64, window: Window, ha1: String? = nil,
                       requestURI: String? = "sip:zvonok.example") throws -> DigestVerdict {
        let message = try SIPMessage(parsing: register(headers: ["Authorization: " + authorization]))
        let credentials = try #require(try message.digestCredentials(realm: realm))
        return verifier.verify(credentials, method: try #require(message.method),
                               requestURI: try requestURI.map { try URI(parsing: ByteString($0), context: .requestURI) },
                               ha1: ha1 ?? Self.ha1(credentials.algorithm), now: now, nonceCounts: &window.state)
    }

    static func challenge(_ algorithm: DigestAlgorithm, at now: Int64 = t0, random: UInt64 = 77) -> DigestChallenge {
        let challenges = verifier.challenges(now: now, random: random)
        #expect(challenges.map(\.algorithm) == [.sha256, .md5])
        return challenges.first { $0.algorithm == algorithm }!
    }

    @Test(arguments: DigestAlgorithm.allCases)
    func aRightAnswerAuthenticatesOncePerCount(_ algorithm: DigestAlgorithm) throws {
        let window = Window(capacity: 16, lifetimeSeconds: 300)
        let challenge = Self.challenge(algorithm)
        let first = Client().answer(challenge, nc: 1)
        #expect(try Self.verify(first, at: Self.t0 + 1, window: window) == .authenticated(IssuedNonce(issuedAt: Self.t0, random: 77)))
        // The same request again is a replay; the next count is fine (a re-REGISTER with the same nonce).
        #expect(try Self.verify(first, at: Self.t0 + 2, window: window) == .replayed)
        #expect(DigestVerdict.replayed.challengeIsStale)
        #expect(try Self.verify(Client().answer(challenge, nc: 2), at: Self.t0 + 3, window: window)
                == .authenticated(IssuedNonce(issuedAt: Self.t0, random: 77)))
    }

    @Test(arguments: DigestAlgorithm.allCases)
    func aWrongPasswordIsAWrongResponseAndDoesNotMoveTheWindow(_ algorithm: DigestAlgorithm) throws {
        let window = Window(capacity: 16, lifetimeSeconds: 300)
        let challenge = Self.challenge(algorithm)
        let wrong = Client().answer(challenge, nc: 5, password: "guess")
        #expect(try Self.verify(wrong, at: Self.t0, window: window) == .wrongResponse)
        #expect(!DigestVerdict.wrongResponse.challengeIsStale)
        #expect(window.count == 0)
        #expect(try Self.verify(Client().answer(challenge, nc: 5), at: Self.t0, window: window)
                == .authenticated(IssuedNonce(issuedAt: Self.t0, random: 77)))
        // An answer for another method (a REGISTER response replayed as INVITE credentials) fails too.
        #expect(try Self.verify(Client().answer(challenge, nc: 6, method: "INVITE"), at: Self.t0, window: window) == .wrongResponse)
    }

    @Test func anExpiredNonceIsStaleOnlyWhenTheResponseIsRight() throws {
        let window = Window(capacity: 16, lifetimeSeconds: 300)
        let challenge = Self.challenge(.sha256)
        #expect(try Self.verify(Client().answer(challenge, nc: 1), at: Self.t0 + 300, window: window) == .stale)
        #expect(DigestVerdict.stale.challengeIsStale)
        #expect(try Self.verify(Client().answer(challenge, nc: 1, password: "guess"), at: Self.t0 + 300, window: window)
                == .wrongResponse)
    }

    @Test func forgedNoncesOtherRealmsAndOtherURIs() throws {
        let window = Window(capacity: 16, lifetimeSeconds: 300)
        var forged = Self.challenge(.md5)
        forged.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
        #expect(try Self.verify(Client().answer(forged, nc: 1), at: Self.t0, window: window) == .invalidNonce)

        // Credentials for another realm, checked directly (digestCredentials(realm:) would skip them).
        let foreign = DigestChallenge(realm: "other.example", nonce: Self.challenge(.md5).nonce, algorithm: .md5)
        let credentials = try DigestCredentials(parsing: AuthenticationValue.parse(ByteString(Client().answer(foreign, nc: 1)),
                                                                                   in: "Authorization"))
        #expect(Self.verifier.verify(credentials, method: .register, requestURI: nil, ha1: Self.ha1(.md5), now: Self.t0,
                                     nonceCounts: &window.state) == .wrongRealm)

        var client = Client()
        client.uri = "sip:elsewhere.example"
        #expect(try Self.verify(client.answer(Self.challenge(.md5), nc: 1), at: Self.t0, window: window) == .uriMismatch)
        // Without a Request-URI to compare, the digest-uri is only hashed.
        #expect(try Self.verify(client.answer(Self.challenge(.md5), nc: 1), at: Self.t0, window: window, requestURI: nil)
                == .authenticated(IssuedNonce(issuedAt: Self.t0, random: 77)))
        // An equivalent spelling (RFC 3261 §19.1.4: scheme and host case-insensitive) matches.
        client.uri = "SIP:Zvonok.Example"
        #expect(try Self.verify(client.answer(Self.challenge(.md5, random: 78), nc: 1), at: Self.t0, window: window)
                == .authenticated(IssuedNonce(issuedAt: Self.t0, random: 78)))
        #expect(window.count == 2)
    }

    @Test func hexCaseAndBadHA1() throws {
        let window = Window(capacity: 16, lifetimeSeconds: 300)
        let challenge = Self.challenge(.sha256)
        let answer = Client().answer(challenge, nc: 1)
        let response = Digest.response(
            ha1: Self.ha1(.sha256), nonce: challenge.nonce, nc: "00000001", cnonce: "0a4f113b", qop: "auth",
            ha2: Digest.ha2(method: "REGISTER", uri: "sip:zvonok.example", algorithm: .sha256), algorithm: .sha256)
        #expect(answer.contains(response))
        let upper = answer.replacingOccurrences(response, response.uppercased())
        // An upper-case response from the client, and an upper-case HA1 from the store, still match.
        #expect(try Self.verify(upper, at: Self.t0, window: window, ha1: Self.ha1(.sha256).uppercased())
                == .authenticated(IssuedNonce(issuedAt: Self.t0, random: 77)))
        // An HA1 of the wrong algorithm or length never matches.
        #expect(try Self.verify(Client().answer(challenge, nc: 2), at: Self.t0, window: window, ha1: Self.ha1(.md5)) == .wrongResponse)
        #expect(try Self.verify(Client().answer(challenge, nc: 2), at: Self.t0, window: window, ha1: "") == .wrongResponse)
    }

    @Test func extensionMethodsHashTheirName() throws {
        let challenge = Self.challenge(.md5)
        let window = Window(capacity: 16, lifetimeSeconds: 300)
        let answer = Client().answer(challenge, nc: 1, method: "FOO")
        let credentials = try DigestCredentials(parsing: AuthenticationValue.parse(ByteString(answer), in: "Authorization"))
        #expect(Self.verifier.verify(credentials, method: SIPMethod("FOO"), requestURI: nil, ha1: Self.ha1(.md5), now: Self.t0,
                                     nonceCounts: &window.state) == .authenticated(IssuedNonce(issuedAt: Self.t0, random: 77)))
    }
}
