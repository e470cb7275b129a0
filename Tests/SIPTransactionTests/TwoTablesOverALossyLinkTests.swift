import SIPCore
import Testing
@testable import SIPTransaction

/// A UAC's table and a UAS's table joined by a simulated UDP link with 10 ms latency that drops
/// chosen messages, on one fake clock: the transaction layer alone recovers every loss.
@Suite struct TwoTablesOverALossyLinkTests {
    enum Side: Hashable { case uac, uas }
    struct TimerKey: Hashable { var side: Side; var id: TransactionID; var timer: TransactionTimer }

    struct Simulation {
        var now = Instant.zero
        var tables: [Side: TransactionTable<Side>] = [.uac: .init(timers: .rfc3261, capacity: 8),
                                                      .uas: .init(timers: .rfc3261, capacity: 8)]
        var timers: [TimerKey: Instant] = [:]
        var inFlight: [(at: Instant, to: Side, message: SIPMessage)] = []
        /// How many copies of each message (by `label`) the link drops, first ones first.
        var drops: [String: Int]
        /// What reached the transaction users, in order.
        var uacTU: [String] = []
        var uasTU: [String] = []
        var sentOnWire: [String] = []
        /// The UAS TU's answers to a new INVITE.
        let answers: [Int]

        init(drops: [String: Int], answers: [Int]) {
            self.drops = drops
            self.answers = answers
        }

        mutating func perform(_ outputs: [TransactionTableOutput<Side>], at side: Side) {
            for output in outputs {
                switch output {
                case .send(let message, let peer, _):
                    sentOnWire.append("\(side)→\(peer) \(label(message))")
                    if let n = drops[label(message)], n > 0 {
                        drops[label(message)] = n - 1
                    } else {
                        inFlight.append((now + .milliseconds(10), peer, message))
                    }
                case .request(let request, _, let id):
                    uasTU.append("request \(label(request))")
                    for status in answers {
                        let response = request.makeResponse(statusCode: status, reason: Messages.reason(status), toTag: "uas1")
                        perform(tables[side]!.respond(response, transaction: id, at: now), at: side)
                    }
                case .response(let response, _):
                    uacTU.append("response \(label(response))")
                case .strayAck(let ack, _):
                    uasTU.append("stray \(label(ack))")
                case .strayResponse(let response, _):
                    uacTU.append("stray \(label(response))")
                case .startTimer(let timer, let after, let id):
                    timers[TimerKey(side: side, id: id, timer: timer)] = now + after
                case .cancelTimer(let timer, let id):
                    timers[TimerKey(side: side, id: id, timer: timer)] = nil
                case .timedOut(let id):
                    if side == .uac { uacTU.append("timedOut \(id.method)") } else { uasTU.append("timedOut \(id.method)") }
                case .transportFailed:
                    Issue.record("no transport fails on this link")
                case .terminated(let id):
                    #expect(!timers.keys.contains { $0.side == side && $0.id == id }, "timers left for \(id)")
                case .rejected(_, _, let reason):
                    Issue.record("rejected: \(reason)")
                }
            }
        }

        /// Runs the link and the timers until nothing is left to happen.
        mutating func run(limit: Int = 1_000) {
            for _ in 0..<limit {
                let nextMessage = inFlight.indices.min { inFlight[$0].at < inFlight[$1].at }
                let nextTimer = timers.min { ($0.value, $0.key.timer.rawValue) < ($1.value, $1.key.timer.rawValue) }
                if let m = nextMessage, nextTimer.map({ inFlight[m].at <= $0.value }) ?? true {
                    let (at, to, message) = inFlight.remove(at: m)
                    now = at
                    let from: Side = to == .uac ? .uas : .uac
                    let outputs = message.isRequest
                        ? tables[to]!.receiveRequest(message, from: from, reliableTransport: false, at: now)
                        : tables[to]!.receiveResponse(message, from: from, at: now)
                    perform(outputs, at: to)
                } else if let (key, at) = nextTimer {
                    timers[key] = nil
                    now = at
                    perform(tables[key.side]!.timerFired(key.timer, transaction: key.id, at: now), at: key.side)
                } else {
                    return
                }
            }
            Issue.record("the simulation did not settle")
        }

        mutating func call(_ request: SIPMessage) {
            let (_, outputs) = tables[.uac]!.sendRequest(request, to: .uas, reliableTransport: false, at: now)
            perform(outputs, at: .uac)
            run()
        }
    }

    static let invite = Messages.invite(branch: "z9hG4bKsim1", sentBy: "uac.example.com:5060")

    @Test func aRejectedCallSurvivesLosingTheInviteTheFinalResponseAndTheAck() {
        var sim = Simulation(drops: ["INVITE": 1, "486": 1, "ACK": 1], answers: [180, 486])
        sim.call(Self.invite)
        #expect(sim.uasTU == ["request INVITE"])
        #expect(sim.uacTU == ["response 180", "response 486"])
        #expect(sim.sentOnWire == [
            "uac→uas INVITE",          // lost
            "uac→uas INVITE",          // Timer A, 0.5 s
            "uas→uac 180", "uas→uac 486",   // the 486 is lost
            "uas→uac 486",             // Timer G
            "uac→uas ACK",             // lost
            "uas→uac 486",             // Timer G again
            "uac→uas ACK",             // absorbed by the INVITE server transaction
        ])
        #expect(sim.tables[.uac]!.count == 0 && sim.tables[.uas]!.count == 0)
        // The UAC's Timer D (32 s) is the last thing to run.
        #expect(seconds(sim.now) > 32 && seconds(sim.now) < 34)
    }

    @Test func anAcceptedCallLeavesTheAckToTheTUs() {
        var sim = Simulation(drops: ["INVITE": 2], answers: [200])
        sim.call(Self.invite)
        #expect(sim.sentOnWire == ["uac→uas INVITE", "uac→uas INVITE", "uac→uas INVITE", "uas→uac 200"])
        #expect(sim.uasTU == ["request INVITE"])
        #expect(sim.uacTU == ["response 200"])
        #expect(sim.tables[.uac]!.count == 0 && sim.tables[.uas]!.count == 0)
    }

    @Test func aRegisterSurvivesLosingTheRequestAndTheResponse() {
        var sim = Simulation(drops: ["REGISTER": 1, "200": 1], answers: [200])
        sim.call(Messages.request("REGISTER", branch: "z9hG4bKsim2", uri: "sip:example.com"))
        #expect(sim.uasTU == ["request REGISTER"])
        #expect(sim.uacTU == ["response 200"])
        #expect(sim.sentOnWire == [
            "uac→uas REGISTER", "uac→uas REGISTER", "uas→uac 200",   // the 200 is lost
            "uac→uas REGISTER", "uas→uac 200",                       // absorbed, answered from Completed
        ])
        #expect(sim.tables[.uac]!.count == 0 && sim.tables[.uas]!.count == 0)
    }

    @Test func anUnansweredInviteTimesOut() {
        var sim = Simulation(drops: ["INVITE": 100], answers: [])
        sim.call(Self.invite)
        #expect(sim.uacTU == ["timedOut INVITE"])
        #expect(sim.sentOnWire.count == 7)     // the INVITE and six Timer A retransmissions
        #expect(seconds(sim.now) == 32)
        #expect(sim.tables[.uac]!.count == 0)
    }
}
