import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.2.2 Figure 8, every transition and timer on a fake clock.
@Suite struct NonInviteServerTransactionTests {
    static let options = Messages.request("OPTIONS")

    func received(reliable: Bool = false, timers: TransactionTimerSettings = .rfc3261) -> FakeClockDriver<NonInviteServerTransaction> {
        var driver = FakeClockDriver(NonInviteServerTransaction(request: Self.options, reliableTransport: reliable, timers: timers))
        driver.handle(.request(Self.options))
        return driver
    }

    @Test func theRequestIsDeliveredOnceAndRetransmissionsAbsorbedInTrying() {
        var driver = FakeClockDriver(NonInviteServerTransaction(request: Self.options, reliableTransport: false, timers: .rfc3261))
        #expect(driver.handle(.request(Self.options)) == [.deliver(Self.options)])
        #expect(driver.machine.state == .trying)
        #expect(driver.handle(.request(Self.options)).isEmpty)
        #expect(driver.handle(.transportError).isEmpty)             // nothing sent yet
        #expect(driver.fireStale(.j).isEmpty)
        #expect(driver.machine.state == .trying)
    }

    @Test func provisionalMovesToProceedingAndAnswersRetransmissions() {
        var driver = received()
        let trying = Messages.response(100, to: Self.options, toTag: nil)
        #expect(driver.handle(.respond(trying)) == [.send(trying)])
        #expect(driver.machine.state == .proceeding)
        #expect(driver.handle(.request(Self.options)) == [.send(trying)])
        let progress = Messages.response(183, to: Self.options)
        #expect(driver.handle(.respond(progress)) == [.send(progress)])
        #expect(driver.handle(.request(Self.options)) == [.send(progress)])
        #expect(driver.machine.state == .proceeding)
    }

    @Test func finalInTryingCompletesUntilTimerJ() {
        var driver = received()
        driver.advance(by: .seconds(1))
        let ok = Messages.response(200, to: Self.options)
        #expect(summary(driver.handle(.respond(ok))) == ["send 200", "start J 32000ms"])
        #expect(driver.machine.state == .completed)
        #expect(driver.handle(.request(Self.options)) == [.send(ok)])
        #expect(driver.handle(.respond(Messages.response(500, to: Self.options))).isEmpty)   // refused
        #expect(driver.handle(.respond(Messages.response(180, to: Self.options))).isEmpty)   // refused
        let firings = driver.runUntilIdle()
        #expect(firings.map(\.timer) == [.j] && seconds(firings[0].at) == 33)
        #expect(summary(firings[0].actions) == ["terminated"])
        #expect(driver.machine.state == .terminated)
        #expect(driver.handle(.request(Self.options)).isEmpty)
    }

    @Test func timerJIs64T1() {
        var driver = received(timers: TransactionTimerSettings(t1: .milliseconds(250)))
        #expect(summary(driver.handle(.respond(Messages.response(404, to: Self.options)))) == ["send 404", "start J 16000ms"])
    }

    @Test func finalInProceedingCompletes() {
        var driver = received()
        driver.handle(.respond(Messages.response(100, to: Self.options, toTag: nil)))
        #expect(summary(driver.handle(.respond(Messages.response(486, to: Self.options)))) == ["send 486", "start J 32000ms"])
        #expect(driver.machine.state == .completed)
    }

    @Test func reliableTransportLeavesCompletedAtOnce() {
        var driver = received(reliable: true)
        #expect(summary(driver.handle(.respond(Messages.response(200, to: Self.options)))) == ["send 200", "terminated"])
        #expect(driver.machine.state == .terminated)
    }

    @Test func transportErrorInProceedingOrCompletedTerminates() {
        var proceeding = received()
        proceeding.handle(.respond(Messages.response(100, to: Self.options, toTag: nil)))
        #expect(summary(proceeding.handle(.transportError)) == ["transportFailed", "terminated"])
        var completed = received()
        completed.handle(.respond(Messages.response(200, to: Self.options)))
        #expect(summary(completed.handle(.transportError)) == ["cancel J", "transportFailed", "terminated"])
        #expect(completed.machine.state == .terminated)
    }
}
