// Transaction-layer benchmarks: whole transaction lifecycles through `TransactionTable` (RFC 3261
// §17) on pre-parsed messages, with the driver's part (sockets, timer wheel) left out: what the
// worker pays per SIP event on top of parsing. Run them as Benchmarks/README.md says.

import Benchmark
import SIPCore
import SIPTransaction

/// The messages, parsed once before anything is timed.
enum Messages {
    static func parse(_ lines: [String]) -> SIPMessage {
        do {
            return try SIPMessage(parsing: lines.joined(separator: "\r\n") + "\r\n\r\n")
        } catch {
            fatalError("SIPTransactionBenchmarks: a fixture does not parse: \(error)")
        }
    }

    static func request(_ method: String, branch: String, cseq: String? = nil, toTag: String? = nil) -> SIPMessage {
        parse([
            "\(method) sip:bob@example.com SIP/2.0",
            "Via: SIP/2.0/UDP client.example.com:5060;branch=\(branch);rport",
            "Max-Forwards: 70",
            "From: Alice <sip:alice@example.com>;tag=a1b2c3",
            "To: Bob <sip:bob@example.com>" + (toTag.map { ";tag=\($0)" } ?? ""),
            "Call-ID: 8f3c1e2a9b7d@client.example.com",
            "CSeq: \(cseq ?? "1 \(method)")",
            "Contact: <sip:alice@192.0.2.10:5060>",
            "User-Agent: bench",
            "Content-Length: 0",
        ])
    }

    static let register = request("REGISTER", branch: "z9hG4bK-reg-1")
    static let registerOK = register.makeResponse(statusCode: 200, reason: "OK", toTag: "srv1")
    static let invite = request("INVITE", branch: "z9hG4bK-inv-1")
    static let trying = invite.makeResponse(statusCode: 100, reason: "Trying")
    static let ringing = invite.makeResponse(statusCode: 180, reason: "Ringing", toTag: "srv2")
    static let inviteOK = invite.makeResponse(statusCode: 200, reason: "OK", toTag: "srv2")
    /// The ACK of the 2xx: a branch of its own (§13.2.2.4), so a stray for the table.
    static let ackOf2xx = request("ACK", branch: "z9hG4bK-ack-1", cseq: "1 ACK", toTag: "srv2")
    static let options = request("OPTIONS", branch: "z9hG4bK-opt-1")
    static let optionsOK = options.makeResponse(statusCode: 200, reason: "OK", toTag: "srv3")
}

/// Every benchmark: 1,000 lifecycles (or events) per measured iteration (`scalingFactor: .kilo`),
/// so the figures are per lifecycle.
func transactionBenchmarkConfiguration() -> Benchmark.Configuration {
    .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )
}

typealias Table = TransactionTable<Int>
let peer = 7
let now = Instant(nanoseconds: 1_000_000_000)

func newTable() -> Table { Table(timers: .rfc3261, capacity: 1_024) }

func fail(_ what: String, _ outputs: [Table.Output]) -> Never {
    fatalError("SIPTransactionBenchmarks: \(what): \(outputs)")
}

func isTerminated(_ outputs: [Table.Output]) -> Bool {
    if case .terminated = outputs.last { true } else { false }
}

// MARK: The lifecycles (each checked once before timing)

/// REGISTER in, 200 out, Timer J: 3 events.
@inline(__always)
func nonInviteServerLifecycle(_ table: inout Table, _ id: TransactionID) -> Int {
    let a = table.receiveRequest(Messages.register, from: peer, reliableTransport: false, at: now)
    let b = table.respond(Messages.registerOK, transaction: id, at: now)
    let c = table.timerFired(.j, transaction: id, at: now)
    return a.count &+ b.count &+ c.count
}

/// INVITE in, 100, 180 and 200 out, the 2xx's ACK in (stray), Timer L: 6 events.
@inline(__always)
func inviteServerLifecycle(_ table: inout Table, _ id: TransactionID) -> Int {
    let a = table.receiveRequest(Messages.invite, from: peer, reliableTransport: false, at: now)
    let b = table.respond(Messages.trying, transaction: id, at: now)
    let c = table.respond(Messages.ringing, transaction: id, at: now)
    let d = table.respond(Messages.inviteOK, transaction: id, at: now)
    let e = table.receiveRequest(Messages.ackOf2xx, from: peer, reliableTransport: false, at: now)
    let f = table.timerFired(.l, transaction: id, at: now)
    return a.count &+ b.count &+ c.count &+ d.count &+ e.count &+ f.count
}

/// OPTIONS out, 200 in, Timer K: 3 events.
@inline(__always)
func nonInviteClientLifecycle(_ table: inout Table) -> Int {
    let (id, a) = table.sendRequest(Messages.options, to: peer, reliableTransport: false, at: now)
    let b = table.receiveResponse(Messages.optionsOK, from: peer, at: now)
    let c = table.timerFired(.k, transaction: id, at: now)
    return a.count &+ b.count &+ c.count
}

