import Testing
import SIPTransaction
@testable import ZvonokServer

/// The worker's timer wheel: never early, cancellation, long deadlines, ordering.
@Suite struct TimerWheelTests {
    let t0 = Instant(nanoseconds: 1_000_000_000)

    @Test func timersFireAtTheirTickNeverBefore() {
        var wheel = TimerWheel<String>(tick: .milliseconds(10), slotCount: 8, start: t0)
        _ = wheel.schedule("a", at: t0 + .milliseconds(500))
        _ = wheel.schedule("b", at: t0 + .milliseconds(15))
        #expect(wheel.advance(to: t0 + .milliseconds(14)).isEmpty)
        #expect(wheel.advance(to: t0 + .milliseconds(20)) == ["b"])
        #expect(wheel.advance(to: t0 + .milliseconds(499)).isEmpty)  // several turns of an 8-slot wheel
        #expect(wheel.advance(to: t0 + .milliseconds(500)) == ["a"])
        #expect(wheel.count == 0)
    }

    @Test func cancelledTimersDoNotFire() {
        var wheel = TimerWheel<Int>(start: t0)
        let token = wheel.schedule(1, at: t0 + .milliseconds(100))
        _ = wheel.schedule(2, at: t0 + .milliseconds(100))
        wheel.cancel(token)
        wheel.cancel(token)
        #expect(wheel.count == 1)
        #expect(wheel.advance(to: t0 + .seconds(1)) == [2])
    }

    @Test func aLongGapFiresEverythingDueInDeadlineOrder() {
        var wheel = TimerWheel<Int>(tick: .milliseconds(10), slotCount: 4, start: t0)
        _ = wheel.schedule(3, at: t0 + .seconds(32))
        _ = wheel.schedule(1, at: t0 + .milliseconds(30))
        _ = wheel.schedule(2, at: t0 + .seconds(2))
        _ = wheel.schedule(4, at: t0 + .seconds(64))
        #expect(wheel.advance(to: t0 + .seconds(40)) == [1, 2, 3])
        #expect(wheel.advance(to: t0 + .seconds(64)) == [4])
    }

    @Test func pastDeadlinesFireOnTheNextAdvance() {
        var wheel = TimerWheel<Int>(start: t0)
        _ = wheel.advance(to: t0 + .seconds(5))
        _ = wheel.schedule(7, at: t0)
        #expect(wheel.advance(to: t0 + .seconds(5)).isEmpty)  // that tick was already visited…
        #expect(wheel.advance(to: t0 + .seconds(5) + .milliseconds(10)) == [7])  // …so the next one
    }
}

/// Tags and branches from the kernel's CSPRNG, buffered.
@Suite struct RandomTokensTests {
    @Test func tokensAreDistinctAcrossRefills() {
        let tokens = RandomTokens()
        let drawn = (0..<1_500).map { _ in tokens.token() }
        #expect(Set(drawn).count == drawn.count)
        #expect(drawn.allSatisfy { !$0.isEmpty && $0.count <= 13 && $0.allSatisfy { $0.isLetter || $0.isNumber } })
    }
}
