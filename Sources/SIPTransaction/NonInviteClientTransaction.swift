import SIPCore

/// RFC 3261 §17.1.2 (Figure 6): the non-INVITE client transaction (every method but INVITE and ACK;
/// CANCEL is one too).
///
/// This file owns every transition of the machine:
///
/// | state              | event           | actions                                                   | next       |
/// |--------------------|-----------------|-----------------------------------------------------------|------------|
/// | trying             | start           | send request; E = T1 (unreliable only); F = 64·T1         | trying     |
/// | trying             | Timer E         | send request again; E = min(2·last E, T2)                 | trying     |
/// | proceeding         | Timer E         | send request again; E = T2                                | proceeding |
/// | trying, proceeding | Timer F         | cancel E; timedOut                                        | terminated |
/// | trying, proceeding | transport error | cancel E, F; transportFailed                              | terminated |
/// | trying, proceeding | 1xx             | deliver (E keeps running)                                 | proceeding |
/// | trying, proceeding | 200-699         | cancel E, F; deliver; K (T4, 0 reliable)                  | completed  |
/// | completed          | any response    | absorbed (retransmissions are not delivered again)        | completed  |
/// | completed          | Timer K         | —                                                         | terminated |
///
/// Everything else is ignored: a transport error in Completed (nothing is sent there), timers
/// that are not armed (stale firings) and every event once Terminated. A zero Timer K (reliable
/// transport) means Completed is left at once. Entering Terminated cancels every armed timer and
/// ends with `terminated`. `start` must be the first event and comes once (precondition).
public struct NonInviteClientTransaction: Sendable {
    /// The states of Figure 6 (RFC 3261 §17.1.2.2).
    public enum State: Sendable, Hashable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    /// The request this transaction sends.
    public let request: SIPMessage
    public let reliableTransport: Bool
    public let timers: TransactionTimerSettings
    /// When the first event came (for the driver's metrics and logs; no rule of §17 reads the time:
    /// every timer is a duration the driver arms).
    public private(set) var startedAt: Instant?

    private var started = false
    private var timerEInterval: Duration
    private var armed = ArmedTimers()

    public init(request: SIPMessage, reliableTransport: Bool, timers: TransactionTimerSettings) {
        precondition(request.isRequest && request.method != .invite && request.method != .ack,
                     "NonInviteClientTransaction for an INVITE, an ACK or a response")
        self.request = request
        self.reliableTransport = reliableTransport
        self.timers = timers
        self.timerEInterval = timers.timerE
    }

    public mutating func handle(_ event: ClientTransactionEvent, at now: Instant) -> [TransactionAction] {
        if startedAt == nil { startedAt = now }
        if case .start = event {
            precondition(!started, "NonInviteClientTransaction started twice")
        } else {
            precondition(started, "NonInviteClientTransaction got \(event) before start")
        }
        var actions: [TransactionAction] = []
        switch (state, event) {
        case (.terminated, _):
            break

        case (.trying, .start):
            started = true
            actions.append(.send(request))
            if !reliableTransport { armed.start(.e, after: timerEInterval, into: &actions) }
            armed.start(.f, after: timers.timerF, into: &actions)

        case (.trying, .timerFired(.e)), (.proceeding, .timerFired(.e)):
            guard armed.fire(.e) else { break }
            actions.append(.send(request))
            timerEInterval = state == .trying ? timers.doubledCappedAtT2(timerEInterval) : timers.t2
            armed.start(.e, after: timerEInterval, into: &actions)

        case (.trying, .timerFired(.f)), (.proceeding, .timerFired(.f)):
            guard armed.fire(.f) else { break }
            terminate(reporting: .timedOut, into: &actions)

        case (.trying, .transportError), (.proceeding, .transportError):
            terminate(reporting: .transportFailed, into: &actions)

        case (.trying, .response(let response)), (.proceeding, .response(let response)):
            let status = InviteClientTransaction.statusCode(of: response)
            if status < 200 {
                actions.append(.deliver(response))
                state = .proceeding
            } else {
                armed.cancel(.e, into: &actions)
                armed.cancel(.f, into: &actions)
                actions.append(.deliver(response))
                state = .completed
                let timerK = timers.timerK(reliableTransport: reliableTransport)
                if timerK > .zero {
                    armed.start(.k, after: timerK, into: &actions)
                } else {
                    terminate(reporting: nil, into: &actions)
                }
            }

        case (.completed, .timerFired(.k)):
            guard armed.fire(.k) else { break }
            terminate(reporting: nil, into: &actions)

        case (.completed, .response), (.completed, .transportError), (_, .start), (_, .timerFired):
            break
        }
        return actions
    }

    private mutating func terminate(reporting report: TransactionAction?, into actions: inout [TransactionAction]) {
        armed.cancelAll(into: &actions)
        if let report { actions.append(report) }
        state = .terminated
        actions.append(.terminated)
    }
}
