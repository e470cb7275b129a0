import SIPCore

/// RFC 3261 §17.2.1 (Figure 7) with RFC 6026 §7.1, §8.5-§8.7 (the Accepted state): the INVITE
/// server transaction.
///
/// This file owns every transition of the machine:
///
/// | state      | event                    | actions                                                   | next       |
/// |------------|--------------------------|-----------------------------------------------------------|------------|
/// | proceeding | the INVITE (first)       | deliver; 100-Trying timer (200 ms), or send 100 now if 0  | proceeding |
/// | proceeding | 100-Trying timer         | send 100 Trying (§8.2.6, To without tag, Timestamp copied)| proceeding |
/// | proceeding | INVITE retransmission    | send the latest provisional again, if any                 | proceeding |
/// | proceeding | 1xx from TU              | cancel 100-Trying; send                                   | proceeding |
/// | proceeding | 2xx from TU              | cancel 100-Trying; send; L = 64·T1; let the INVITE go     | accepted   |
/// | proceeding | 300-699 from TU          | cancel 100-Trying; send; G = T1 (unreliable); H = 64·T1   | completed  |
/// | proceeding | transport error          | cancel timers; transportFailed                            | terminated |
/// | completed  | INVITE retransmission    | send the final response again                             | completed  |
/// | completed  | Timer G                  | send the final response again; G = min(2·last G, T2)      | completed  |
/// | completed  | ACK                      | cancel G, H; I (T4, 0 reliable)                           | confirmed  |
/// | completed  | Timer H                  | cancel G; timedOut (no ACK came)                          | terminated |
/// | completed  | transport error          | cancel G, H; transportFailed                              | terminated |
/// | confirmed  | INVITE or ACK            | absorbed                                                  | confirmed  |
/// | confirmed  | Timer I                  | —                                                         | terminated |
/// | accepted   | INVITE retransmission    | absorbed (the TU retransmits its 2xx itself, §13.3.1.4)   | accepted   |
/// | accepted   | ACK                      | deliver (the ACK of a 2xx is the TU's)                    | accepted   |
/// | accepted   | 2xx from TU              | send (a retransmission, or another 2xx of a forking proxy)| accepted   |
/// | accepted   | transport error          | transportFailed (kept: the TU owns the 2xx's reliability) | accepted   |
/// | accepted   | Timer L                  | —                                                         | terminated |
///
/// Refused without effect (the call returns no actions): a response from the TU in Completed or
/// Confirmed, and anything but a 2xx in Accepted — the transaction has already answered. Also
/// ignored: an ACK in Proceeding, a transport error in Confirmed (nothing is sent there), timers
/// that are not armed (stale firings), and every event once Terminated. A zero Timer I (reliable
/// transport) means Confirmed is left at once. Entering Terminated cancels every armed timer and
/// ends with `terminated`. The first event must be the INVITE itself (precondition).
public struct InviteServerTransaction: Sendable {
    /// The states of Figure 7 (RFC 3261 §17.2.1) and RFC 6026 §8.7's Accepted.
    public enum State: Sendable, Hashable { case proceeding, completed, confirmed, accepted, terminated }

    public private(set) var state: State = .proceeding
    /// The INVITE that created this transaction, until a 2xx makes it Accepted. From there on
    /// nothing reads it (RFC 6026 §7.1: retransmissions are matched by the table's key and
    /// absorbed, the TU resends its own 2xx), so it is let go with the responses: a call in
    /// progress keeps no copy of its INVITE here for the 64·T1 of Accepted.
    public private(set) var request: SIPMessage?
    public let reliableTransport: Bool
    public let timers: TransactionTimerSettings
    /// When the first event came (for the driver's metrics and logs; no rule of §17 reads the time:
    /// every timer is a duration the driver arms).
    public private(set) var startedAt: Instant?
    /// The latest provisional response sent (by the TU, or the transaction's own 100 Trying), resent
    /// for a retransmitted INVITE while Proceeding.
    public private(set) var lastProvisional: SIPMessage?
    /// The non-2xx final response sent, resent while Completed. A 2xx is not kept: the TU
    /// retransmits it (§13.3.1.4).
    public private(set) var finalResponse: SIPMessage?

    private var delivered = false
    private var timerGInterval: Duration
    private var armed = ArmedTimers()

