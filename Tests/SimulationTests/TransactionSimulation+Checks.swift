import SIPCore
import SIPTransaction
import ZvonokTesting

/// What a finished run adds up to (printed with the seed, and compared between runs of one seed).
struct SimulationSummary: Equatable, CustomStringConvertible {
    var transactions = 0
    var cancels = 0
    var finals: [Int: Int] = [:]
    var timeouts = 0
    /// INVITEs left in Proceeding because every copy of their final response was lost (see `check`).
    var stuckInvites = 0
    var serverTimerH = 0
    var unacknowledged2xx = 0
    var requestRetransmissions = 0
    var strayResponses = 0
    var network = NetworkStatistics()
    var steps = 0
    var endSeconds = 0.0
    var digest: UInt64 = 0

    var description: String {
        let statuses = finals.keys.sorted().map { "\($0)×\(finals[$0]!)" }.joined(separator: " ")
        return "\(transactions) client transactions (\(cancels) CANCEL); finals \(statuses); \(timeouts) timeouts; "
            + "\(stuckInvites) INVITEs with every final lost; \(serverTimerH) Timer H; \(unacknowledged2xx) 2xx never ACKed; "
            + "\(requestRetransmissions) request retransmissions; \(strayResponses) stray responses; network: "
            + "\(network.sent) sent, \(network.dropped) dropped, \(network.duplicated) duplicated, \(network.delayed) delayed, "
            + "\(network.delivered) delivered; \(steps) steps, \(Int(endSeconds)) s simulated; digest \(String(digest, radix: 16))"
    }
}

extension TransactionSimulation {
    /// The summary of the run so far.
    var summary: SimulationSummary {
        var s = SimulationSummary()
        s.transactions = records.count
        s.cancels = records.filter { $0.method == .cancel }.count
        for r in records {
            if let status = r.finalStatus { s.finals[status, default: 0] += 1 }
            if r.timedOut { s.timeouts += 1 }
            if r.isStuckInProceeding { s.stuckInvites += 1 }
            s.requestRetransmissions += max(0, r.requestSends - 1)
        }
        s.serverTimerH = server.calls.filter(\.timedOut).count
        s.unacknowledged2xx = server.calls.filter { $0.request.method == .invite && $0.finalStatus == 200 && !$0.ackReceived }.count
        s.strayResponses = strayResponsesAtClients
        s.network = environment.network.statistics
        s.endSeconds = Double(environment.now.nanoseconds) / 1e9
        s.digest = digest
        s.steps = steps
        return s
    }

    /// The invariants of a finished run (after `run()` returned `.idle`): what RFC 3261 §17 and the
    /// TU contract guarantee whatever the network did, given that its delay spread is under T1.
    /// Returns the violations, empty when all hold.
    func check(outcome: DriveOutcome) -> [String] {
        var problems = violations + server.violations
        guard case .idle = outcome else {
            return problems + ["the run did not settle: \(outcome) (step cap \(Self.maxSteps))"]
        }
        problems += checkDelaySpread()
        problems += checkClientTransactions()
        problems += checkServerTransactions()
        // Nothing is left: no datagram, no timer (the transactions' and the TUs'), no server
        // transaction; a client transaction only when it is an INVITE that every final copy missed.
        if !environment.timers.isEmpty { problems.append("\(environment.timers.count) timers still armed") }
        if environment.network.inFlightCount != 0 { problems.append("datagrams still in flight") }
        if serverTable.count != 0 { problems.append("\(serverTable.count) server transactions left") }
        let left = clientTables.reduce(0) { $0 + $1.count }
        if left != 0 { problems.append("\(left) client transactions left") }
        return problems
    }

    /// The checks below rely on the network never holding a datagram more than T1 longer than
    /// another: then the last retransmission of a request reaches the server before its server
    /// transaction's Timer J/H/L ends (the client's last retransmission goes out by 64·T1 − T1 after
    /// the first, and the server's timer starts no earlier than the first copy's arrival).
    func checkDelaySpread() -> [String] {
        let spread = scenario.link.maximumDelay - scenario.link.minimumDelay
        return spread < scenario.timers.t1 ? [] : ["the delay spread \(spread) is not under T1: the checks do not hold"]
    }

