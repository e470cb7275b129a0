import SIPTransaction
import Testing
import ZvonokTesting

/// The pieces of `ZvonokTesting` on their own: the generator, the timer list, the network, `drive`.
@Suite struct SimulationSupportTests {
    @Test func theGeneratorIsSeededAndItsStreamsDiffer() {
        var a = SeededRandom(seed: 9)
        var b = SeededRandom(seed: 9)
        var c = SeededRandom(seed: 9, stream: 1)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        // SplitMix64's published first output for seed 0.
        var splitMix = SplitMix64(seed: 0)
        let firstSplitMix = splitMix.next()
        #expect(firstSplitMix == 0xE220_A839_7B1D_CDAF)
        for _ in 0..<1_000 {
            let below = a.uniform(below: 7)
            let within = a.uniform(in: -3...3)
            let d = a.duration(in: .milliseconds(5)...(.milliseconds(6)))
            #expect(below < 7 && (-3...3).contains(within))
            #expect(d >= .milliseconds(5) && d <= .milliseconds(6))
        }
        let never = a.chance(0)
        let always = a.chance(1)
        #expect(!never && always)
    }

    @Test func timersFireInDeadlineOrderAndArmingReplaces() {
        var timers = SimulatedTimers<String>()
        timers.schedule("b", at: Instant(nanoseconds: 20))
        timers.schedule("a", at: Instant(nanoseconds: 10))
        timers.schedule("c", at: Instant(nanoseconds: 20))
        timers.schedule("a", at: Instant(nanoseconds: 30))   // replaces a@10
        let cancelled = timers.cancel("c")
        let cancelledAgain = timers.cancel("c")
        #expect(cancelled && !cancelledAgain)
        #expect(timers.count == 2)
        let early = timers.popDue(notAfter: Instant(nanoseconds: 19))
        let first = timers.popDue(notAfter: Instant(nanoseconds: 100))
        let second = timers.popDue(notAfter: Instant(nanoseconds: 100))
        let next = timers.nextDeadline()
        #expect(early == nil)
        #expect(first?.key == "b" && first?.at == Instant(nanoseconds: 20))
        #expect(second?.key == "a" && second?.at == Instant(nanoseconds: 30))
        #expect(timers.isEmpty && next == nil)
    }

    @Test func theNetworkLosesDuplicatesAndReordersAtTheConfiguredRates() {
        let link = LinkConditions(latency: .milliseconds(10), jitter: .milliseconds(50), lossProbability: 0.2,
                                  duplicationProbability: 0.1)
        var network = SimulatedNetwork<Int>(random: SeededRandom(seed: 3), defaultConditions: link)
        for i in 0..<10_000 {
            network.send([UInt8(truncatingIfNeeded: i), UInt8(truncatingIfNeeded: i >> 8)], from: 0, to: 1,
                         at: Instant(nanoseconds: Int64(i) * 1_000_000))
        }
        var previous = -1
        var reordered = 0
        var last = Instant.zero
        while let datagram = network.deliverNext(notAfter: Instant(nanoseconds: .max)) {
            #expect(datagram.deliverAt >= last)
            #expect(datagram.deliverAt - datagram.sentAt >= link.minimumDelay)
            #expect(datagram.deliverAt - datagram.sentAt <= link.maximumDelay)
            last = datagram.deliverAt
            let index = Int(datagram.bytes[0]) | Int(datagram.bytes[1]) << 8
            if index < previous { reordered += 1 }
            previous = index
        }
        let s = network.statistics
        #expect(s.sent == 10_000)
        #expect((1_800...2_200).contains(s.dropped))
        #expect((650...950).contains(s.duplicated))   // 10 % of the 8,000 not dropped
        #expect(s.delivered == s.sent - s.dropped + s.duplicated)
        #expect(reordered > 1_000)
    }

    @Test func theNetworkDropsWhatExceedsItsCapacity() {
        var network = SimulatedNetwork<Int>(random: SeededRandom(seed: 1), defaultConditions: .perfect(), capacity: 2)
        for _ in 0..<3 { network.send([1], from: 0, to: 1, at: .zero) }
        #expect(network.inFlightCount == 2 && network.statistics.overflowed == 1)
    }

    /// Two endpoints that answer every datagram with another: `drive` stops at its step cap.
    struct PingPong: Simulation {
        var environment = SimulatedEnvironment<Int, String>(
            network: SimulatedNetwork(random: SeededRandom(seed: 1), defaultConditions: .perfect()))

        mutating func handle(_ event: SimulatedEnvironment<Int, String>.Event) {
            if case .datagram(let d) = event { environment.network.send(d.bytes, from: d.to, to: d.from, at: environment.now) }
        }
    }

    @Test func driveIsBoundedAndStopsAtItsDeadline() {
        var pingPong = PingPong()
        pingPong.environment.network.send([0], from: 0, to: 1, at: .zero)
        let untilDeadline = pingPong.drive(until: Instant(nanoseconds: 10_500_000), maxSteps: 1_000)
        #expect(untilDeadline == .deadlineReached(steps: 10))
        #expect(pingPong.environment.now == Instant(nanoseconds: 10_500_000))
        let capped = pingPong.drive(maxSteps: 50)
        #expect(capped == .stepLimitReached(steps: 50))
        var quiet = PingPong()
        quiet.environment.schedule("once", after: .seconds(1))
        let idle = quiet.drive(maxSteps: 10)
        #expect(idle == .idle(steps: 1))
        #expect(quiet.environment.now == Instant(nanoseconds: 1_000_000_000))
    }
}