/// Runs each lifecycle once and checks that it ends as the benchmark claims.
func checkLifecycles() {
    let registerID = TransactionID(serverRequest: Messages.register)!
    let inviteID = TransactionID(serverRequest: Messages.invite)!
    var table = newTable()
    var outputs = table.receiveRequest(Messages.register, from: peer, reliableTransport: false, at: now)
    guard case .request = outputs.first else { fail("REGISTER not delivered", outputs) }
    outputs = table.respond(Messages.registerOK, transaction: registerID, at: now)
    guard case .send = outputs.first else { fail("200 not sent", outputs) }
    outputs = table.timerFired(.j, transaction: registerID, at: now)
    guard isTerminated(outputs), table.count == 0 else { fail("Timer J did not end it", outputs) }

    outputs = table.receiveRequest(Messages.invite, from: peer, reliableTransport: false, at: now)
    guard case .request = outputs.first else { fail("INVITE not delivered", outputs) }
    for response in [Messages.trying, Messages.ringing, Messages.inviteOK] {
        outputs = table.respond(response, transaction: inviteID, at: now)
        guard outputs.contains(where: { if case .send = $0 { true } else { false } }) else { fail("not sent", outputs) }
    }
    outputs = table.receiveRequest(Messages.ackOf2xx, from: peer, reliableTransport: false, at: now)
    guard case .strayAck = outputs.first else { fail("the 2xx ACK is not stray", outputs) }
    outputs = table.timerFired(.l, transaction: inviteID, at: now)
    guard isTerminated(outputs), table.count == 0 else { fail("Timer L did not end it", outputs) }

    let (clientID, sent) = table.sendRequest(Messages.options, to: peer, reliableTransport: false, at: now)
    guard case .send = sent.first else { fail("OPTIONS not sent", sent) }
    outputs = table.receiveResponse(Messages.optionsOK, from: peer, at: now)
    guard outputs.contains(where: { if case .response = $0 { true } else { false } }) else { fail("200 not delivered", outputs) }
    outputs = table.timerFired(.k, transaction: clientID, at: now)
    guard isTerminated(outputs), table.count == 0 else { fail("Timer K did not end it", outputs) }
}

let benchmarks: @Sendable () -> Void = {
    checkLifecycles()
    let registerID = TransactionID(serverRequest: Messages.register)!
    let inviteID = TransactionID(serverRequest: Messages.invite)!

    Benchmark("non-INVITE server lifecycle (3 events)", configuration: transactionBenchmarkConfiguration()) { benchmark in
        var table = newTable()
        var total = 0
        for _ in benchmark.scaledIterations { total &+= nonInviteServerLifecycle(&table, registerID) }
        precondition(table.count == 0)
        blackHole(total)
    }

    Benchmark("INVITE server lifecycle (6 events)", configuration: transactionBenchmarkConfiguration()) { benchmark in
        var table = newTable()
        var total = 0
        for _ in benchmark.scaledIterations { total &+= inviteServerLifecycle(&table, inviteID) }
        precondition(table.count == 0)
        blackHole(total)
    }

    Benchmark("non-INVITE client lifecycle (3 events)", configuration: transactionBenchmarkConfiguration()) { benchmark in
        var table = newTable()
        var total = 0
        for _ in benchmark.scaledIterations { total &+= nonInviteClientLifecycle(&table) }
        precondition(table.count == 0)
        blackHole(total)
    }

    // A retransmitted REGISTER: absorbed silently while the TU thinks (Trying), answered with the
    // stored final response once it has answered (Completed). One event per operation.
    Benchmark("retransmission absorbed in Trying (1 event)", configuration: transactionBenchmarkConfiguration()) { benchmark in
        var table = newTable()
        _ = table.receiveRequest(Messages.register, from: peer, reliableTransport: false, at: now)
        var total = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            total &+= table.receiveRequest(Messages.register, from: peer, reliableTransport: false, at: now).count
        }
        benchmark.stopMeasurement()
        precondition(total == 0 && table.count == 1)
        blackHole(total)
    }

    Benchmark("retransmission answered from Completed (1 event)", configuration: transactionBenchmarkConfiguration()) { benchmark in
        var table = newTable()
        _ = table.receiveRequest(Messages.register, from: peer, reliableTransport: false, at: now)
        _ = table.respond(Messages.registerOK, transaction: registerID, at: now)
        var total = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            total &+= table.receiveRequest(Messages.register, from: peer, reliableTransport: false, at: now).count
        }
        benchmark.stopMeasurement()
        precondition(total == benchmark.scaledIterations.count && table.count == 1)
        blackHole(total)
    }
}