    private func checkClientTransactions() -> [String] {
        var problems: [String] = []
        var serverFinals: [ServerKey: Int?] = [:]
        for call in server.calls {
            if let branch = call.id.branch { serverFinals[ServerKey(branch: branch, method: call.id.method)] = call.finalStatus }
        }
        func fail(_ record: ClientRecord, _ what: String) { problems.append("\(record.id) (\(record.method)): \(what)") }
        for record in records {
            if record.isStuckInProceeding {
                // The INVITE client transaction has no timer in Proceeding (§17.1.1.2): the UA's
                // CANCEL arms the table's cancelGrace (§9.1), which ends it when every final is lost.
                fail(record, "left in Proceeding (final copies arrived: \(record.finalArrivals))")
                continue
            }
            // Every client transaction ends exactly once, with a final response or a timeout.
            if record.terminations != 1 { fail(record, "terminated \(record.terminations) times") }
            if (record.finalStatus != nil) == record.timedOut {
                fail(record, "final \(record.finalStatus.map(String.init) ?? "none"), timed out \(record.timedOut)")
            }
            // Timer B runs only until the first provisional response (§17.1.1.2).
            // After a 1xx only the table's cancelGrace (64·T1 after a CANCEL, §9.1) may end it so.
            if record.method == .invite, record.timedOut, record.provisionals > 0, record.cancelRecord == nil {
                fail(record, "Timer B after a 1xx")
            }
            // The client saw the status the server's TU chose.
            if let status = record.finalStatus {
                let branch = (try? record.request.topVia())??.branch
                let serverStatus = branch.flatMap { serverFinals[ServerKey(branch: $0, method: record.method)] ?? nil }
                if serverStatus != status { fail(record, "got \(status), the server TU answered \(serverStatus.map(String.init) ?? "nothing")") }
            }
            guard let status = record.finalStatus else { continue }
            // Every copy of the final response that arrived found the transaction still there (the
            // delay spread is under T1, and Timers D, K and M outlast the server's retransmissions).
            if record.method != .invite || status >= 300 {
                // A non-INVITE's or a non-2xx's retransmissions are absorbed (§17.1.1.2, §17.1.2.2).
                if record.finalDeliveries != 1 { fail(record, "final delivered \(record.finalDeliveries) times") }
            } else if record.finalDeliveries != record.finalArrivals {
                // RFC 6026 §8.4: Accepted passes every 2xx up.
                fail(record, "\(record.finalArrivals) copies of \(status) arrived, \(record.finalDeliveries) delivered")
            }
            if record.method == .invite {
                if status >= 300 {
                    // §17.1.1.3: the transaction ACKs a non-2xx, each copy that arrives; the TU never does.
                    if record.transactionAcks != record.finalArrivals {
                        fail(record, "\(record.finalArrivals) copies of \(status) arrived, the transaction sent \(record.transactionAcks) ACKs")
                    }
                    if record.userAgentAcks != 0 { fail(record, "\(status) ACKed by the TU") }
                    if status == 487, record.cancelRecord == nil { fail(record, "487 without a CANCEL") }
                } else {
                    // §13.2.2.4: the TU ACKs each 2xx; the transaction never does.
                    if record.transactionAcks != 0 { fail(record, "the transaction ACKed a \(status)") }
                    if record.userAgentAcks != record.finalDeliveries { fail(record, "a 2xx the TU did not ACK") }
                }
            }
        }
        return problems
    }

    private func checkServerTransactions() -> [String] {
        var problems: [String] = []
        for call in server.calls {
            let id = call.id
            guard let audit = audits[id] else {
                problems.append("\(id): no audit")
                continue
            }
            // Every request the TU got was answered exactly once (2xx retransmissions aside), and
            // the transaction took the answer; then the transaction ended.
            guard let first = audit.finals.first else {
                problems.append("\(id) (\(label(call.request))): never answered")
                continue
            }
            let extra = audit.finals.dropFirst()
            if !extra.isEmpty, !(first == 200 && call.request.method == .invite && extra.allSatisfy { $0 == 200 }) {
                problems.append("\(id): answered \(audit.finals)")
            }
            if audit.refusedFinals != 0 { problems.append("\(id): \(audit.refusedFinals) final responses refused") }
            if !audit.terminated { problems.append("\(id): never terminated") }
            // An ACK for a non-2xx reaches the TU only when the transaction gave up waiting (Timer H):
            // otherwise Completed or Confirmed absorbs it (§17.2.1).
            // Timer H fires only when no ACK came (§17.2.1): an ACK that arrived in Completed ends it.
            if let at = call.timedOutAt, let branch = id.branch, let ackAt = firstAckArrival[branch], ackAt < at {
                problems.append("\(id): Timer H fired at \(at) though the ACK arrived at \(ackAt)")
            }
            if call.lateNon2xxAcks != 0, !call.timedOut { problems.append("\(id): an ACK for \(first) reached the TU") }
        }
        return problems
    }

    /// A server transaction by the client's branch and method.
    private struct ServerKey: Hashable {
        var branch: ByteString
        var method: SIPMethod
    }
}

extension ClientRecord {
    /// An INVITE that got a provisional response and then neither a final response nor its end:
    /// a leak (the UA's CANCEL and the table's cancelGrace must end it, §9.1).
    var isStuckInProceeding: Bool {
        method == .invite && provisionals > 0 && finalStatus == nil && terminations == 0
    }
}
