import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.2.1 Figure 7 with RFC 6026 §7.1 and §8.5-§8.7, every transition and timer on a fake clock.
@Suite struct InviteServerTransactionTests {
    static let invite = Messages.invite(extraHeaders: ["Timestamp: 54.2"])
    static let ack = Messages.ack(for: invite)

    func received(reliable: Bool = false, timers: TransactionTimerSettings = .rfc3261) -> FakeClockDriver<InviteServerTransaction> {
        var driver = FakeClockDriver(InviteServerTransaction(request: Self.invite, reliableTransport: reliable, timers: timers))
        driver.handle(.request(Self.invite))
        return driver
    }

    func completed(reliable: Bool = false) -> FakeClockDriver<InviteServerTransaction> {
        var driver = received(reliable: reliable)
        driver.handle(.respond(Messages.response(486, to: Self.invite)))
        return driver
    }

    @Test func theInviteIsDeliveredAndTheTryingTimerArmed() {
        var driver = FakeClockDriver(InviteServerTransaction(request: Self.invite, reliableTransport: false, timers: .rfc3261))
        #expect(driver.machine.state == .proceeding)
        let actions = driver.handle(.request(Self.invite))
        #expect(summary(actions) == ["deliver INVITE", "start 100-Trying 200ms"])
        #expect(actions.first == .deliver(Self.invite))
        #expect(driver.machine.state == .proceeding)
    }

    @Test func theTransactionSends100TryingWhenTheTUIsSlow() throws {
        var driver = received()
        #expect(driver.handle(.request(Self.invite)).isEmpty)      // nothing to repeat yet
        let next = driver.fireNext()
        let firing = try #require(next)
        #expect(firing.timer == .trying100 && seconds(driver.now) == 0.2)
        #expect(summary(firing.actions) == ["send 100"])
        let trying = try #require(sent(firing.actions).first)
        #expect(try trying.to()?.tag == nil)
        #expect(trying.values(.via) == Self.invite.values(.via))
        #expect(trying.firstValue(.cseq) == Self.invite.firstValue(.cseq))
        #expect(trying.firstValue(.timestamp) == "54.2")
        #expect(driver.machine.lastProvisional == trying)
        #expect(driver.handle(.request(Self.invite)) == [.send(trying)])
    }

    @Test func aZeroTryingDelaySends100AtOnce() {
        var driver = FakeClockDriver(InviteServerTransaction(request: Self.invite, reliableTransport: false,
                                                             timers: TransactionTimerSettings(trying100Delay: .zero)))
        #expect(summary(driver.handle(.request(Self.invite))) == ["deliver INVITE", "send 100"])
        #expect(driver.deadlines.isEmpty)
    }

    @Test func provisionalFromTheTUCancelsTheTryingTimerAndAnswersRetransmissions() {
        var driver = received()
        driver.advance(by: .milliseconds(50))
        let ringing = Messages.response(180, to: Self.invite)
        #expect(summary(driver.handle(.respond(ringing))) == ["cancel 100-Trying", "send 180"])
        #expect(driver.machine.state == .proceeding)
        #expect(driver.fireStale(.trying100).isEmpty)
        #expect(driver.handle(.request(Self.invite)) == [.send(ringing)])
        let progress = Messages.response(183, to: Self.invite)
        #expect(driver.handle(.respond(progress)) == [.send(progress)])
        #expect(driver.handle(.request(Self.invite)) == [.send(progress)])
        #expect(driver.handle(.request(Self.ack)).isEmpty)         // an ACK before any final: ignored
        #expect(driver.machine.state == .proceeding)
    }

    @Test func failureResponseCompletesWithTimersGAndH() {
        var driver = received()
        let busy = Messages.response(486, to: Self.invite)
        #expect(summary(driver.handle(.respond(busy))) == ["cancel 100-Trying", "send 486", "start G 500ms", "start H 32000ms"])
        #expect(driver.machine.state == .completed)
        #expect(driver.machine.finalResponse == busy)
    }

