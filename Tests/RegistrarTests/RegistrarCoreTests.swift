import Testing
import SIPCore
@testable import Registrar

/// RFC 3261 §10.3 with RFC 7616/8760 digest: every step of `RegistrarCore`, on a fake clock.
@Suite struct RegistrarCoreTests {
    static let realm = "zvonok.example"
    static let secret = [UInt8](repeating: 7, count: 32)
    static let alice = Account(id: 1, username: "alice", displayName: "Alice", realm: realm,
                               ha1MD5: Digest.ha1(username: "alice", realm: realm, password: "secret pass", algorithm: .md5),
                               ha1SHA256: Digest.ha1(username: "alice", realm: realm, password: "secret pass", algorithm: .sha256),
                               createdAtUnixSeconds: 0)
    let t0: Int64 = 1_800_000_000

    func registrar(policy: RegistrarPolicy = RegistrarPolicy(), throttle: AuthenticationThrottle = AuthenticationThrottle(maxFailures: 3)) -> RegistrarCore<String> {
        RegistrarCore(domain: Self.realm,
                      verifier: DigestVerifier(realm: Self.realm, nonceCodec: NonceCodec(secret: Self.secret), nonceLifetimeSeconds: 300),
                      policy: policy, throttle: throttle)
    }

    /// A REGISTER for `to`, with `contacts` lines and, when given, an Authorization header.
    func request(to user: String = "alice", contacts: [String] = ["<sip:alice@192.0.2.10:5060>"], expires: Int? = nil,
                 callID: String = "reg-1", cseq: UInt32 = 1, authorization: String? = nil) -> SIPMessage {
        var text = "REGISTER sip:\(Self.realm) SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK\(cseq)\r\n"
        text += "Max-Forwards: 70\r\nFrom: <sip:\(user)@\(Self.realm)>;tag=f\r\nTo: <sip:\(user)@\(Self.realm)>\r\n"
        text += "Call-ID: \(callID)\r\nCSeq: \(cseq) REGISTER\r\n"
        for c in contacts { text += "Contact: \(c)\r\n" }
        if let expires { text += "Expires: \(expires)\r\n" }
        if let authorization { text += "Authorization: \(authorization)\r\n" }
        text += "Content-Length: 0\r\n\r\n"
        return try! SIPMessage(parsing: text)
    }

    /// The Authorization a UA computes for `challenge` (RFC 7616 §3.4.1).
    func answer(_ challenge: DigestChallenge, user: String = "alice", password: String = "secret pass", nc: UInt32 = 1) -> String {
        let uri = "sip:\(Self.realm)"
        let ha1 = Digest.ha1(username: user, realm: Self.realm, password: password, algorithm: challenge.algorithm)
        let ha2 = Digest.ha2(method: "REGISTER", uri: uri, algorithm: challenge.algorithm)
        let hex = String(nc, radix: 16)
        let ncText = String(repeating: "0", count: 8 - hex.count) + hex
        let response = Digest.response(ha1: ha1, nonce: challenge.nonce, nc: ncText, cnonce: "c0ffee", qop: "auth",
                                       ha2: ha2, algorithm: challenge.algorithm)
        return DigestCredentials(username: user, realm: Self.realm, nonce: challenge.nonce, uri: uri, response: response,
                                 algorithm: challenge.algorithm, cnonce: "c0ffee", nonceCount: nc).headerValue
    }

    func challenges(_ outcome: RegistrarCore<String>.Outcome) throws -> [DigestChallenge] {
        try outcome.response.wwwAuthenticates().map { try DigestChallenge(parsing: $0) }
    }

    /// Registers alice with `contacts` (challenge, then answer with SHA-256).
    func registered(_ r: inout RegistrarCore<String>, contacts: [String] = ["<sip:alice@192.0.2.10:5060>"], expires: Int? = nil,
                    callID: String = "reg-1", cseq: UInt32 = 2, at now: Int64) throws -> RegistrarCore<String>.Outcome {
        let first = r.register(request(contacts: contacts, expires: expires, callID: callID, cseq: cseq - 1), from: "udp:a", source: "192.0.2.10",
                               account: Self.alice, now: now, nonceRandom: UInt64(cseq), toTag: "t")
        let challenge = try #require(try challenges(first).first)
        return r.register(request(contacts: contacts, expires: expires, callID: callID, cseq: cseq, authorization: answer(challenge)),
                          from: "udp:a", source: "192.0.2.10", account: Self.alice, now: now, nonceRandom: 99, toTag: "t")
    }

    @Test func aRegisterIsChallengedWithSHA256ThenMD5() throws {
        var r = registrar()
        let outcome = r.register(request(), from: "udp:a", source: "192.0.2.10", account: Self.alice, now: t0, nonceRandom: 1, toTag: "t")
        #expect(outcome.response.statusCode == 401)
        let offered = try challenges(outcome)
        #expect(offered.map(\.algorithm) == [.sha256, .md5])
        #expect(offered.allSatisfy { $0.qop == .auth && !$0.stale && $0.realm == Self.realm })
        #expect(r.location.bindingCount == 0)
    }

