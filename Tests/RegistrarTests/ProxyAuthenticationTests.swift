import Testing
import SIPCore
@testable import Registrar

/// `RegistrarCore.authenticate(asProxy: true)` (RFC 3261 §22.3): 407 with Proxy-Authenticate,
/// Proxy-Authorization checked like Authorization, the ban shared with REGISTER; the offered
/// algorithms follow the policy; contacts are found again by device (user, host, port).
@Suite struct ProxyAuthenticationTests {
    let base = RegistrarCoreTests()

    func invite(authorization: String? = nil) -> SIPMessage {
        var text = "INVITE sip:bob@zvonok.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKi\r\nMax-Forwards: 70\r\n"
        text += "From: <sip:alice@zvonok.example>;tag=f\r\nTo: <sip:bob@zvonok.example>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
        if let authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        text += "Content-Length: 0\r\n\r\n"
        return try! SIPMessage(parsing: text)
    }

    func answer(_ challenge: DigestChallenge, password: String = "secret pass", nc: UInt32 = 1) -> String {
        let uri = "sip:bob@zvonok.example"
        let ha1 = Digest.ha1(username: "alice", realm: RegistrarCoreTests.realm, password: password, algorithm: challenge.algorithm)
        let ha2 = Digest.ha2(method: "INVITE", uri: uri, algorithm: challenge.algorithm)
        let ncText = String(repeating: "0", count: 7) + String(nc)
        let response = Digest.response(ha1: ha1, nonce: challenge.nonce, nc: ncText, cnonce: "c1", qop: "auth", ha2: ha2,
                                       algorithm: challenge.algorithm)
        return DigestCredentials(username: "alice", realm: RegistrarCoreTests.realm, nonce: challenge.nonce, uri: uri,
                                 response: response, algorithm: challenge.algorithm, cnonce: "c1", nonceCount: nc).headerValue
    }

    func refused(_ result: AuthenticationResult) -> SIPMessage? {
        if case .refused(let response, _) = result { response } else { nil }
    }

    @Test func anInviteIsChallengedWith407AndThenAuthenticated() throws {
        var r = base.registrar()
        let first = try #require(refused(r.authenticate(invite(), asProxy: true, source: "192.0.2.10", account: nil,
                                                        now: base.t0, nonceRandom: 1, toTag: "t")))
        #expect(first.statusCode == 407)
        #expect(first.values(.wwwAuthenticate).isEmpty)
        let challenges = try first.proxyAuthenticates().map { try DigestChallenge(parsing: $0) }
        #expect(challenges.map(\.algorithm) == [.sha256, .md5])
        for (index, challenge) in challenges.enumerated() {
            let result = r.authenticate(invite(authorization: answer(challenge, nc: UInt32(index + 1))), asProxy: true, source: "192.0.2.10",
                                        account: RegistrarCoreTests.alice, now: base.t0, nonceRandom: 2, toTag: "t")
            guard case .authenticated(let user) = result else {
                Issue.record("challenge \(index) not accepted: \(result)")
                continue
            }
            #expect(user == "alice")
        }
        // One nonce serves both challenges, so nonce count 1 is spent: a replay, challenged with stale=true.
        let replay = try #require(refused(r.authenticate(invite(authorization: answer(challenges[0])), asProxy: true,
                                                         source: "192.0.2.10", account: RegistrarCoreTests.alice,
                                                         now: base.t0, nonceRandom: 3, toTag: "t")))
        #expect(try replay.proxyAuthenticates().map { try DigestChallenge(parsing: $0) }.allSatisfy(\.stale))
    }

    @Test func wrongPasswordsOnInvitesCountTowardTheSameBan() throws {
        var r = base.registrar()  // maxFailures 3
        let challenge = try #require(try refused(r.authenticate(invite(), asProxy: true, source: "203.0.113.66", account: nil,
                                                                now: base.t0, nonceRandom: 1, toTag: "t"))?
            .proxyAuthenticates().map { try DigestChallenge(parsing: $0) }.first)
        var notes: [String] = []
        for attempt in 1...3 {
            if case .refused(_, let note) = r.authenticate(invite(authorization: answer(challenge, password: "guess", nc: UInt32(attempt))),
                                                           asProxy: true, source: "203.0.113.66",
                                                           account: RegistrarCoreTests.alice, now: base.t0, nonceRandom: 2, toTag: "t") {
                notes.append(note ?? "")
            }
        }
        #expect(notes.count == 3 && notes.last?.contains("banned") == true)
        let banned = try #require(refused(r.authenticate(invite(), asProxy: true, source: "203.0.113.66", account: nil,
                                                         now: base.t0 + 1, nonceRandom: 4, toTag: "t")))
        #expect(banned.statusCode == 403)
    }

    @Test func onlyTheConfiguredAlgorithmsAreOffered() throws {
        var r = base.registrar(policy: RegistrarPolicy(digestAlgorithms: [.md5]))
        let outcome = r.register(base.request(), from: "udp:a", source: "192.0.2.10", account: RegistrarCoreTests.alice,
                                 now: base.t0, nonceRandom: 1, toTag: "t")
        #expect(try base.challenges(outcome).map(\.algorithm) == [.md5])
    }

    @Test func aDeviceIsFoundByItsContactWhateverItsParameters() throws {
        var r = base.registrar()
        _ = try base.registered(&r, contacts: ["<sip:alice@192.0.2.10:5060;ob>"], at: base.t0)
        let dialogTarget = try #require(try URI(parsing: "sip:alice@192.0.2.10:5060;transport=udp").sipURI)
        #expect(r.location.binding(forContact: dialogTarget, at: base.t0 + 1)?.peer == "udp:a")
        let other = try #require(try URI(parsing: "sip:alice@192.0.2.10:5062").sipURI)
        #expect(r.location.binding(forContact: other, at: base.t0 + 1) == nil)
        #expect(r.location.binding(forContact: dialogTarget, at: base.t0 + 4000) == nil, "expired")
        _ = r.connectionClosed("udp:a")
        #expect(r.location.binding(forContact: dialogTarget, at: base.t0 + 1) == nil, "gone with its peer")
    }
}
