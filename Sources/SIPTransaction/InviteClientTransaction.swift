import SIPCore

/// RFC 3261 §17.1.1 (Figure 5) with RFC 6026 §8.4 (the Accepted state): the INVITE client transaction.
///
/// This file owns every transition of the machine:
///
/// | state      | event                       | actions                                             | next       |
/// |------------|-----------------------------|-----------------------------------------------------|------------|
/// | calling    | start                       | send INVITE; A = T1 (unreliable only); B = 64·T1    | calling    |
/// | calling    | Timer A                     | send INVITE again; A = twice the last A (no cap)    | calling    |
/// | calling    | Timer B                     | timedOut                                            | terminated |
/// | calling    | transport error             | transportFailed                                     | terminated |
/// | calling    | 1xx                         | cancel A, B; deliver                                | proceeding |
/// | calling, proceeding | 2xx                | cancel A, B; deliver; M = 64·T1                     | accepted   |
/// | calling, proceeding | 300-699            | cancel A, B; send ACK; deliver; D (32 s, 0 reliable)| completed  |
/// | proceeding | 1xx                         | deliver                                             | proceeding |
/// | proceeding | transport error             | transportFailed (§17.1.4)                           | terminated |
/// | completed  | 300-699 (retransmission)    | send the same ACK again (not delivered)             | completed  |
/// | completed  | Timer D                     | —                                                   | terminated |
/// | completed  | transport error             | transportFailed                                     | terminated |
/// | accepted   | 2xx (retransmission or fork)| deliver (the TU sends the ACK of a 2xx, §13.2.2.4)  | accepted   |
/// | accepted   | Timer M                     | —                                                   | terminated |
///
/// Everything else is ignored: 1xx and 2xx in Completed, 1xx and 300-699 in Accepted, a transport
/// error in Accepted (the machine sends nothing there), timers that are not armed (stale firings),
/// and every event once Terminated. A zero Timer D (reliable transport) means Completed is left at
/// once. Entering Terminated cancels every armed timer and ends with `terminated`.
/// `start` must be the first event and comes once (precondition).
public struct InviteClientTransaction: Sendable {
    /// The states of Figure 5 (RFC 3261 §17.1.1.2) and RFC 6026 §8.4's Accepted.
    public enum State: Sendable, Hashable { case calling, proceeding, completed, accepted, terminated }

    public private(set) var state: State = .calling
    /// The INVITE this transaction sends, until a 2xx makes it Accepted: from there on nothing is
    /// sent (the TU acknowledges 2xx itself, §13.2.2.4) and nothing can be cancelled (§9.1), so it
    /// is let go, and a call in progress keeps no copy of its INVITE here for the 64·T1 of Accepted.
    public private(set) var request: SIPMessage?
    public let reliableTransport: Bool
    public let timers: TransactionTimerSettings
    /// When the first event came (for the driver's metrics and logs; no rule of §17 reads the time:
    /// every timer is a duration the driver arms).
    public private(set) var startedAt: Instant?

    private var started = false
    private var timerAInterval: Duration
    /// The ACK of the non-2xx final response, kept to answer its retransmissions.
    private var ack: SIPMessage?
    private var armed = ArmedTimers()

    public init(request: SIPMessage, reliableTransport: Bool, timers: TransactionTimerSettings) {
        precondition(request.method == .invite, "InviteClientTransaction for a request that is not an INVITE")
        self.request = request
        self.reliableTransport = reliableTransport
        self.timers = timers
        self.timerAInterval = timers.timerA
    }

    public mutating func handle(_ event: ClientTransactionEvent, at now: Instant) -> [TransactionAction] {
        if startedAt == nil { startedAt = now }
        if case .start = event {
            precondition(!started, "InviteClientTransaction started twice")
        } else {
            precondition(started, "InviteClientTransaction got \(event) before start")
        }
        var actions: [TransactionAction] = []
        switch (state, event) {
        case (.terminated, _):
            break

        case (.calling, .start):
            started = true
            if let request { actions.append(.send(request)) }
            if !reliableTransport { armed.start(.a, after: timerAInterval, into: &actions) }
            armed.start(.b, after: timers.timerB, into: &actions)

        case (.calling, .timerFired(.a)):
            guard armed.fire(.a), let request else { break }
            actions.append(.send(request))
            timerAInterval = timerAInterval * 2
            armed.start(.a, after: timerAInterval, into: &actions)

        case (.calling, .timerFired(.b)):
            guard armed.fire(.b) else { break }
            terminate(reporting: .timedOut, into: &actions)

        case (.calling, .transportError), (.proceeding, .transportError), (.completed, .transportError):
            terminate(reporting: .transportFailed, into: &actions)

        case (.calling, .response(let response)), (.proceeding, .response(let response)):
            receiveFirstOrProvisional(response, into: &actions)

        case (.completed, .response(let response)):
            if Self.statusCode(of: response) >= 300, let ack { actions.append(.send(ack)) }

        case (.completed, .timerFired(.d)):
            guard armed.fire(.d) else { break }
            terminate(reporting: nil, into: &actions)

        case (.accepted, .response(let response)):
            if (200...299).contains(Self.statusCode(of: response)) { actions.append(.deliver(response)) }

        case (.accepted, .timerFired(.m)):
            guard armed.fire(.m) else { break }
            terminate(reporting: nil, into: &actions)

        case (_, .start), (_, .timerFired), (.accepted, .transportError):
            break
        }
        return actions
    }

    /// A response in Calling or Proceeding.
    private mutating func receiveFirstOrProvisional(_ response: SIPMessage, into actions: inout [TransactionAction]) {
        let status = Self.statusCode(of: response)
        armed.cancel(.a, into: &actions)
        armed.cancel(.b, into: &actions)
        switch status {
        case 100...199:
            actions.append(.deliver(response))
            state = .proceeding
        case 200...299:
            actions.append(.deliver(response))
            state = .accepted
            request = nil
            armed.start(.m, after: timers.timerM, into: &actions)
        default:
            if let ack = request?.makeAck(for: response) {  // the INVITE is kept until a 2xx
                self.ack = ack
                actions.append(.send(ack))
            }
            actions.append(.deliver(response))
            state = .completed
            let timerD = timers.timerD(reliableTransport: reliableTransport)
            if timerD > .zero {
                armed.start(.d, after: timerD, into: &actions)
            } else {
                terminate(reporting: nil, into: &actions)
            }
        }
    }

    private mutating func terminate(reporting report: TransactionAction?, into actions: inout [TransactionAction]) {
        armed.cancelAll(into: &actions)
        if let report { actions.append(report) }
        state = .terminated
        actions.append(.terminated)
    }

    static func statusCode(of response: SIPMessage) -> Int {
        guard let status = response.statusCode else { preconditionFailure("a request given as a response") }
        return status
    }
}
