import SIPCore

/// What the layer above the transactions hears about (RFC 3261 §17, "transaction user").
public enum TransactionUserEvent<Peer: Sendable & Hashable>: Sendable {
    /// A new request in a new server transaction. Every request but ACK must get a final response
    /// through `respond` (§8.2, §16). For CANCEL, `cancels` is the INVITE server transaction it
    /// matches (§9.2), nil when none does (the answer is then 481).
    case request(SIPMessage, from: Peer, transaction: TransactionID, cancels: TransactionID?)
    /// A response on a client transaction the TU started.
    case response(SIPMessage, transaction: TransactionID)
    /// An ACK that matched no transaction: the ACK for a 2xx (§13.2.2.4, §17.2.3).
    case strayAck(SIPMessage, from: Peer)
    /// A response that matched no client transaction (§17.1.3; a proxy forwards 2xx, §16.7).
    case strayResponse(SIPMessage, from: Peer)
    /// A client transaction timed out (Timer B or F, §17.1.1.2, §17.1.2.2): the TU acts as if it
    /// had received 408; or an INVITE server transaction never got its ACK (Timer H).
    case timedOut(TransactionID)
    /// The transport could not deliver a message of the transaction (§8.1.3.1, §17.1.4, §17.2.4).
    case transportFailed(TransactionID)
    /// A timer the TU armed with `startTimer` fired.
    case timerFired(TransactionUserTimer)
}

/// What the transaction user asks the server to do.
public enum TransactionUserAction<Peer: Sendable & Hashable>: Sendable {
    /// Send a response through the server transaction (§17.2.1, §17.2.2).
    case respond(SIPMessage, transaction: TransactionID)
    /// Send a response and forget the server transaction (§8.2.7, a stateless UAS): for answers
    /// that need no state, such as a 401/407 challenge. A retransmission of the request then makes
    /// a new transaction and gets a fresh answer; the ACK of a non-2xx sent this way reaches the TU
    /// as a stray ACK.
    case respondStatelessly(SIPMessage, transaction: TransactionID)
    /// Send a request through a new client transaction (§17.1); over the UDP MTU it goes by TCP
    /// (§18.1.1).
    case sendRequest(SIPMessage, to: Peer)
    /// `sendRequest` on the peer's own transport whatever the size: for a device that registered
    /// over UDP, which often listens on nothing else (behind NAT it cannot be reached otherwise),
    /// so the §18.1.1 switch to TCP would fail against it.
    case sendRequestKeepingTransport(SIPMessage, to: Peer)
    /// Send outside any transaction: the ACK for a 2xx (§13.2.2.4) or a 2xx a proxy forwards (§16.7).
    case sendStateless(SIPMessage, to: Peer)
    /// Cancel the pending INVITE of a client transaction the TU started (§9.1): the server builds
    /// the CANCEL from the request as it was sent (same top Via, so the same transport and
    /// sent-by) and sends it to the same peer in a transaction of its own. Nothing happens when
    /// the INVITE transaction is gone.
    case cancelClientTransaction(TransactionID)
    /// Arm a TU timer (Timer C of a proxy, §16.6 step 11; a B2BUA's credit timer), replacing it
    /// if armed; it comes back as `.timerFired`.
    case startTimer(TransactionUserTimer, after: Duration)
    case cancelTimer(TransactionUserTimer)
    /// A line for the operator's log (a refused authentication, a ban), at notice level.
    case note(String)
}

/// A timer of the transaction user, named by what it guards. The server keeps it on the same
/// timer wheel as the transactions' timers.
public enum TransactionUserTimer: Hashable, Sendable {
    /// §16.6 step 11: Timer C of a proxy's INVITE client transaction (> 3 min).
    case timerC(TransactionID)
    /// A timer of a TU that keeps calls (the B2BUA's credit, session-refresh and 2xx-retransmission
    /// timers): `id` names the call and `purpose` the timer within it. The transaction layer gives
    /// neither any meaning; the TU that armed it decodes them.
    case call(id: UInt64, purpose: UInt8)
}

/// The transaction user (RFC 3261 §17: the layer above the transactions): the registrar, the
/// proxy and the B2BUA each implement it. A worker owns one per worker and feeds it events on its
/// serial queue; like the transactions, it is pure: time comes in as `now`.
///
/// The contract (resiprocate's TransactionUser, RFC 3261 §8.2 and §16): every request event
/// other than ACK is answered with exactly one final response, sooner or later.
public protocol TransactionUser<Peer> {
    associatedtype Peer: Sendable & Hashable
    mutating func handle(_ event: TransactionUserEvent<Peer>, at now: Instant) -> [TransactionUserAction<Peer>]
    /// Answers a new request (never an ACK) at once, as a stateless UAS (§8.2.7), or returns nil
    /// to have it come through `handle` in a server transaction of its own. The server asks
    /// before it opens a transaction, so what is answered here costs no transaction state: a
    /// retransmission of the request is simply answered again.
    mutating func answerStatelessly(_ request: SIPMessage, from peer: Peer, at now: Instant) -> SIPMessage?
}

extension TransactionUser {
    /// Every request goes through a transaction unless the transaction user says otherwise.
    public mutating func answerStatelessly(_ request: SIPMessage, from peer: Peer, at now: Instant) -> SIPMessage? { nil }
}
