import SIPCore
import SIPTransaction
import Testing
import ZvonokTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The seeded simulation of the transaction layer (ARCHITECTURE "Tests, in layers" 3): 40 user-agent
/// clients and a server, 2,000 transactions (OPTIONS, MESSAGE, REGISTER, INVITE, and the CANCELs
/// the clients send) per seed over links that lose 10-30 %, duplicate 5 % and reorder datagrams;
/// then the invariants of `TransactionSimulation.check(outcome:)`. Every failure names its seed;
/// `ZVONOK_SIM_SEED=<n> swift test --filter SimulationTests` replays that one seed, and
/// `ZVONOK_SIM_SEEDS=1-200` soaks over a range.
@Suite struct TransactionSimulationTests {
    /// The seeds to run (loss 10/20/30 % by seed % 3): `ZVONOK_SIM_SEED=n` alone when set, or a soak
    /// over `ZVONOK_SIM_SEEDS=first-last`, else a fixed set.
    static let seeds: [UInt64] = {
        func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        if let text = environment("ZVONOK_SIM_SEED"), let seed = UInt64(text) { return [seed] }
        if let text = environment("ZVONOK_SIM_SEEDS") {
            let bounds = text.split(separator: "-").compactMap { UInt64($0) }
            if bounds.count == 2, bounds[0] <= bounds[1] { return Array(bounds[0]...bounds[1]) }
        }
        // Seed 71 (30 % loss) loses every copy of one INVITE's final response: the UA's CANCEL and the table's cancelGrace (§9.1) end it.
        return [1, 2, 3, 4, 5, 71]
    }()

    @Test(arguments: seeds)
    func lossyLinksKeepEveryInvariant(seed: UInt64) {
        let scenario = Scenario.lossy(seed: seed)
        var simulation = TransactionSimulation(scenario)
        let outcome = simulation.run()
        let summary = simulation.summary
        print("simulation \(scenario): \(summary)")
        let problems = simulation.check(outcome: outcome)
        #expect(problems.isEmpty, "\(scenario): \(problems.count) violations, first: \(problems.prefix(10))")
        // The run did the work it is meant to: every planned transaction started, the network
        // lost and duplicated, and retransmissions recovered (not a vacuous run).
        #expect(summary.transactions - summary.cancels == scenario.transactionCount, "\(scenario)")
        #expect(summary.network.dropped > 0 && summary.network.duplicated > 0, "\(scenario)")
        #expect(summary.requestRetransmissions > 0, "\(scenario)")
        #expect(summary.finals[487, default: 0] > 0 && summary.finals[486, default: 0] > 0, "\(scenario)")
        // With 11 tries of every non-INVITE request and 7 of every INVITE, a timeout needs a long
        // run of losses: possible, but rare.
        #expect(summary.timeouts * 100 < summary.transactions, "\(scenario): \(summary.timeouts) timeouts")
    }

    @Test func aLosslessRunHasNoTimeoutsAndExactMessageCounts() {
        let scenario = Scenario.lossless(seed: 42)
        var simulation = TransactionSimulation(scenario)
        let outcome = simulation.run()
        let problems = simulation.check(outcome: outcome)
        #expect(problems.isEmpty, "\(scenario): \(problems.prefix(10))")
        let summary = simulation.summary
        let records = simulation.records
        let calls = simulation.server.calls
        #expect(summary.timeouts == 0 && summary.stuckInvites == 0 && summary.serverTimerH == 0, "\(scenario)")
        #expect(summary.strayResponses == 0 && summary.unacknowledged2xx == 0, "\(scenario)")
        #expect(summary.network.dropped == 0 && summary.network.duplicated == 0, "\(scenario)")
        #expect(summary.network.delivered == summary.network.sent, "\(scenario)")

        // Each request went out once and was delivered to the server TU once; each final response
        // came back once and was delivered once.
        #expect(records.allSatisfy { $0.requestSends == 1 && $0.finalDeliveries == 1 && $0.finalArrivals == 1 }, "\(scenario)")
        #expect(calls.count == records.count, "\(scenario)")
        let invites = records.filter { $0.method == .invite }.count
        let wire = simulation.wire
        for method in [SIPMethod.options, .message, .register, .invite, .cancel] {
            #expect(wire[method.name, default: 0] == records.filter { $0.method == method }.count, "\(scenario): \(method)")
        }
        // One ACK per INVITE: the transaction's for a 486 or 487, the TU's for a 200.
        #expect(wire["ACK"] == invites, "\(scenario)")
        #expect(records.filter { $0.method == .invite }.allSatisfy { $0.transactionAcks + $0.userAgentAcks == 1 }, "\(scenario)")
        // The server transaction's own 100 Trying exactly when its TU rang later than 200 ms (§17.2.1);
        // the TU's 180 once per INVITE that rang; one final per request, no 2xx retransmission.
        let inviteCalls = calls.filter { $0.request.method == .invite }
        let trying = inviteCalls.filter { $0.ringDelay > scenario.timers.trying100Delay }.count
        #expect(wire["100", default: 0] == trying, "\(scenario)")
        #expect(wire["180", default: 0] == inviteCalls.filter(\.ringingSent).count, "\(scenario)")
        let finals = [200, 481, 486, 487].reduce(0) { $0 + wire[String($1), default: 0] }
        #expect(finals == calls.count, "\(scenario)")
        #expect(summary.network.sent == 2 * records.count + invites + trying + inviteCalls.filter(\.ringingSent).count,
                "\(scenario)")
        print("simulation \(scenario): \(summary)")
    }

    @Test func aSeedReplaysTheSameRun() {
        func run(_ seed: UInt64) -> SimulationSummary {
            var simulation = TransactionSimulation(.lossy(seed: seed, clients: 10, transactionsPerClient: 20))
            _ = simulation.run()
            return simulation.summary
        }
        let first = run(7)
        #expect(first == run(7))
        #expect(first.digest != run(8).digest)
    }

    /// The checks can fail: a server TU that leaves one request in 50 unanswered breaks them.
    @Test func theChecksCatchAnUnansweredRequest() {
        var scenario = Scenario.lossy(seed: 11, clients: 10, transactionsPerClient: 20)
        scenario.faults.serverIgnoresEvery = 50
        var simulation = TransactionSimulation(scenario)
        let outcome = simulation.run()
        let problems = simulation.check(outcome: outcome)
        #expect(problems.contains { $0.hasSuffix("never answered") }, "\(scenario): \(problems.prefix(5))")
        #expect(problems.contains { $0.contains("server transactions left") }, "\(scenario)")
    }

    /// The checks can fail: client TUs that ACK a non-2xx themselves (the transaction's job) break them.
    @Test func theChecksCatchATUThatAcksANon2xx() {
        var scenario = Scenario.lossy(seed: 12, clients: 10, transactionsPerClient: 20)
        scenario.faults.clientTUAcksNon2xx = true
        var simulation = TransactionSimulation(scenario)
        let outcome = simulation.run()
        let problems = simulation.check(outcome: outcome)
        #expect(problems.contains { $0.contains("ACKed by the TU") }, "\(scenario): \(problems.prefix(5))")
    }
}
