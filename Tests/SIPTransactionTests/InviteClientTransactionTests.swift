import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.1.1 Figure 5 with RFC 6026 §8.4, every transition and timer on a fake clock.
@Suite struct InviteClientTransactionTests {
    static let invite = Messages.invite(extraHeaders: ["Route: <sip:p1.example.com;lr>", "Route: <sip:p2.example.com;lr>"])

    func started(reliable: Bool = false, timers: TransactionTimerSettings = .rfc3261) -> FakeClockDriver<InviteClientTransaction> {
        var driver = FakeClockDriver(InviteClientTransaction(request: Self.invite, reliableTransport: reliable, timers: timers))
        driver.handle(.start)
        return driver
    }

    @Test func startSendsTheInviteAndArmsAAndB() {
        var driver = FakeClockDriver(InviteClientTransaction(request: Self.invite, reliableTransport: false, timers: .rfc3261))
        #expect(driver.machine.state == .calling)
        let actions = driver.handle(.start)
        #expect(summary(actions) == ["send INVITE", "start A 500ms", "start B 32000ms"])
        #expect(sent(actions) == [Self.invite])
        #expect(driver.machine.state == .calling)
    }

    @Test func reliableTransportArmsNoTimerA() {
        var driver = FakeClockDriver(InviteClientTransaction(request: Self.invite, reliableTransport: true, timers: .rfc3261))
        #expect(summary(driver.handle(.start)) == ["send INVITE", "start B 32000ms"])
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.b])
        #expect(seconds(firings[0].at) == 32)
        #expect(summary(firings[0].actions) == ["timedOut", "terminated"])
    }

    @Test func timerADoublesWithoutCapUntilTimerBTimesOut() {
        var driver = started()
        let firings = driver.runUntilIdle()
        // A fires at T1, 3·T1, 7·T1… (intervals T1, 2·T1, 4·T1…, past T2: Timer A has no cap).
        let retransmissions = firings.filter { $0.timer == .a }
        #expect(retransmissions.map { seconds($0.at) } == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5])
        #expect(retransmissions.map { summary($0.actions) } == [1000, 2000, 4000, 8000, 16000, 32000].map {
            ["send INVITE", "start A \($0)ms"]
        })
        let last = firings.last!
        #expect(last.timer == .b && seconds(last.at) == 32)
        #expect(summary(last.actions) == ["cancel A", "timedOut", "terminated"])
        #expect(driver.machine.state == .terminated)
    }

    @Test func timersFollowAConfiguredT1() {
        var driver = started(timers: TransactionTimerSettings(t1: .milliseconds(100)))
        let firings = driver.runUntilIdle()
        #expect(firings.filter { $0.timer == .a }.map { seconds($0.at) } == [0.1, 0.3, 0.7, 1.5, 3.1, 6.3])
        #expect(firings.last!.timer == .b && seconds(firings.last!.at) == 6.4)
    }

    @Test func provisionalResponseMovesToProceedingAndStopsRetransmission() {
        var driver = started()
        driver.fireNext()
        let ringing = Messages.response(180, to: Self.invite)
        driver.advance(by: .milliseconds(200))
        #expect(summary(driver.handle(.response(ringing))) == ["cancel A", "cancel B", "deliver 180"])
        #expect(driver.machine.state == .proceeding)
        #expect(driver.deadlines.isEmpty)
        #expect(summary(driver.handle(.response(Messages.response(183, to: Self.invite)))) == ["deliver 183"])
        #expect(driver.machine.startedAt == .zero && seconds(driver.now) == 0.7)
        #expect(driver.machine.state == .proceeding)
    }

    @Test func twoHundredInCallingEntersAcceptedUntilTimerM() {
        var driver = started()
        let ok = Messages.response(200, to: Self.invite)
        #expect(driver.machine.request == Self.invite)
        #expect(summary(driver.handle(.response(ok))) == ["cancel A", "cancel B", "deliver 200", "start M 32000ms"])
        #expect(driver.machine.state == .accepted)
        #expect(driver.machine.request == nil)  // nothing left to send or cancel (§9.1, §13.2.2.4)
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.m] && seconds(firings[0].at) == 32)
        #expect(summary(firings[0].actions) == ["terminated"])
        #expect(driver.machine.state == .terminated)
    }

    @Test func twoHundredInProceedingEntersAccepted() {
        var driver = started(reliable: true)
        driver.handle(.response(Messages.response(180, to: Self.invite)))
        #expect(summary(driver.handle(.response(Messages.response(200, to: Self.invite)))) == ["deliver 200", "start M 32000ms"])
        #expect(driver.machine.state == .accepted)
    }

    @Test func acceptedPassesEvery2xxUpAndNeverAcks() {
        var driver = started()
        let ok = Messages.response(200, to: Self.invite)
        driver.handle(.response(ok))
        // Retransmissions of the 2xx and 2xx from other forks go to the TU; the TU sends the ACK.
        #expect(summary(driver.handle(.response(ok))) == ["deliver 200"])
        let forked = Messages.response(200, to: Self.invite, toTag: "carol7")
        #expect(driver.handle(.response(forked)) == [.deliver(forked)])
        #expect(driver.handle(.response(Messages.response(180, to: Self.invite))).isEmpty)
        #expect(driver.handle(.response(Messages.response(486, to: Self.invite))).isEmpty)
        #expect(driver.handle(.transportError).isEmpty)
        #expect(driver.machine.state == .accepted)
        #expect(!driver.log.contains { if case .send(let m) = $0.action { m.method == .ack } else { false } })
    }

    @Test func failureInCallingSendsTheAckAndWaitsTimerD() throws {
        var driver = started()
        let busy = Messages.response(486, to: Self.invite)
        let actions = driver.handle(.response(busy))
        #expect(summary(actions) == ["cancel A", "cancel B", "send ACK", "deliver 486", "start D 32000ms"])
        #expect(driver.machine.state == .completed)
        let ack = try #require(sent(actions).first)
        // §17.1.1.3: same Request-URI, Call-ID, From, CSeq number, top Via; To of the response; Routes.
        #expect(ack.requestURIText == Self.invite.requestURIText)
        #expect(try ack.topVia()?.branch == "z9hG4bKaaa1")
        #expect(ack.values(.via).count == 1)
        #expect(ack.firstValue(.callID) == Self.invite.firstValue(.callID))
        #expect(ack.firstValue(.from) == Self.invite.firstValue(.from))
        #expect(try ack.to()?.tag == "bob1")
        #expect(try ack.cseq() == CSeq(number: 1, method: .ack))
        #expect(ack.values(.route) == Self.invite.values(.route))
        #expect(try ack.maxForwards() == 70)
        #expect(ack.contentLength() == 0)
    }

    @Test func failureInProceedingSendsTheAck() {
        var driver = started()
        driver.handle(.response(Messages.response(180, to: Self.invite)))
        let declined = Messages.response(603, to: Self.invite)
        #expect(summary(driver.handle(.response(declined))) == ["send ACK", "deliver 603", "start D 32000ms"])
        #expect(driver.machine.state == .completed)
    }

    @Test func redirectIsAckedToo() {
        var driver = started()
        #expect(summary(driver.handle(.response(Messages.response(302, to: Self.invite))))
                    == ["cancel A", "cancel B", "send ACK", "deliver 302", "start D 32000ms"])
    }

    @Test func completedResendsTheSameAckForRetransmissionsUntilTimerD() {
        var driver = started()
        let busy = Messages.response(486, to: Self.invite)
        let ack = sent(driver.handle(.response(busy)))
        driver.advance(by: .seconds(1))
        #expect(driver.handle(.response(busy)) == ack.map(TransactionAction.send))
        #expect(driver.handle(.response(Messages.response(180, to: Self.invite))).isEmpty)
        #expect(driver.handle(.response(Messages.response(200, to: Self.invite))).isEmpty)
        #expect(driver.handle(.timerFired(.a)).isEmpty)
        #expect(driver.machine.state == .completed)
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.d] && seconds(firings[0].at) == 32)
        #expect(summary(firings[0].actions) == ["terminated"])
    }

    @Test func reliableTransportLeavesCompletedAtOnce() {
        var driver = started(reliable: true)
        #expect(summary(driver.handle(.response(Messages.response(486, to: Self.invite))))
                    == ["cancel B", "send ACK", "deliver 486", "terminated"])
        #expect(driver.machine.state == .terminated)
    }

    @Test func transportErrorInCallingTerminates() {
        var driver = started()
        #expect(summary(driver.handle(.transportError)) == ["cancel A", "cancel B", "transportFailed", "terminated"])
        #expect(driver.machine.state == .terminated)
    }

    @Test func transportErrorInProceedingTerminates() {
        var driver = started()
        driver.handle(.response(Messages.response(180, to: Self.invite)))
        #expect(summary(driver.handle(.transportError)) == ["transportFailed", "terminated"])
    }

    @Test func transportErrorInCompletedTerminates() {
        var driver = started()
        driver.handle(.response(Messages.response(486, to: Self.invite)))
        #expect(summary(driver.handle(.transportError)) == ["cancel D", "transportFailed", "terminated"])
    }

    @Test func staleTimersAndEventsAfterTerminationAreIgnored() {
        var driver = started()
        driver.handle(.response(Messages.response(180, to: Self.invite)))
        #expect(driver.fireStale(.a).isEmpty)
        #expect(driver.fireStale(.b).isEmpty)
        #expect(driver.fireStale(.d).isEmpty)
        #expect(driver.fireStale(.m).isEmpty)
        #expect(driver.machine.state == .proceeding)
        driver.handle(.transportError)
        #expect(driver.handle(.response(Messages.response(200, to: Self.invite))).isEmpty)
        #expect(driver.fireStale(.b).isEmpty)
        #expect(driver.handle(.transportError).isEmpty)
        #expect(driver.machine.state == .terminated)
    }
}
