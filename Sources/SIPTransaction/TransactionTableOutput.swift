import SIPCore

/// What the transaction table (RFC 3261 §17) asks of its driver and tells its transaction users,
/// every output naming the transaction it comes from.
public enum TransactionTableOutput<Peer: Sendable & Hashable>: Sendable, Equatable {
    case send(SIPMessage, to: Peer, transaction: TransactionID)
    /// A new server transaction: the TU must answer it via `respond(_:transaction:at:)`.
    case request(SIPMessage, from: Peer, transaction: TransactionID)
    /// A response of a client transaction, for its TU.
    case response(SIPMessage, transaction: TransactionID)
    /// An ACK matching no transaction (the ACK of a 2xx, §13.3.1.4, §17.2.3), or one the RFC 6026
    /// Accepted state passes up: the TU's business.
    case strayAck(SIPMessage, from: Peer)
    /// A response matching no client transaction (§17.1.3; a proxy forwards a stray 2xx
    /// statelessly, §16.7, RFC 6026 §7.2).
    case strayResponse(SIPMessage, from: Peer)
    case startTimer(TransactionTimer, after: Duration, transaction: TransactionID)
    case cancelTimer(TransactionTimer, transaction: TransactionID)
    case timedOut(TransactionID)
    case transportFailed(TransactionID)
    /// The transaction is over and gone from the table; its timers have been cancelled.
    case terminated(TransactionID)
    /// A request the table answered statelessly without creating a transaction: send `response`
    /// to the peer; `reason` says why (a full table: 503 with Retry-After; a request without the
    /// headers a transaction key needs: 400).
    case rejected(SIPMessage, to: Peer, reason: String)
}