    public init(request: SIPMessage, reliableTransport: Bool, timers: TransactionTimerSettings) {
        precondition(request.method == .invite, "InviteServerTransaction for a request that is not an INVITE")
        self.request = request
        self.reliableTransport = reliableTransport
        self.timers = timers
        self.timerGInterval = timers.timerG
    }

    public mutating func handle(_ event: ServerTransactionEvent, at now: Instant) -> [TransactionAction] {
        if startedAt == nil { startedAt = now }
        var actions: [TransactionAction] = []
        if !delivered {
            guard case .request(let first) = event, first.method == .invite else {
                preconditionFailure("InviteServerTransaction got \(event) before its INVITE")
            }
            delivered = true
            actions.append(.deliver(first))
            if timers.trying100Delay > .zero {
                armed.start(.trying100, after: timers.trying100Delay, into: &actions)
            } else {
                sendTrying(into: &actions)
            }
            return actions
        }
        switch (state, event) {
        case (.terminated, _):
            break

        case (.proceeding, .request(let request)):
            if request.method != .ack, let lastProvisional { actions.append(.send(lastProvisional)) }

        case (.proceeding, .timerFired(.trying100)):
            guard armed.fire(.trying100) else { break }
            sendTrying(into: &actions)

        case (.proceeding, .respond(let response)):
            let status = InviteClientTransaction.statusCode(of: response)
            armed.cancel(.trying100, into: &actions)
            actions.append(.send(response))
            switch status {
            case 100...199:
                lastProvisional = response
            case 200...299:
                state = .accepted
                request = nil
                lastProvisional = nil
                armed.start(.l, after: timers.timerL, into: &actions)
            default:
                finalResponse = response
                state = .completed
                if !reliableTransport { armed.start(.g, after: timerGInterval, into: &actions) }
                armed.start(.h, after: timers.timerH, into: &actions)
            }

        case (.proceeding, .transportError), (.completed, .transportError):
            terminate(reporting: .transportFailed, into: &actions)

        case (.completed, .request(let request)):
            if request.method == .ack {
                armed.cancel(.g, into: &actions)
                armed.cancel(.h, into: &actions)
                state = .confirmed
                let timerI = timers.timerI(reliableTransport: reliableTransport)
                if timerI > .zero {
                    armed.start(.i, after: timerI, into: &actions)
                } else {
                    terminate(reporting: nil, into: &actions)
                }
            } else if let finalResponse {
                actions.append(.send(finalResponse))
            }

        case (.completed, .timerFired(.g)):
            guard armed.fire(.g), let finalResponse else { break }
            actions.append(.send(finalResponse))
            timerGInterval = timers.doubledCappedAtT2(timerGInterval)
            armed.start(.g, after: timerGInterval, into: &actions)

        case (.completed, .timerFired(.h)):
            guard armed.fire(.h) else { break }
            terminate(reporting: .timedOut, into: &actions)

        case (.confirmed, .timerFired(.i)):
            guard armed.fire(.i) else { break }
            terminate(reporting: nil, into: &actions)

        case (.accepted, .request(let request)):
            if request.method == .ack { actions.append(.deliver(request)) }

        case (.accepted, .respond(let response)):
            if (200...299).contains(InviteClientTransaction.statusCode(of: response)) {
                actions.append(.send(response))
            }

        case (.accepted, .transportError):
            actions.append(.transportFailed)

        case (.accepted, .timerFired(.l)):
            guard armed.fire(.l) else { break }
            terminate(reporting: nil, into: &actions)

        case (.completed, .respond), (.confirmed, .respond), (.confirmed, .request), (.confirmed, .transportError),
             (_, .timerFired):
            break
        }
        return actions
    }

    /// §17.2.1: the transaction's own 100 Trying, built per §8.2.6 (no To tag; Timestamp copied, §8.2.6.1).
    private mutating func sendTrying(into actions: inout [TransactionAction]) {
        guard let request else { return }  // only Proceeding sends it, and there the INVITE is kept
        let timestamp = request.firstValue(.timestamp).map { [(KnownHeader.timestamp, $0.string)] } ?? []
        let trying = request.makeResponse(statusCode: 100, reason: "Trying", headers: timestamp)
        lastProvisional = trying
        actions.append(.send(trying))
    }

    private mutating func terminate(reporting report: TransactionAction?, into actions: inout [TransactionAction]) {
        armed.cancelAll(into: &actions)
        if let report { actions.append(report) }
        state = .terminated
        actions.append(.terminated)
    }
}
