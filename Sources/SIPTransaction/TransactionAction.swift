import SIPCore

/// What a transaction machine asks of its driver (RFC 3261 §17): the machine decides, the driver
/// does. The driver performs the actions in order.
public enum TransactionAction: Sendable, Equatable {
    /// Send to the transaction's peer: the request, its retransmission or the ACK of a non-2xx
    /// (client), or a response (server).
    case send(SIPMessage)
    /// Hand to the transaction user: responses (client); the request, once, or an ACK that the
    /// RFC 6026 Accepted state passes up (server).
    case deliver(SIPMessage)
    /// Arm `timer` to fire `after` from now, replacing it if armed.
    case startTimer(TransactionTimer, after: Duration)
    case cancelTimer(TransactionTimer)
    /// Client: Timer B or F fired (the TU acts as on a 408, §8.1.3.1). Server: Timer H fired with no ACK.
    case timedOut
    /// The transport could not send (§8.1.3.1, §17.1.4, §17.2.4); the client TU acts as on a 503.
    case transportFailed
    /// The transaction is over; every timer it armed has been cancelled before this action.
    case terminated
}
