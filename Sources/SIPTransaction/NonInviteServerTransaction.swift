import SIPCore

/// RFC 3261 §17.2.2 (Figure 8): the non-INVITE server transaction (every method but INVITE and
/// ACK; a CANCEL gets one of its own, §9.2).
///
/// This file owns every transition of the machine:
///
/// | state              | event                 | actions                                        | next       |
/// |--------------------|-----------------------|------------------------------------------------|------------|
/// | trying             | the request (first)   | deliver                                        | trying     |
/// | trying             | retransmission        | absorbed (nothing has been answered yet)       | trying     |
/// | trying, proceeding | 1xx from TU           | send                                           | proceeding |
/// | trying, proceeding | 200-699 from TU       | send; J (64·T1, 0 reliable)                    | completed  |
/// | proceeding         | retransmission        | send the latest provisional again              | proceeding |
/// | proceeding         | transport error       | transportFailed                                | terminated |
/// | completed          | retransmission        | send the final response again                  | completed  |
/// | completed          | transport error       | cancel J; transportFailed                      | terminated |
/// | completed          | Timer J               | —                                              | terminated |
///
/// Refused without effect (the call returns no actions): a response from the TU in Completed.
/// Also ignored: a transport error in Trying (nothing has been sent), timers that are not armed
/// (stale firings), and every event once Terminated. A zero Timer J (reliable transport) means
/// Completed is left at once. Entering Terminated cancels every armed timer and ends with
/// `terminated`. The first event must be the request itself (precondition).
public struct NonInviteServerTransaction: Sendable {
    /// The states of Figure 8 (RFC 3261 §17.2.2).
    public enum State: Sendable, Hashable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    /// The request that created this transaction.
    public let request: SIPMessage
    public let reliableTransport: Bool
    public let timers: TransactionTimerSettings
    /// When the first event came (for the driver's metrics and logs; no rule of §17 reads the time:
    /// every timer is a duration the driver arms).
    public private(set) var startedAt: Instant?
    /// The latest provisional response sent.
    public private(set) var lastProvisional: SIPMessage?
    /// The final response sent, once there is one.
    public private(set) var finalResponse: SIPMessage?

    private var delivered = false
    private var armed = ArmedTimers()

    public init(request: SIPMessage, reliableTransport: Bool, timers: TransactionTimerSettings) {
        precondition(request.isRequest && request.method != .invite && request.method != .ack,
                     "NonInviteServerTransaction for an INVITE, an ACK or a response")
        self.request = request
        self.reliableTransport = reliableTransport
        self.timers = timers
    }

    public mutating func handle(_ event: ServerTransactionEvent, at now: Instant) -> [TransactionAction] {
        if startedAt == nil { startedAt = now }
        var actions: [TransactionAction] = []
        if !delivered {
            guard case .request(let first) = event, first.method == request.method else {
                preconditionFailure("NonInviteServerTransaction got \(event) before its request")
            }
            delivered = true
            actions.append(.deliver(first))
            return actions
        }
        switch (state, event) {
        case (.terminated, _):
            break

        case (.trying, .request):
            break

        case (.proceeding, .request):
            if let lastProvisional { actions.append(.send(lastProvisional)) }

        case (.completed, .request):
            if let finalResponse { actions.append(.send(finalResponse)) }

        case (.trying, .respond(let response)), (.proceeding, .respond(let response)):
            actions.append(.send(response))
            if InviteClientTransaction.statusCode(of: response) < 200 {
                lastProvisional = response
                state = .proceeding
            } else {
                finalResponse = response
                state = .completed
                let timerJ = timers.timerJ(reliableTransport: reliableTransport)
                if timerJ > .zero {
                    armed.start(.j, after: timerJ, into: &actions)
                } else {
                    terminate(reporting: nil, into: &actions)
                }
            }

        case (.proceeding, .transportError), (.completed, .transportError):
            terminate(reporting: .transportFailed, into: &actions)

        case (.completed, .timerFired(.j)):
            guard armed.fire(.j) else { break }
            terminate(reporting: nil, into: &actions)

        case (.completed, .respond), (.trying, .transportError), (_, .timerFired):
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
