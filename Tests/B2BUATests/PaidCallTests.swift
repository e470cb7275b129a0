import B2BUA
import Billing
import SIPCore
import SIPTransaction
import Testing

/// Timer purposes, as `CallTimer` numbers them.
enum T {
    static let retransmitToCaller: UInt8 = 1, renew: UInt8 = 3, cutoff: UInt8 = 4, probeCaller: UInt8 = 5, probeTrunk: UInt8 = 6,
        noAnswer: UInt8 = 7, linger: UInt8 = 8
}

@Suite struct PaidCallTests {
    /// Answers the trunk INVITE 180 then 200, returns the actions of the 200.
    func answer(_ h: inout CallHarness, _ call: (invite: SIPMessage, server: TransactionID, trunkInvite: SIPMessage,
                                                  trunk: TransactionID, actions: [Action])) -> [Action] {
        _ = h.tu(.response(call.trunkInvite.answer(180, "Ringing"), transaction: call.trunk))
        return h.tu(.response(call.trunkInvite.answer(200, "OK", body: CallHarness.answerSDP), transaction: call.trunk))
    }

    @Test func talkIsTimedOnTheMonotonicClockWithAStartedSecondCounted() throws {
        var h = CallHarness()
        let call = h.startCall(to: "sip:+12125550100@zvonok.example")
        // Answered 0.1 s into a wall-clock second, hung up 30.5 s later (30.6 s into the call):
        // two truncated wall-clock readings would say 30 s; the talk is 30.5 s, so 31 billed seconds.
        h.advance(.milliseconds(100))
        let answered = answer(&h, call)
        let toTag = try #require(try answered.responses.first?.0.to()?.tag?.string)
        h.advance(.milliseconds(30_500))
        let bye = h.inDialog(.bye, cseq: 11, toTag: toTag, branch: "bye1")
        let hangUp = h.tu(.request(bye, from: h.caller, transaction: TransactionID(serverRequest: bye)!, cancels: nil))
        guard case .settle(_, _, let answeredAt?, let endedAt, _) = try #require(hangUp.settles.first) else {
            Issue.record("not an answered settle"); return
        }
        #expect(endedAt.seconds(since: answeredAt) == 31)
        let settlement = h.settle(hangUp.settles[0])
        #expect(settlement.record.durationSeconds == 31 && settlement.record.billedSeconds == 31)
        #expect(settlement.chargedMinor == 104, "31 s at 2.00/min per second is 1.0333, rounded up to 1.04")
    }

    @Test func aPaidCallFromInviteToByeIsSettledOnce() throws {
        var h = CallHarness()
        let call = h.startCall()
        #expect(call.actions.codes == [100])
        #expect(call.actions.billing.count == 1)
        // The trunk leg: built from scratch, nothing of the caller's leaks, SDP unchanged.
        let out = call.trunkInvite
        #expect(out.requestURIText == "sip:+74951112233@203.0.113.1:5060")
        #expect(call.actions.sent[0].1 == "udp:203.0.113.1:5060")
        #expect(out.firstValue(.callID) != call.invite.firstValue(.callID))
        #expect(try out.from()?.uri.text == "sip:+74951110000@provider.example", "caller ID is alice's E.164 alias")
        let text = out.description
        for leak in ["10.0.0.5", "SecretPhone", "X-Internal", "alicetag", "call-1", "Proxy-Authorization", "Alice"] {
            #expect(!text.contains(leak) || (leak == "10.0.0.5" && out.body.string.contains(leak)),
                    "\(leak) leaked outside the SDP")
        }
        #expect(out.body == call.invite.body)
        #expect(out.firstValue(.contentType) == "application/sdp")
        #expect(out.firstValue(.sessionExpires) == "1800")

        // 180 with SDP (early media) relayed.
        let ringing = h.tu(.response(call.trunkInvite.answer(183, "Session Progress", body: CallHarness.answerSDP),
                                     transaction: call.trunk))
        #expect(ringing.codes == [183])
        #expect(ringing.responses[0].0.body.string == CallHarness.answerSDP)
        #expect(ringing.responses[0].0.firstValue(.contact) == "<sip:192.0.2.1:5060>")

        let answered = h.tu(.response(call.trunkInvite.answer(200, "OK", body: CallHarness.answerSDP), transaction: call.trunk))
        #expect(answered.stateless.count == 1 && answered.stateless[0].0.method == .ack)
        #expect(try answered.stateless[0].0.cseq() == CSeq(number: 1, method: .ack))
        #expect(answered.stateless[0].0.requestURIText == "sip:far@203.0.113.50")
        #expect(answered.codes == [200])
        let ok = answered.responses[0].0
        #expect(ok.body.string == CallHarness.answerSDP)
        #expect(!ok.description.contains("203.0.113.50"), "the trunk's Contact is not leaked to the caller")
        #expect(answered.started.contains { $0.0 == T.cutoff && $0.1 == .seconds(120) })
        #expect(answered.started.contains { $0.0 == T.renew && $0.1 == .seconds(90) })
        let toTag = try #require(try ok.to()?.tag?.string)

        // The caller's ACK stops the 2xx retransmissions.
        h.advance(.milliseconds(100))
        let ack = h.inDialog(.ack, cseq: 10, toTag: toTag, branch: "ack1")
        #expect(h.core.route(ack, from: h.caller) == .claimed)
        #expect(h.tu(.strayAck(ack, from: h.caller)).cancelledTimers == [T.retransmitToCaller])

        // 61 s later (61.1 s after the answer) the caller hangs up.
        h.advance(.seconds(61))
        let bye = h.inDialog(.bye, cseq: 11, toTag: toTag, branch: "bye1")
        let hangUp = h.tu(.request(bye, from: h.caller, transaction: TransactionID(serverRequest: bye)!, cancels: nil))
        #expect(hangUp.codes == [200])
        #expect(hangUp.sent.count == 1 && hangUp.sent[0].0.method == .bye && hangUp.sent[0].1 == "udp:203.0.113.1:5060")
        #expect(hangUp.settles.count == 1)
        let settlement = h.settle(hangUp.settles[0])
        #expect(settlement.record.durationSeconds == 62, "61.1 s since the answer: a started second counts")
        #expect(settlement.chargedMinor == 200, "62 s at 1.00/min 60/60 is two minutes")
        #expect(settlement.record.endReason == .callerHungUp)

        // The trunk's 200 to our BYE, the linger, and the call is gone.
        _ = h.tu(.response(hangUp.sent[0].0.answer(200, "OK"), transaction: TransactionID(clientRequest: hangUp.sent[0].0)!))
        #expect(h.core.activeCallCount == 1)
        _ = h.fire(T.linger)
        #expect(h.core.activeCallCount == 0)
        #expect(h.core.indexSizes.allSatisfy { $0 == 0 })
    }

    @Test func nationalFormIsRefusedWith484AndNothingIsBilled() {
        var h = CallHarness()
        let invite = h.invite(to: "sip:84951112233@zvonok.example")
        #expect(h.core.route(invite, from: h.caller) == .outgoing)
        let actions = h.handle(.outgoing(invite, from: h.caller, transaction: TransactionID(serverRequest: invite)!, account: "alice"))
        #expect(actions.codes == [484])
        #expect(actions.responses[0].0.reasonPhrase?.string.contains("+74951112233") == true)
        #expect(actions.billing.isEmpty && h.core.activeCallCount == 0)
    }

    @Test func telURIsAndLocalAliasesAreRouted() {
        let h = CallHarness()
        #expect(h.core.route(h.invite(to: "tel:+7-495-111-22-33"), from: h.caller) == .outgoing)
        #expect(h.core.route(h.invite(to: "sip:+74950000001@zvonok.example"), from: h.caller)
                == .toLocalUser(username: "bob", fromTrunk: false))
        #expect(h.core.route(h.invite(to: "sip:bob@zvonok.example"), from: h.caller) == .notB2BUA)
        #expect(h.core.route(h.invite(to: "sip:+74951112233@elsewhere.example"), from: h.caller) == .notB2BUA)
        // From a trunk's accepted source: to an alias goes to the user, anything else is refused.
        #expect(h.core.route(h.invite(to: "sip:+74950000001@zvonok.example"), from: "udp:203.0.113.1:5060")
                == .toLocalUser(username: "bob", fromTrunk: true))
        #expect(h.core.route(h.invite(to: "sip:+74951112233@zvonok.example"), from: "udp:203.0.113.2:5060")
                == .refuse(statusCode: 404, reason: "Not Found (no subscriber with this number)"))
    }

    @Test func zeroBalanceIs402AndNothingGoesToTheTrunk() {
        var h = CallHarness(balanceMinor: 0)
        let invite = h.invite()
        let first = h.handle(.outgoing(invite, from: h.caller, transaction: TransactionID(serverRequest: invite)!, account: "alice"))
        let refused = h.handle(.billing(h.authorize(first.billing[0])))
        #expect(refused.codes == [402])
        #expect(refused.responses[0].0.reasonPhrase?.string.hasPrefix("Payment Required") == true)
        #expect(refused.sent.isEmpty && refused.settles.isEmpty)
        #expect(h.core.activeCallCount == 0)
    }

    @Test func trunkChallengeIsAnsweredOncePerNonce() throws {
        var h = CallHarness()
        let call = h.startCall()
        let challenge = call.trunkInvite.answer(407, "Proxy Authentication Required", contact: nil, headers: [
            (.proxyAuthenticate, "Digest realm=\"provider\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\", opaque=\"o\""),
        ])
        let retry = h.tu(.response(challenge, transaction: call.trunk))
        let again = try #require(retry.sent.first?.0)
        #expect(try again.cseq() == CSeq(number: 2, method: .invite))
        #expect(again.firstValue(.callID) == call.trunkInvite.firstValue(.callID))
        #expect(try again.from()?.tag == call.trunkInvite.from()?.tag)
        #expect(try again.topVia()?.branch != call.trunkInvite.topVia()?.branch)
        let credentials = try #require(try again.digestCredentials(realm: "provider", proxy: true))
        let ha1 = Digest.ha1(username: "zvonok", realm: "provider", password: "trunk secret", algorithm: .sha256)
        let ha2 = Digest.ha2(method: "INVITE", uri: credentials.uri.string, algorithm: .sha256)
        #expect(credentials.response.string == Digest.response(ha1: ha1, nonce: "n1", nc: "00000001", cnonce: credentials.cnonce.string,
                                                              qop: "auth", ha2: ha2, algorithm: .sha256))
        #expect(credentials.opaque == "o" && credentials.uri == again.requestURIText)
        // The same challenge again: not answered twice; the next trunk is tried.
        let secondChallenge = again.answer(407, "Proxy Authentication Required", contact: nil, headers: [
            (.proxyAuthenticate, "Digest realm=\"provider\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\""),
        ])
        let failover = h.tu(.response(secondChallenge, transaction: TransactionID(clientRequest: again)!))
        #expect(failover.sent.count == 1 && failover.sent[0].1 == "udp:203.0.113.2:5060")
        #expect(try failover.sent[0].0.from()?.uri.text == "sip:alice@b.example", "trunk b wants the account name")
    }

    @Test func failoverOn503AndTimeoutThenTheLastFailureIsRelayed() throws {
        var h = CallHarness()
        let call = h.startCall()
        let next = h.tu(.response(call.trunkInvite.answer(503, "Service Unavailable", contact: nil), transaction: call.trunk))
        let b = try #require(next.sent.first)
        #expect(b.1 == "udp:203.0.113.2:5060")
        #expect(b.0.firstValue(.callID) != call.trunkInvite.firstValue(.callID))
        #expect(next.codes.isEmpty)
        let timedOut = h.tu(.timedOut(TransactionID(clientRequest: b.0)!))
        #expect(timedOut.codes == [408])
        #expect(timedOut.settles.count == 1)
        guard case .settle(_, _, let answeredAt, _, let reason) = timedOut.settles[0] else { return }
        #expect(answeredAt == nil && reason == .unanswered(statusCode: 408))
    }

    @Test func busyIsRelayedWithItsCodeAndCostsNothing() {
        var h = CallHarness()
        let call = h.startCall()
        let busy = h.tu(.response(call.trunkInvite.answer(486, "Busy Here", contact: nil), transaction: call.trunk))
        #expect(busy.codes == [486])
        #expect(busy.sent.isEmpty, "486 is no reason to fail over")
        #expect(h.settle(busy.settles[0]).chargedMinor == 0)
    }

    @Test func callerCancelCancelsTheTrunkLeg() {
        var h = CallHarness()
        let call = h.startCall()
        _ = h.tu(.response(call.trunkInvite.answer(180, "Ringing"), transaction: call.trunk))
        let cancel = call.invite.makeCancel()
        #expect(h.core.route(cancel, from: h.caller) == .claimed)
        let actions = h.tu(.request(cancel, from: h.caller, transaction: TransactionID(serverRequest: cancel)!, cancels: call.server))
        #expect(actions.codes == [200, 487])
        #expect(actions.cancelled == [call.trunk])
        #expect(actions.settles.isEmpty)
        let terminated = h.tu(.response(call.trunkInvite.answer(487, "Request Terminated", contact: nil), transaction: call.trunk))
        #expect(terminated.codes.isEmpty)
        #expect(terminated.settles.count == 1)
        #expect(h.settle(terminated.settles[0]).chargedMinor == 0)
    }

    @Test func cancelBeforeAnyProvisionalWaitsForOneToSendCANCEL() {
        var h = CallHarness()
        let call = h.startCall()
        let cancel = call.invite.makeCancel()
        let actions = h.tu(.request(cancel, from: h.caller, transaction: TransactionID(serverRequest: cancel)!, cancels: call.server))
        #expect(actions.codes == [200, 487] && actions.cancelled.isEmpty)
        #expect(h.tu(.response(call.trunkInvite.answer(100, "Trying", toTag: nil), transaction: call.trunk)).cancelled == [call.trunk])
    }

    @Test func cancelCrossingThe200IsAckedAndByedAndSettledForZeroSeconds() throws {
        var h = CallHarness()
        let call = h.startCall()
        _ = h.tu(.response(call.trunkInvite.answer(180, "Ringing"), transaction: call.trunk))
        let cancel = call.invite.makeCancel()
        _ = h.tu(.request(cancel, from: h.caller, transaction: TransactionID(serverRequest: cancel)!, cancels: call.server))
        h.advance(.milliseconds(50))
        let crossing = h.tu(.response(call.trunkInvite.answer(200, "OK", body: CallHarness.answerSDP), transaction: call.trunk))
        #expect(crossing.stateless.map(\.0.method) == [.ack])
        #expect(crossing.sent.map(\.0.method) == [.bye])
        #expect(crossing.sent[0].0.firstValue(.reason) != nil)
        #expect(crossing.codes.isEmpty, "the caller already has its 487")
        #expect(crossing.settles.count == 1)
        guard case .settle(_, _, let answeredAt, _, let reason) = crossing.settles[0] else { return }
        #expect(answeredAt == nil && reason == .unanswered(statusCode: 487))
        // A retransmitted 200 is ACKed again, not settled again.
        let again = h.tu(.response(call.trunkInvite.answer(200, "OK", body: CallHarness.answerSDP), transaction: call.trunk))
        #expect(again.stateless.map(\.0.method) == [.ack] && again.settles.isEmpty && again.sent.isEmpty)
    }

    @Test func authorizationArrivingAfterTheCallerCancelledIsSettledAtOnce() {
        var h = CallHarness()
        let invite = h.invite()
        let server = TransactionID(serverRequest: invite)!
        let first = h.handle(.outgoing(invite, from: h.caller, transaction: server, account: "alice"))
        let cancel = invite.makeCancel()
        let cancelled = h.tu(.request(cancel, from: h.caller, transaction: TransactionID(serverRequest: cancel)!, cancels: server))
        #expect(cancelled.codes == [200, 487])
        let late = h.handle(.billing(h.authorize(first.billing[0])))
        #expect(late.sent.isEmpty, "nothing goes to a trunk")
        #expect(late.settles.count == 1)
        #expect(h.settle(late.settles[0]).chargedMinor == 0)
        #expect(h.book.openReservations.isEmpty)
    }

    @Test func bothSidesHangingUpAtOnceSettleOnce() throws {
        var h = CallHarness()
        let call = h.startCall()
        let answered = answer(&h, call)
        let toTag = try #require(try answered.responses[0].0.to()?.tag?.string)
        h.advance(.seconds(10))
        let bye = h.inDialog(.bye, cseq: 11, toTag: toTag, branch: "bye1")
        let first = h.tu(.request(bye, from: h.caller, transaction: TransactionID(serverRequest: bye)!, cancels: nil))
        #expect(first.settles.count == 1 && first.sent.map(\.0.method) == [.bye])
        let trunkBye = h.fromTrunk(.bye, cseq: 1, trunkInvite: call.trunkInvite, branch: "tb1")
        #expect(h.core.route(trunkBye, from: "udp:203.0.113.1:5060") == .claimed)
        let second = h.tu(.request(trunkBye, from: "udp:203.0.113.1:5060", transaction: TransactionID(serverRequest: trunkBye)!,
                                   cancels: nil))
        #expect(second.codes == [200])
        #expect(second.settles.isEmpty && second.sent.isEmpty)
    }

    /// Every request to the trunk keeps the trunk's configured transport: a softphone's SDP makes
    /// the INVITE larger than the UDP MTU, and the edge's §18.1.1 switch to TCP then reached a
    /// UDP-only provider (connection refused; the caller waited 32 s for Timer B).
    @Test func requestsToTheTrunkKeepItsConfiguredTransport() throws {
        var h = CallHarness()
        let call = h.startCall()
        #expect(call.actions.sent.count == 1 && call.actions.transportSwitchable.isEmpty)
        let challenge = call.trunkInvite.answer(401, "Unauthorized", contact: nil, headers: [
            (.wwwAuthenticate, "Digest realm=\"provider\", nonce=\"k1\", algorithm=MD5, qop=\"auth\""),
        ])
        let retry = h.tu(.response(challenge, transaction: call.trunk))
        #expect(retry.sent.count == 1 && retry.transportSwitchable.isEmpty)
        let invite = retry.sent[0].0
        let trunk = TransactionID(clientRequest: invite)!
        _ = h.tu(.response(invite.answer(180, "Ringing"), transaction: trunk))
        let answered = h.tu(.response(invite.answer(200, "OK", body: CallHarness.answerSDP), transaction: trunk))
        let toTag = try #require(try answered.responses.first?.0.to()?.tag?.string)
        let bye = h.inDialog(.bye, cseq: 11, toTag: toTag, branch: "kbye")
        let hangUp = h.tu(.request(bye, from: h.caller, transaction: TransactionID(serverRequest: bye)!, cancels: nil))
        #expect(hangUp.sent.count == 1 && hangUp.sent[0].0.method == .bye && hangUp.transportSwitchable.isEmpty)
    }

    @Test func calleeHangingUpByesTheCaller() throws {
        var h = CallHarness()
        let call = h.startCall()
        _ = answer(&h, call)
        let trunkBye = h.fromTrunk(.bye, cseq: 1, trunkInvite: call.trunkInvite, branch: "tb1")
        let actions = h.tu(.request(trunkBye, from: "udp:203.0.113.1:5060", transaction: TransactionID(serverRequest: trunkBye)!,
                                    cancels: nil))
        #expect(actions.codes == [200])
        let byeToCaller = try #require(actions.sent.first)
        #expect(byeToCaller.1 == h.caller)
        #expect(byeToCaller.0.requestURIText == "sip:alice@10.0.0.5:5060;ob")
        #expect(try byeToCaller.0.to()?.tag == "alicetag")
        guard case .settle(_, _, _, _, let reason) = actions.settles[0] else { return }
        #expect(reason == .calleeHungUp)
    }

    @Test func creditIsRenewedAndTheCallEndsWhenTheMoneyRunsOut() throws {
        // 3.00 buys three minutes at 1.00/min; slices are 120 s.
        var h = CallHarness(balanceMinor: 300)
        let call = h.startCall()
        _ = answer(&h, call)
        h.advance(.seconds(90))
        let renew = h.fire(T.renew)
        #expect(renew.billing.count == 1)
        guard case .renew(_, _, let used, _) = renew.billing[0] else { return }
        #expect(used == 90)
        let extended = h.handle(.billing(h.renew(renew.billing[0])))
        #expect(extended.started.contains { $0.0 == T.cutoff && $0.1 == .seconds(90) }, "granted 180 s in all")
        h.advance(.seconds(75))
        let second = h.fire(T.renew)
        let end = h.handle(.billing(h.renew(second.billing[0])))
        #expect(end.started.contains { $0.0 == T.cutoff && $0.1 == .seconds(15) })
        h.advance(.seconds(15))
        let cut = h.fire(T.cutoff)
        #expect(cut.sent.map(\.0.method) == [.bye, .bye])
        #expect(cut.sent.allSatisfy { $0.0.firstValue(.reason)?.string.contains("balance exhausted") == true })
        let settlement = h.settle(cut.settles[0])
        #expect(settlement.record.endReason == .creditExhausted && settlement.record.durationSeconds == 180)
        #expect(h.book.balanceMinor == 0)
    }

    @Test func moneyRunningOutDuringAReInviteAnswersItAndEndsTheCall() throws {
        var h = CallHarness(balanceMinor: 100)
        let call = h.startCall()
        let answered = answer(&h, call)
        let toTag = try #require(try answered.responses[0].0.to()?.tag?.string)
        _ = h.tu(.strayAck(h.inDialog(.ack, cseq: 10, toTag: toTag, branch: "a1"), from: h.caller))
        h.advance(.seconds(50))
        let reinvite = h.inDialog(.invite, cseq: 11, toTag: toTag, body: CallHarness.offer, branch: "re1")
        let reinviteServer = TransactionID(serverRequest: reinvite)!
        let relayed = h.tu(.request(reinvite, from: h.caller, transaction: reinviteServer, cancels: nil))
        let toTrunk = try #require(relayed.sent.first?.0)
        #expect(toTrunk.method == .invite && toTrunk.body == reinvite.body)
        #expect(try toTrunk.cseq()?.number == 2)
        h.advance(.seconds(10))
        let cut = h.fire(T.cutoff)
        #expect(cut.responses.map { $0.1 } == [reinviteServer] && cut.codes == [487])
        #expect(cut.sent.map(\.0.method) == [.bye, .bye])
        #expect(cut.settles.count == 1)
        // The trunk answers the re-INVITE anyway: its 2xx is ACKed.
        let late = h.tu(.response(toTrunk.answer(200, "OK", body: CallHarness.answerSDP), transaction: TransactionID(clientRequest: toTrunk)!))
        #expect(late.stateless.map(\.0.method) == [.ack] && late.settles.isEmpty && late.codes.isEmpty)
    }

    @Test func reInviteUpdateAndInfoAreRelayedBothWays() throws {
        var h = CallHarness()
        let call = h.startCall()
        let answered = answer(&h, call)
        let toTag = try #require(try answered.responses[0].0.to()?.tag?.string)
        // Caller re-INVITE (hold) → trunk; 200 back → ACK to the trunk, 200 to the caller.
        let reinvite = h.inDialog(.invite, cseq: 11, toTag: toTag, body: CallHarness.offer, branch: "re1")
        let server = TransactionID(serverRequest: reinvite)!
        let out = try #require(h.tu(.request(reinvite, from: h.caller, transaction: server, cancels: nil)).sent.first?.0)
        // A second offer while one is pending: 491.
        let update = h.inDialog(.update, cseq: 12, toTag: toTag, branch: "up1")
        #expect(h.tu(.request(update, from: h.caller, transaction: TransactionID(serverRequest: update)!, cancels: nil)).codes == [491])
        let back = h.tu(.response(out.answer(200, "OK", body: CallHarness.answerSDP), transaction: TransactionID(clientRequest: out)!))
        #expect(back.stateless.map(\.0.method) == [.ack])
        #expect(back.responses.map(\.1) == [server] && back.codes == [200])
        #expect(back.responses[0].0.body.string == CallHarness.answerSDP)
        // INFO (DTMF) from the trunk → caller, its 200 relayed back.
        let info = h.fromTrunk(.info, cseq: 2, trunkInvite: call.trunkInvite, branch: "i1")
        let infoServer = TransactionID(serverRequest: info)!
        let toCaller = try #require(h.tu(.request(info, from: "udp:203.0.113.1:5060", transaction: infoServer, cancels: nil)).sent.first)
        #expect(toCaller.0.method == .info && toCaller.1 == h.caller)
        let relayedBack = h.tu(.response(toCaller.0.answer(200, "OK"), transaction: TransactionID(clientRequest: toCaller.0)!))
        #expect(relayedBack.responses.map(\.1) == [infoServer] && relayedBack.codes == [200])
        // A CSeq lower than the last one: 500.
        let stale = h.fromTrunk(.info, cseq: 1, trunkInvite: call.trunkInvite, branch: "i0")
        #expect(h.tu(.request(stale, from: "udp:203.0.113.1:5060", transaction: TransactionID(serverRequest: stale)!, cancels: nil)).codes == [500])
    }

    @Test func noAckFromTheCallerEndsTheCall() {
        var h = CallHarness()
        let call = h.startCall()
        _ = answer(&h, call)
        var retransmissions = 0
        var ended: [Action] = []
        for _ in 0..<20 {
            h.advance(.seconds(4))
            let actions = h.fire(T.retransmitToCaller)
            retransmissions += actions.codes.filter { $0 == 200 }.count
            if !actions.settles.isEmpty {
                ended = actions
                break
            }
        }
        #expect(retransmissions > 3)
        #expect(ended.sent.map(\.0.method) == [.bye, .bye])
        guard case .settle(_, _, let answeredAt, _, let reason)? = ended.settles.first else {
            Issue.record("not settled")
            return
        }
        #expect(answeredAt != nil && reason == .failed("no ACK from the caller"))
    }

    @Test func aDeadTrunkLegEndsTheCall() throws {
        var h = CallHarness()
        let call = h.startCall()
        let answered = answer(&h, call)
        let toTag = try #require(try answered.responses[0].0.to()?.tag?.string)
        _ = h.tu(.strayAck(h.inDialog(.ack, cseq: 10, toTag: toTag, branch: "a1"), from: h.caller))
        h.advance(.seconds(60))
        let probe = h.fire(T.probeTrunk)
        let options = try #require(probe.sent.first)
        #expect(options.0.method == .options && options.1 == "udp:203.0.113.1:5060")
        h.advance(.seconds(32))
        let dead = h.tu(.timedOut(TransactionID(clientRequest: options.0)!))
        #expect(dead.sent.map(\.1) == [h.caller], "BYE to the caller only")
        #expect(dead.settles.count == 1)
    }

    @Test func anExpiredSessionTimerEndsTheCall() throws {
        var h = CallHarness()
        let call = h.startCall()
        _ = h.tu(.response(call.trunkInvite.answer(200, "OK", body: CallHarness.answerSDP,
                                                  headers: [(.sessionExpires, "600;refresher=uas")]), transaction: call.trunk))
        h.advance(.seconds(568))
        let expired = h.fire(T.probeTrunk)
        #expect(expired.settles.count == 1)
        #expect(expired.sent.count == 2)
    }

    @Test func ourSessionRefreshIsAnUpdate() throws {
        var h = CallHarness()
        let call = h.startCall()
        _ = h.tu(.response(call.trunkInvite.answer(200, "OK", body: CallHarness.answerSDP,
                                                  headers: [(.sessionExpires, "600;refresher=uac")]), transaction: call.trunk))
        h.advance(.seconds(300))
        let refresh = try #require(h.fire(T.probeTrunk).sent.first?.0)
        #expect(refresh.method == .update && refresh.body.isEmpty)
        #expect(refresh.firstValue(.sessionExpires) == "600;refresher=uac")
        let ok = h.tu(.response(refresh.answer(200, "OK"), transaction: TransactionID(clientRequest: refresh)!))
        #expect(ok.started.contains { $0.0 == T.probeTrunk && $0.1 == .seconds(300) })
    }
}
