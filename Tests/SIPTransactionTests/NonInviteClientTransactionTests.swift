import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.1.2 Figure 6, every transition and timer on a fake clock.
@Suite struct NonInviteClientTransactionTests {
    static let register = Messages.request("REGISTER", uri: "sip:example.com", toTag: nil)

    func started(reliable: Bool = false, timers: TransactionTimerSettings = .rfc3261) -> FakeClockDriver<NonInviteClientTransaction> {
        var driver = FakeClockDriver(NonInviteClientTransaction(request: Self.register, reliableTransport: reliable, timers: timers))
        driver.handle(.start)
        return driver
    }

    @Test func startSendsAndArmsEAndF() {
        var driver = FakeClockDriver(NonInviteClientTransaction(request: Self.register, reliableTransport: false, timers: .rfc3261))
        #expect(driver.machine.state == .trying)
        let actions = driver.handle(.start)
        #expect(summary(actions) == ["send REGISTER", "start E 500ms", "start F 32000ms"])
        #expect(sent(actions) == [Self.register])
    }

    @Test func reliableTransportArmsOnlyF() {
        var driver = FakeClockDriver(NonInviteClientTransaction(request: Self.register, reliableTransport: true, timers: .rfc3261))
        #expect(summary(driver.handle(.start)) == ["send REGISTER", "start F 32000ms"])
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.f] && seconds(firings[0].at) == 32)
        #expect(summary(firings[0].actions) == ["timedOut", "terminated"])
    }

    @Test func timerEDoublesUpToT2UntilTimerF() {
        var driver = started()
        let firings = driver.runUntilIdle()
        let retransmissions = firings.filter { $0.timer == .e }
        #expect(retransmissions.map { seconds($0.at) } == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5])
        #expect(retransmissions.map { summary($0.actions)[1] }
                    == ["start E 1000ms", "start E 2000ms", "start E 4000ms"] + Array(repeating: "start E 4000ms", count: 7))
        #expect(retransmissions.allSatisfy { summary($0.actions)[0] == "send REGISTER" })
        #expect(firings.last!.timer == .f && seconds(firings.last!.at) == 32)
        #expect(summary(firings.last!.actions) == ["cancel E", "timedOut", "terminated"])
    }

    @Test func timerECapFollowsAConfiguredT2() {
        var driver = started(timers: TransactionTimerSettings(t1: .milliseconds(500), t2: .seconds(2)))
        let times = driver.runUntilIdle().filter { $0.timer == .e }.prefix(5).map { seconds($0.at) }
        #expect(times == [0.5, 1.5, 3.5, 5.5, 7.5])
    }

    @Test func provisionalMovesToProceedingWhereTimerEUsesT2() {
        var driver = started()
        driver.fireNext()                       // E at 0.5 s; next interval 1 s
        driver.advance(by: .milliseconds(200))
        #expect(summary(driver.handle(.response(Messages.response(100, to: Self.register, toTag: nil)))) == ["deliver 100"])
        #expect(driver.machine.state == .proceeding)
        let next = driver.fireNext()!          // the E armed in Trying fires at 1.5 s
        #expect(next.timer == .e && seconds(driver.now) == 1.5)
        #expect(summary(next.actions) == ["send REGISTER", "start E 4000ms"])
        #expect(summary(driver.fireNext()!.actions) == ["send REGISTER", "start E 4000ms"])
        #expect(seconds(driver.now) == 5.5)
        #expect(summary(driver.handle(.response(Messages.response(180, to: Self.register)))) == ["deliver 180"])
        #expect(driver.machine.state == .proceeding)
    }

    @Test func timerFInProceedingTimesOut() {
        var driver = started()
        driver.handle(.response(Messages.response(100, to: Self.register, toTag: nil)))
        let firings = driver.runUntilIdle()
        #expect(firings.last!.timer == .f && seconds(firings.last!.at) == 32)
        #expect(summary(firings.last!.actions) == ["cancel E", "timedOut", "terminated"])
    }

    @Test func finalInTryingCompletesUntilTimerK() {
        var driver = started()
        let ok = Messages.response(200, to: Self.register)
        #expect(summary(driver.handle(.response(ok))) == ["cancel E", "cancel F", "deliver 200", "start K 5000ms"])
        #expect(driver.machine.state == .completed)
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.k] && seconds(firings[0].at) == 5)
        #expect(summary(firings[0].actions) == ["terminated"])
    }

    @Test func timerKIsT4() {
        var driver = started(timers: TransactionTimerSettings(t4: .seconds(3)))
        #expect(summary(driver.handle(.response(Messages.response(404, to: Self.register))))
                    == ["cancel E", "cancel F", "deliver 404", "start K 3000ms"])
    }

    @Test func finalInProceedingCompletes() {
        var driver = started()
        driver.handle(.response(Messages.response(100, to: Self.register, toTag: nil)))
        #expect(summary(driver.handle(.response(Messages.response(401, to: Self.register))))
                    == ["cancel E", "cancel F", "deliver 401", "start K 5000ms"])
        #expect(driver.machine.state == .completed)
    }

    @Test func completedAbsorbsRetransmissions() {
        var driver = started()
        let ok = Messages.response(200, to: Self.register)
        driver.handle(.response(ok))
        #expect(driver.handle(.response(ok)).isEmpty)
        #expect(driver.handle(.response(Messages.response(180, to: Self.register))).isEmpty)
        #expect(driver.handle(.transportError).isEmpty)
        #expect(driver.fireStale(.e).isEmpty)
        #expect(driver.fireStale(.f).isEmpty)
        #expect(driver.machine.state == .completed)
    }

    @Test func reliableTransportLeavesCompletedAtOnce() {
        var driver = started(reliable: true)
        #expect(summary(driver.handle(.response(Messages.response(200, to: Self.register))))
                    == ["cancel F", "deliver 200", "terminated"])
        #expect(driver.machine.state == .terminated)
    }

    @Test func transportErrorInTryingOrProceedingTerminates() {
        var trying = started()
        #expect(summary(trying.handle(.transportError)) == ["cancel E", "cancel F", "transportFailed", "terminated"])
        var proceeding = started()
        proceeding.handle(.response(Messages.response(100, to: Self.register, toTag: nil)))
        #expect(summary(proceeding.handle(.transportError)) == ["cancel E", "cancel F", "transportFailed", "terminated"])
        #expect(proceeding.machine.state == .terminated)
        #expect(proceeding.handle(.response(Messages.response(200, to: Self.register))).isEmpty)
    }

    @Test func staleTimerKInTryingIsIgnored() {
        var driver = started()
        #expect(driver.fireStale(.k).isEmpty)
        #expect(driver.fireStale(.a).isEmpty)
        #expect(driver.machine.state == .trying)
    }
}
