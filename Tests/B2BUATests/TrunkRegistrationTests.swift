import B2BUA
import SIPCore
import SIPTransaction
import Testing

/// RFC 3261 §10.2 as a UAC: registering with a trunk, its digest challenge, refresh, 423,
/// failures with back-off, and removal.
@Suite struct TrunkRegistrationTests {
    var env = FakeB2BUAEnvironment()
    var registration: TrunkRegistration
    let t0 = Instant(nanoseconds: 0)

    init() {
        registration = TrunkRegistration(trunk: env.trunks[0], expiresSeconds: 600, timerID: 7, callID: "reg-call", fromTag: "reg-tag")
    }

    static func sent(_ actions: [TransactionUserAction<String>]) -> [SIPMessage] {
        actions.compactMap { if case .sendRequest(let m, _) = $0 { m } else { nil } }
    }

    static func timers(_ actions: [TransactionUserAction<String>]) -> [Duration] {
        actions.compactMap { if case .startTimer(.call(7, TrunkRegistration.timerPurpose), let d) = $0 { d } else { nil } }
    }

    @Test mutating func registersAnswersTheChallengeAndRefreshesAtHalfTheExpiry() throws {
        let first = try #require(Self.sent(registration.start(&env, at: t0)).first)
        #expect(first.method == .register)
        #expect(first.requestURIText?.string == "sip:203.0.113.1:5060")
        #expect(first.firstValue(.from)?.string == "<sip:zvonok@provider.example>;tag=reg-tag")
        #expect(first.firstValue(.to)?.string == "<sip:zvonok@provider.example>")
        #expect(first.firstValue(.contact)?.string == "<sip:zvonok@192.0.2.1:5060>")
        #expect(first.firstValue(.expires)?.string == "600")
        #expect(registration.state == .registering)

        let challenge = first.answer(401, "Unauthorized", toTag: "t", contact: nil,
                                     headers: [(.wwwAuthenticate, #"Digest realm="provider.example", nonce="n1", algorithm=MD5, qop="auth""#)])
        let retry = try #require(Self.sent(registration.handle(response: challenge, &env, at: t0)).first)
        #expect(retry.firstValue(.callID)?.string == "reg-call")
        #expect((try retry.cseq())?.number == 2)
        let authorization = try #require(retry.firstValue(.authorization)?.string)
        #expect(authorization.contains(#"username="zvonok""#) && authorization.contains(#"nonce="n1""#))
        #expect(TransactionID(clientRequest: retry) == registration.pending)

        let ok = retry.answer(200, "OK", toTag: "t", contact: "<sip:zvonok@192.0.2.1:5060>;expires=300")
        let actions = registration.handle(response: ok, &env, at: t0)
        #expect(Self.timers(actions) == [.seconds(150)])
        #expect(registration.state == .registered(expires: t0 + .seconds(300)))

        let refresh = try #require(Self.sent(registration.timerFired(&env, at: t0 + .seconds(150))).first)
        #expect((try refresh.cseq())?.number == 3 && refresh.firstValue(.callID)?.string == "reg-call")
    }

    @Test mutating func aSecondChallengeForTheSameNonceIsAFailureWithBackOff() throws {
        let first = try #require(Self.sent(registration.start(&env, at: t0)).first)
        let challenge = { (request: SIPMessage) in
            request.answer(401, "Unauthorized", toTag: "t", contact: nil,
                           headers: [(.wwwAuthenticate, #"Digest realm="provider.example", nonce="same", algorithm=MD5, qop="auth""#)])
        }
        let retry = try #require(Self.sent(registration.handle(response: challenge(first), &env, at: t0)).first)
        let failed = registration.handle(response: challenge(retry), &env, at: t0)
        #expect(Self.sent(failed).isEmpty)
        #expect(Self.timers(failed) == [TrunkRegistration.firstRetryDelay])
        guard case .waiting = registration.state else { Issue.record("expected waiting, got \(registration.state)"); return }
        // The retry timer sends a fresh REGISTER; the next failure waits twice as long.
        let again = try #require(Self.sent(registration.timerFired(&env, at: t0 + .seconds(30))).first)
        let timedOut: [TransactionUserAction<String>] = registration.handleFailure("timeout", at: t0 + .seconds(62))
        #expect(Self.timers(timedOut) == [TrunkRegistration.firstRetryDelay * 2])
        #expect(again.method == .register)
    }

    @Test mutating func fourTwentyThreeAsksAgainForMinExpires() throws {
        let first = try #require(Self.sent(registration.start(&env, at: t0)).first)
        let tooBrief = first.answer(423, "Interval Too Brief", contact: nil, headers: [(.minExpires, "1200")])
        let retry = try #require(Self.sent(registration.handle(response: tooBrief, &env, at: t0)).first)
        #expect(retry.firstValue(.expires)?.string == "1200")
    }

    @Test mutating func stoppingARegistrationRemovesIt() throws {
        let first = try #require(Self.sent(registration.start(&env, at: t0)).first)
        _ = registration.handle(response: first.answer(200, "OK", contact: nil, headers: [(.expires, "600")]), &env, at: t0)
        let actions = registration.stop(&env)
        #expect(actions.contains { if case .cancelTimer(.call(7, TrunkRegistration.timerPurpose)) = $0 { true } else { false } })
        #expect(Self.sent(actions).first?.firstValue(.expires)?.string == "0")
        #expect(registration.state == .stopped)
        // A late answer after the stop changes nothing.
        #expect(registration.handle(response: first.answer(200, "OK", contact: nil), &env, at: t0).isEmpty)
    }
}
