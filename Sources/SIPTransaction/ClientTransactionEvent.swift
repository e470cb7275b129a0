import SIPCore

/// What happens to a client transaction (RFC 3261 §17.1): the TU starts it, a response matched to
/// it arrives (§17.1.3), one of its timers fires, or the transport could not send (§17.1.4).
public enum ClientTransactionEvent: Sendable {
    /// Send the request: must be the first event, and comes once.
    case start
    case response(SIPMessage)
    case timerFired(TransactionTimer)
    case transportError
}
