import SIPCore

/// What happens to a server transaction (RFC 3261 §17.2): a request matched to it arrives (§17.2.3)
/// — the request that creates it, a retransmission, or, for an INVITE transaction, the ACK — the TU
/// passes a response, one of its timers fires, or the transport could not send (§17.2.4).
public enum ServerTransactionEvent: Sendable {
    /// The initial request (must be the first event), a retransmission, or an ACK matched to this
    /// INVITE transaction.
    case request(SIPMessage)
    /// A response from the TU to send.
    case respond(SIPMessage)
    case timerFired(TransactionTimer)
    case transportError
}