    @Test func timerGDoublesUpToT2UntilTimerHTimesOut() {
        var driver = completed()
        let firings = driver.runUntilIdle()
        let retransmissions = firings.filter { $0.timer == .g }
        #expect(retransmissions.map { seconds($0.at) } == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5])
        #expect(retransmissions.map { summary($0.actions) }
                    == [1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000, 4000].map { ["send 486", "start G \($0)ms"] })
        #expect(firings.last!.timer == .h && seconds(firings.last!.at) == 32)
        #expect(summary(firings.last!.actions) == ["cancel G", "timedOut", "terminated"])
        #expect(driver.machine.state == .terminated)
    }

    @Test func timerHFollowsAConfiguredT1() {
        var driver = received(reliable: true, timers: TransactionTimerSettings(t1: .seconds(1), t2: .seconds(4)))
        #expect(summary(driver.handle(.respond(Messages.response(500, to: Self.invite))))
                    == ["cancel 100-Trying", "send 500", "start H 64000ms"])
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.h] && seconds(firings[0].at) == 64)
    }

    @Test func completedAnswersRetransmissionsWithTheFinalResponse() {
        var driver = completed()
        let busy = driver.machine.finalResponse!
        driver.fireNext()
        #expect(driver.handle(.request(Self.invite)) == [.send(busy)])
        #expect(driver.handle(.respond(Messages.response(200, to: Self.invite))).isEmpty)   // refused
        #expect(driver.handle(.respond(Messages.response(180, to: Self.invite))).isEmpty)   // refused
        #expect(driver.machine.state == .completed)
    }

    @Test func ackConfirmsAndTimerIEnds() {
        var driver = completed()
        driver.advance(by: .milliseconds(300))
        #expect(summary(driver.handle(.request(Self.ack))) == ["cancel G", "cancel H", "start I 5000ms"])
        #expect(driver.machine.state == .confirmed)
        #expect(driver.handle(.request(Self.ack)).isEmpty)
        #expect(driver.handle(.request(Self.invite)).isEmpty)
        #expect(driver.handle(.respond(Messages.response(486, to: Self.invite))).isEmpty)
        #expect(driver.handle(.transportError).isEmpty)
        #expect(driver.fireStale(.g).isEmpty)
        #expect(driver.fireStale(.h).isEmpty)
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.i] && seconds(firings[0].at) == 5.3)
        #expect(summary(firings[0].actions) == ["terminated"])
    }

    @Test func reliableTransportArmsNoGAndLeavesConfirmedAtOnce() {
        var driver = completed(reliable: true)
        #expect(driver.deadlines.keys.sorted { $0.rawValue < $1.rawValue } == [.h])
        #expect(summary(driver.handle(.request(Self.ack))) == ["cancel H", "terminated"])
        #expect(driver.machine.state == .terminated)
    }

    @Test func twoHundredEntersAcceptedUntilTimerL() {
        var driver = received()
        let ok = Messages.response(200, to: Self.invite)
        #expect(driver.machine.request == Self.invite)
        #expect(summary(driver.handle(.respond(ok))) == ["cancel 100-Trying", "send 200", "start L 32000ms"])
        #expect(driver.machine.state == .accepted)
        // Accepted keeps neither the INVITE nor a response: the TU resends its 2xx (§13.3.1.4).
        #expect(driver.machine.request == nil)
        #expect(driver.machine.lastProvisional == nil)
        #expect(driver.machine.finalResponse == nil)
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.l] && seconds(firings[0].at) == 32)
        #expect(summary(firings[0].actions) == ["terminated"])
    }

    @Test func acceptedAbsorbsTheInviteSendsTU2xxAndPassesTheAckUp() {
        var driver = received(reliable: true)
        let ok = Messages.response(200, to: Self.invite)
        driver.handle(.respond(ok))
        #expect(driver.handle(.request(Self.invite)).isEmpty)
        #expect(driver.handle(.respond(ok)) == [.send(ok)])
        let forked = Messages.response(200, to: Self.invite, toTag: "carol7")
        #expect(driver.handle(.respond(forked)) == [.send(forked)])
        #expect(driver.handle(.respond(Messages.response(486, to: Self.invite))).isEmpty)
        #expect(driver.handle(.respond(Messages.response(180, to: Self.invite))).isEmpty)
        let ack2xx = Messages.ack(for: Self.invite)
        #expect(driver.handle(.request(ack2xx)) == [.deliver(ack2xx)])
        #expect(driver.handle(.transportError) == [.transportFailed])
        #expect(driver.fireStale(.g).isEmpty)
        #expect(driver.machine.state == .accepted)
    }

    @Test func transportErrorInProceedingTerminates() {
        var driver = received()
        #expect(summary(driver.handle(.transportError)) == ["cancel 100-Trying", "transportFailed", "terminated"])
        #expect(driver.machine.state == .terminated)
        #expect(driver.handle(.request(Self.invite)).isEmpty)
        #expect(driver.handle(.respond(Messages.response(200, to: Self.invite))).isEmpty)
    }

    @Test func transportErrorInCompletedTerminates() {
        var driver = completed()
        #expect(summary(driver.handle(.transportError)) == ["cancel G", "cancel H", "transportFailed", "terminated"])
    }

    @Test func staleTimersInProceedingAreIgnored() {
        var driver = received()
        for timer in [TransactionTimer.g, .h, .i, .l, .a] { #expect(driver.fireStale(timer).isEmpty) }
        #expect(driver.machine.state == .proceeding)
    }
}
