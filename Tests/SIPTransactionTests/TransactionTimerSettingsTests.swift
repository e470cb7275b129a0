import Testing
@testable import SIPTransaction

/// RFC 3261 Table 4 values and the Instant arithmetic the drivers rely on.
@Suite struct TransactionTimerSettingsTests {
    @Test func rfc3261Defaults() {
        let t = TransactionTimerSettings.rfc3261
        #expect(t.t1 == .milliseconds(500) && t.t2 == .seconds(4) && t.t4 == .seconds(5))
        #expect(t.trying100Delay == .milliseconds(200))
        #expect(t.timerA == .milliseconds(500) && t.timerE == .milliseconds(500) && t.timerG == .milliseconds(500))
        for timeout in [t.timerB, t.timerF, t.timerH, t.timerL, t.timerM, t.timerJ(reliableTransport: false)] {
            #expect(timeout == .seconds(32))
        }
        #expect(t.timerD(reliableTransport: false) == .seconds(32) && t.timerD(reliableTransport: true) == .zero)
        #expect(t.timerI(reliableTransport: false) == .seconds(5) && t.timerI(reliableTransport: true) == .zero)
        #expect(t.timerJ(reliableTransport: true) == .zero)
        #expect(t.timerK(reliableTransport: false) == .seconds(5) && t.timerK(reliableTransport: true) == .zero)
    }

    @Test func derivedValuesFollowT1AndT4() {
        let t = TransactionTimerSettings(t1: .milliseconds(200), t2: .seconds(2), t4: .seconds(3))
        #expect(t.timerB == .milliseconds(12_800) && t.timerH == .milliseconds(12_800) && t.timerM == .milliseconds(12_800))
        #expect(t.timerK(reliableTransport: false) == .seconds(3))
        #expect(t.timerD(reliableTransport: false) == .seconds(32))
        #expect(t.doubledCappedAtT2(.milliseconds(800)) == .milliseconds(1_600))
        #expect(t.doubledCappedAtT2(.milliseconds(1_600)) == .seconds(2))
        #expect(t.doubledCappedAtT2(.seconds(2)) == .seconds(2))
    }

    @Test func instantArithmetic() {
        let start = Instant(nanoseconds: 1_000)
        #expect(start + .milliseconds(1) == Instant(nanoseconds: 1_001_000))
        #expect(start + .seconds(2) - start == .seconds(2))
        #expect(start - (start + .microseconds(3)) == .microseconds(-3))
        #expect(start < start + .nanoseconds(1))
        #expect(Instant.zero + .seconds(-1) == Instant(nanoseconds: -1_000_000_000))
    }
}