    @Test(arguments: [DigestAlgorithm.sha256, .md5])
    func theRightAnswerRegistersAndTheResponseListsTheBinding(algorithm: DigestAlgorithm) throws {
        var r = registrar()
        let first = r.register(request(cseq: 1), from: "udp:a", source: "192.0.2.10", account: Self.alice, now: t0, nonceRandom: 1, toTag: "t")
        let challenge = try #require(try challenges(first).first { $0.algorithm == algorithm })
        let outcome = r.register(request(cseq: 2, authorization: answer(challenge)), from: "udp:a", source: "192.0.2.10",
                                 account: Self.alice, now: t0 + 1, nonceRandom: 2, toTag: "t")
        #expect(outcome.response.statusCode == 200)
        #expect(outcome.response.values(.contact).map(\.string) == ["<sip:alice@192.0.2.10:5060>;expires=3600"])
        #expect(outcome.changes.count == 1)
        let binding = try #require(r.location.bindings(for: "alice", at: t0 + 1).first)
        #expect(binding.peer == "udp:a" && binding.expiresAtUnixSeconds == t0 + 1 + 3600)
    }

    @Test func wrongPasswordsAreChallengedAgainAndThenBanned() throws {
        var r = registrar()
        for attempt in 1...3 {
            let first = r.register(request(cseq: UInt32(attempt * 2)), from: "udp:m", source: "203.0.113.66", account: Self.alice,
                                   now: t0, nonceRandom: UInt64(attempt), toTag: "t")
            let challenge = try #require(try challenges(first).first)
            let outcome = r.register(request(cseq: UInt32(attempt * 2 + 1), authorization: answer(challenge, password: "guess \(attempt)")),
                                     from: "udp:m", source: "203.0.113.66", account: Self.alice, now: t0, nonceRandom: 9, toTag: "t")
            #expect(outcome.response.statusCode == 401)
            #expect(outcome.note?.contains("wrong password") == true)
            if attempt == 3 { #expect(outcome.note?.contains("banned") == true) }
        }
        let banned = r.register(request(cseq: 20), from: "udp:m", source: "203.0.113.66", account: Self.alice, now: t0 + 10,
                                nonceRandom: 1, toTag: "t")
        #expect(banned.response.statusCode == 403)
        #expect(banned.response.firstValue(.retryAfter) == "290")
        // Another source is not affected, and the ban ends.
        #expect(try registered(&r, at: t0 + 10).response.statusCode == 200)
        #expect(r.register(request(cseq: 30), from: "udp:m", source: "203.0.113.66", account: Self.alice, now: t0 + 301,
                           nonceRandom: 1, toTag: "t").response.statusCode == 401)
    }

    @Test func unknownAndDisabledAccountsLookLikeWrongPasswords() throws {
        var r = registrar()
        let first = r.register(request(to: "mallory"), from: "udp:m", source: "198.51.100.1", account: nil, now: t0, nonceRandom: 1, toTag: "t")
        let challenge = try #require(try challenges(first).first)
        let unknown = r.register(request(to: "mallory", cseq: 2, authorization: answer(challenge, user: "mallory")), from: "udp:m",
                                 source: "198.51.100.1", account: nil, now: t0, nonceRandom: 2, toTag: "t")
        #expect(unknown.response.statusCode == 401)
        var disabled = Self.alice
        disabled.enabled = false
        let off = r.register(request(cseq: 3, authorization: answer(challenge)), from: "udp:a", source: "192.0.2.10",
                             account: disabled, now: t0, nonceRandom: 3, toTag: "t")
        #expect(off.response.statusCode == 401)
        #expect(r.throttle.count == 2)
    }

    @Test func anExpiredNonceIsStaleAndAReplayedCountToo() throws {
        var r = registrar()
        let first = r.register(request(cseq: 1), from: "udp:a", source: "192.0.2.10", account: Self.alice, now: t0, nonceRandom: 1, toTag: "t")
        let challenge = try #require(try challenges(first).first)
        let late = r.register(request(cseq: 2, authorization: answer(challenge)), from: "udp:a", source: "192.0.2.10",
                              account: Self.alice, now: t0 + 300, nonceRandom: 2, toTag: "t")
        #expect(late.response.statusCode == 401)
        #expect(try challenges(late).allSatisfy(\.stale))
        let ok = r.register(request(cseq: 3, authorization: answer(challenge)), from: "udp:a", source: "192.0.2.10",
                            account: Self.alice, now: t0 + 10, nonceRandom: 3, toTag: "t")
        #expect(ok.response.statusCode == 200)
        let replay = r.register(request(cseq: 4, authorization: answer(challenge)), from: "udp:a", source: "192.0.2.10",
                                account: Self.alice, now: t0 + 11, nonceRandom: 4, toTag: "t")
        #expect(replay.response.statusCode == 401)
        #expect(try challenges(replay).allSatisfy(\.stale))
        #expect(r.throttle.count == 0)  // stale and replayed are not failures
    }

    @Test func aRetransmittedRegisterIsAnsweredAgainAndAnAlteredOneIsAReplay() throws {
        var r = registrar()
        func send(_ message: SIPMessage, from peer: String = "udp:a", at now: Int64) -> RegistrarCore<String>.Outcome {
            r.register(message, from: peer, source: "192.0.2.10", lookup: { $0 == "alice" ? Self.alice : nil }, now: now,
                       nonceRandom: 5, toTag: "t", fingerprint: message.fingerprint(from: peer))
        }
        let challenge = try #require(try challenges(send(request(cseq: 1), at: t0)).first)
        let accepted = request(cseq: 2, authorization: answer(challenge))
        let first = send(accepted, at: t0)
        #expect(first.response.statusCode == 200 && first.changes.count == 1)

        // The same bytes from the same source within Timer J: 200 again, the binding untouched.
        let again = send(accepted, at: t0 + 5)
        #expect(again.response.statusCode == 200)
        #expect(again.changes.isEmpty)
        #expect(again.response.values(.contact).map(\.string) == ["<sip:alice@192.0.2.10:5060>;expires=3595"])
        #expect(r.location.bindings(for: "alice", at: t0 + 5).map(\.expiresAtUnixSeconds) == [t0 + 3600])

        // The spent credentials on another Contact, the same bytes from elsewhere, or too late: replays.
        let hijack = request(contacts: ["<sip:alice@203.0.113.5>"], cseq: 2, authorization: answer(challenge))
        for (message, peer, now) in [(hijack, "udp:a", t0 + 5), (accepted, "udp:m", t0 + 5), (accepted, "udp:a", t0 + 32)] {
            let replay = send(message, from: peer, at: now)
            #expect(replay.response.statusCode == 401)
            #expect(try challenges(replay).allSatisfy(\.stale))
        }
        #expect(r.location.bindings(for: "alice", at: t0 + 32).map(\.contact) == ["sip:alice@192.0.2.10:5060"])

        // A removal of every binding, retransmitted: 200 both times.
        let next = try #require(try challenges(send(request(cseq: 3), at: t0 + 40)).first)
        let removal = request(contacts: ["*"], expires: 0, cseq: 4, authorization: answer(next))
        #expect(send(removal, at: t0 + 40).changes == [.remove(username: "alice", contact: "sip:alice@192.0.2.10:5060")])
        let removedAgain = send(removal, at: t0 + 41)
        #expect(removedAgain.response.statusCode == 200 && removedAgain.changes.isEmpty)
        #expect(r.location.bindingCount == 0)
    }

    @Test func theAuthenticatedUserMustBeTheAddressOfRecord() throws {
        var r = registrar()
        let first = r.register(request(to: "bob", cseq: 1), from: "udp:a", source: "192.0.2.10", account: Self.alice, now: t0, nonceRandom: 1, toTag: "t")
        let challenge = try #require(try challenges(first).first)
        let outcome = r.register(request(to: "bob", cseq: 2, authorization: answer(challenge)), from: "udp:a", source: "192.0.2.10",
                                 account: Self.alice, now: t0, nonceRandom: 2, toTag: "t")
        #expect(outcome.response.statusCode == 403)
    }

    @Test func tooBriefIntervalsGet423AndLongOnesAreShortened() throws {
        var r = registrar(policy: RegistrarPolicy(minExpiresSeconds: 60, maxExpiresSeconds: 600))
        let brief = try registered(&r, expires: 30, at: t0)
        #expect(brief.response.statusCode == 423)
        #expect(brief.response.firstValue(.minExpires) == "60")
        let long = try registered(&r, expires: 7200, cseq: 4, at: t0)
        #expect(long.response.statusCode == 200)
        #expect(long.response.firstValue(.contact)?.string.hasSuffix("expires=600") == true)
    }

    @Test func severalContactsQOrderQueryRemovalAndWildcard() throws {
        var r = registrar()
        let two = try registered(&r, contacts: ["<sip:alice@192.0.2.10:5060>;q=0.5", "<sip:alice@192.0.2.20:5070>;q=1;expires=120"], at: t0)
        #expect(two.response.values(.contact).map(\.string) == ["<sip:alice@192.0.2.20:5070>;expires=120;q=1",
                                                                "<sip:alice@192.0.2.10:5060>;expires=3600;q=0.5"])
        let query = try registered(&r, contacts: [], cseq: 4, at: t0 + 20)
        #expect(query.response.values(.contact).count == 2 && query.changes.isEmpty)
        let removeOne = try registered(&r, contacts: ["<sip:alice@192.0.2.20:5070>;expires=0"], cseq: 6, at: t0 + 30)
        #expect(removeOne.response.values(.contact).map(\.string) == ["<sip:alice@192.0.2.10:5060>;expires=3570;q=0.5"])
        #expect(removeOne.changes == [.remove(username: "alice", contact: "sip:alice@192.0.2.20:5070")])
        let badWildcard = try registered(&r, contacts: ["*"], cseq: 8, at: t0 + 40)
        #expect(badWildcard.response.statusCode == 400)
        let wildcard = try registered(&r, contacts: ["*"], expires: 0, cseq: 10, at: t0 + 40)
        #expect(wildcard.response.statusCode == 200 && wildcard.response.values(.contact).isEmpty)
        #expect(r.location.bindingCount == 0)
    }

    @Test func anOutOfOrderUpdateFailsAndAnotherCallIDReplaces() throws {
        var r = registrar()
        _ = try registered(&r, callID: "a", cseq: 10, at: t0)
        let older = try registered(&r, callID: "a", cseq: 6, at: t0 + 1)  // its challenge used 5, the answer 6 ≤ 10
        #expect(older.response.statusCode == 500)
        let otherDevice = try registered(&r, callID: "b", cseq: 2, at: t0 + 2)
        #expect(otherDevice.response.statusCode == 200)
        #expect(r.location.bindings(for: "alice", at: t0 + 2).first?.callID == "b")
    }

    @Test func theBindingLimitHoldsAndBindingsExpireOrGoWithTheirConnection() throws {
        var r = registrar(policy: RegistrarPolicy(maxBindingsPerUser: 2))
        let three = try registered(&r, contacts: ["<sip:a@192.0.2.1>", "<sip:a@192.0.2.2>", "<sip:a@192.0.2.3>"], at: t0)
        #expect(three.response.statusCode == 403)
        #expect(r.location.bindingCount == 0)
        #expect(try registered(&r, contacts: ["<sip:a@192.0.2.1>;expires=100", "<sip:a@192.0.2.2>"], cseq: 4, at: t0).response.statusCode == 200)
        #expect(r.expire(at: t0 + 100) == [.remove(username: "alice", contact: "sip:a@192.0.2.1")])
        #expect(r.connectionClosed("udp:a") == [.remove(username: "alice", contact: "sip:a@192.0.2.2")])
        #expect(r.location.userCount == 0)
    }

    @Test func requestsForOtherDomainsAreRefused() {
        var r = registrar()
        let foreign = try! SIPMessage(parsing: "REGISTER sip:other.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\nFrom: <sip:a@other.example>;tag=1\r\nTo: <sip:a@other.example>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")
        #expect(r.register(foreign, from: "udp:x", source: "192.0.2.1", account: nil, now: t0, nonceRandom: 1, toTag: "t").response.statusCode == 403)
    }

    @Test func qValuesParse() {
        #expect(RegistrarCore<String>.qThousandths("1") == 1000)
        #expect(RegistrarCore<String>.qThousandths("0.5") == 500)
        #expect(RegistrarCore<String>.qThousandths("0.125") == 125)
        #expect(RegistrarCore<String>.qThousandths("1.0") == 1000)
        #expect(RegistrarCore<String>.qThousandths("1.5") == nil)
        #expect(RegistrarCore<String>.qThousandths("0.1234") == nil)
        #expect(RegistrarCore<String>.qThousandths("x") == nil)
        #expect(RegistrarCore<String>.qText(500) == "0.5" && RegistrarCore<String>.qText(1000) == "1" && RegistrarCore<String>.qText(125) == "0.125")
    }
}

/// The failed-authentication throttle on its own.
@Suite struct AuthenticationThrottleTests {
    @Test func failuresInAWindowBanAndTheBanEnds() {
        var t = AuthenticationThrottle(maxFailures: 3, windowSeconds: 60, banSeconds: 300, capacity: 2)
        #expect(t.recordFailure(from: "a", at: 0) == nil)
        #expect(t.recordFailure(from: "a", at: 10) == nil)
        #expect(t.recordFailure(from: "a", at: 20) == 320)
        #expect(t.bannedUntil("a", at: 100) == 320)
        #expect(t.bannedUntil("a", at: 320) == nil)
        // Failures spread over more than the window never ban.
        #expect(t.recordFailure(from: "b", at: 0) == nil)
        #expect(t.recordFailure(from: "b", at: 61) == nil)
        #expect(t.recordFailure(from: "b", at: 122) == nil)
        // Bounded: a third source evicts the oldest window.
        _ = t.recordFailure(from: "c", at: 130)
        #expect(t.count == 2)
    }
}
