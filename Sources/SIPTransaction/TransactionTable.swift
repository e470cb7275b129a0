import SIPCore

/// RFC 3261 §17: every transaction of one worker, found by the matching rules of §17.1.3 and
/// §17.2.3 (`TransactionID`), generic over the driver's opaque peer address.
///
/// Server side: `receiveRequest` matches a request to its server transaction (a retransmission is
/// absorbed or answered with the last response there; the ACK of a non-2xx final response is
/// absorbed by its INVITE transaction), or creates one and hands the request to the TU as
/// `.request`; an ACK matching nothing is a `.strayAck`. The TU answers with `respond`.
/// Client side: `sendRequest` creates a client transaction and sends; `receiveResponse` matches a
/// response (§17.1.3) and hands it to the TU as `.response`, or reports a `.strayResponse`.
/// The driver reports timer firings and send failures against the transaction's id, and drops
/// the transaction's timers when it sees `.terminated`.
///
/// Limits: at most `capacity` transactions. When full, a request that would create a server
/// transaction is answered statelessly with 503 and Retry-After (`.rejected`), and a request sent
/// with `sendRequest` fails at once as a transport failure (§8.1.3.1: the TU acts as on a 503).
/// A request without the headers a key needs is answered 400 (`.rejected`; an ACK is dropped).
/// Stateless responses carry a To tag derived from the request (FNV-1a of Call-ID, From tag and top
/// Via branch), so that retransmitted requests get the same answer, without a random source.
///
/// Calls about a transaction that is gone (`respond`, `timerFired`, `transportError` after
/// `.terminated`) return no outputs: the transaction has already ended and said so.
public struct TransactionTable<Peer: Sendable & Hashable>: Sendable {
    public typealias Output = TransactionTableOutput<Peer>

    /// Timer values for transactions created from now on (a reload changes them; open
    /// transactions keep the values they started with).
    public var timers: TransactionTimerSettings
    /// The most transactions the table holds at once.
    public var capacity: Int
    /// The Retry-After of the 503 sent when the table is full.
    public var retryAfterSeconds: Int

    /// The live transactions. Their peers are kept apart (`peers`) so that this dictionary's
    /// types do not depend on `Peer`: its lookups and in-place updates are then specialised in this
    /// module. (With a generic value, a driver in another module runs the standard library's
    /// unspecialised `Dictionary` code, whose `modify` coroutine mallocs a frame for the
    /// transaction on every event: 8 of the 12 mallocs of an absorbed retransmission.)
    private var entries = TransactionMap<TransactionEntry>()
    private var peers = TransactionMap<Peer>()
    /// INVITE client transactions whose `cancelGrace` timer (§9.1) is armed.
    private var cancelGraceArmed: Set<TransactionID> = []
    /// RFC 2543 ACK keys (the To tag of the final response) → the INVITE server transaction.
    private var ackAliases: [TransactionID: TransactionID] = [:]

    public init(timers: TransactionTimerSettings, capacity: Int, retryAfterSeconds: Int = 5) {
        precondition(capacity > 0, "transaction table capacity must be positive")
        precondition(retryAfterSeconds >= 0, "Retry-After cannot be negative")
        self.timers = timers
        self.capacity = capacity
        self.retryAfterSeconds = retryAfterSeconds
        entries.reserveCapacity(min(capacity, 4096))
        peers.reserveCapacity(min(capacity, 4096))
    }

    /// How many transactions are live.
    public var count: Int { entries.count }

    /// Transactions still waiting for a final response: what a graceful shutdown waits for
    /// (the others only absorb retransmissions until Timer D/I/J/K/L/M ends them).
    public var awaitingFinalResponseCount: Int { entries.values.reduce(0) { $0 + ($1.transaction.isAwaitingFinalResponse ? 1 : 0) } }

    public func contains(_ transaction: TransactionID) -> Bool { entries.contains(transaction) }

    /// The request that created a live transaction (a proxy builds its CANCEL from it, §9.1); nil
    /// once an INVITE transaction is Accepted (after a 2xx there is nothing left to cancel).
    public func request(of transaction: TransactionID) -> SIPMessage? { entries[transaction]?.transaction.request }

    /// The peer a live transaction talks to.
    public func peer(of transaction: TransactionID) -> Peer? { peers[transaction] }

    // MARK: Server side

    /// A request from `peer` (§17.2.3): to its server transaction, to a new one, or a stray ACK.
    public mutating func receiveRequest(_ request: SIPMessage, from peer: Peer, reliableTransport: Bool,
                                        at now: Instant) -> [Output] {
        precondition(request.isRequest, "receiveRequest with a response")
        guard let id = TransactionID(serverRequest: request) else {
            if request.method == .ack { return [] }
            let response = request.makeResponse(statusCode: 400, reason: "Bad Request",
                                                toTag: Self.statelessToTag(for: request))
            return [.rejected(response, to: peer,
                              reason: "no transaction key: the top Via, CSeq, Call-ID, From or To is missing or malformed")]
        }
        if request.method == .ack {
            guard let target = entries.contains(id) ? id : ackAliases[id],
                  case .inviteServer = entries[target]?.transaction else {
                return [.strayAck(request, from: peer)]
            }
            return feed(target, server: .request(request), from: peer, at: now)
        }
        if entries.contains(id) { return feed(id, server: .request(request), from: peer, at: now) }
        guard entries.count < capacity else {
            let response = request.makeResponse(statusCode: 503, reason: "Service Unavailable",
                                                toTag: Self.statelessToTag(for: request),
                                                headers: [(.retryAfter, String(retryAfterSeconds))])
            return [.rejected(response, to: peer, reason: "transaction table full (\(capacity) transactions)")]
        }
        let transaction: Transaction = request.method == .invite
            ? .inviteServer(InviteServerTransaction(request: request, reliableTransport: reliableTransport, timers: timers))
            : .nonInviteServer(NonInviteServerTransaction(request: request, reliableTransport: reliableTransport,
                                                          timers: timers))
        entries[id] = TransactionEntry(transaction: transaction, ackKey: nil)
        peers[id] = peer
        return feed(id, server: .request(request), from: peer, at: now)
    }

    /// The TU's response on a server transaction. A response the transaction's state does not take
    /// (§17.2.1, §17.2.2: after its final response, except 2xx in Accepted) gives no outputs.
    public mutating func respond(_ response: SIPMessage, transaction id: TransactionID, at now: Instant) -> [Output] {
        precondition(response.isResponse, "respond with a request")
        guard let entry = entries[id], let peer = peers[id] else { return [] }
        precondition(!entry.transaction.isClient, "respond on a client transaction")
        let outputs = feed(id, server: .respond(response), from: peer, at: now)
        // Only an RFC 2543 INVITE key needs its ACK alias (the To tag of the final response).
        if id.usesRFC2543Matching, let updated = entries[id], updated.ackKey == nil, updated.transaction.hasSentFinalResponse,
           let toTag = try? response.to()?.tag, let ackKey = id.acknowledged(withToTag: toTag), ackKey != id {
            entries[id]?.ackKey = ackKey
            ackAliases[ackKey] = id
        }
        return outputs
    }

    /// Forgets a server transaction without letting it run its course (§8.2.7: the TU answered
    /// statelessly); its timers are to be cancelled. Returns `.terminated` when it was live.
    public mutating func discard(_ id: TransactionID) -> [Output] {
        guard let entry = entries[id] else { return [] }
        precondition(!entry.transaction.isClient, "discard of a client transaction")
        if let ackKey = entry.ackKey { ackAliases[ackKey] = nil }
        entries[id] = nil
        peers[id] = nil
        return [.terminated(id)]
    }

    /// §9.2: the INVITE server transaction a CANCEL refers to (same branch and sent-by with method
    /// INVITE, or the same RFC 2543 key), if it is live.
    public func inviteTransaction(cancelledBy cancel: SIPMessage) -> TransactionID? {
        guard cancel.method == .cancel, let id = TransactionID(serverRequest: cancel)?.forCancelledInvite,
              case .inviteServer = entries[id]?.transaction else { return nil }
        return id
    }

    // MARK: Client side

    /// Creates a client transaction for `request` and sends it. The request's top Via must carry a
    /// fresh RFC 3261 branch (precondition: Zvonok's requests always do, and an ACK is never a
    /// transaction). When the table is full the transaction fails at once (`transportFailed`).
    public mutating func sendRequest(_ request: SIPMessage, to peer: Peer, reliableTransport: Bool,
                                     at now: Instant) -> (TransactionID, [Output]) {
        guard let id = TransactionID(clientRequest: request) else {
            preconditionFailure("sendRequest needs a request other than ACK with a z9hG4bK branch in its top Via")
        }
        precondition(!entries.contains(id), "sendRequest reused the branch of a live transaction: \(id)")
        guard entries.count < capacity else { return (id, [.transportFailed(id), .terminated(id)]) }
        let transaction: Transaction = request.method == .invite
            ? .inviteClient(InviteClientTransaction(request: request, reliableTransport: reliableTransport, timers: timers))
            : .nonInviteClient(NonInviteClientTransaction(request: request, reliableTransport: reliableTransport,
                                                          timers: timers))
        entries[id] = TransactionEntry(transaction: transaction, ackKey: nil)
        peers[id] = peer
        var outputs = feed(id, client: .start, at: now)
        // §9.1: an INVITE cancelled in Proceeding is given up 64·T1 later if no final response came.
        let invite = id.forCancelledInvite
        if request.method == .cancel, case .inviteClient(let t)? = entries[invite]?.transaction, t.state == .proceeding {
            outputs.append(.startTimer(.cancelGrace, after: timers.transactionTimeout, transaction: invite))
            cancelGraceArmed.insert(invite)
        }
        return (id, outputs)
    }

    /// A response from `peer` (§17.1.3): to its client transaction, or stray.
    public mutating func receiveResponse(_ response: SIPMessage, from peer: Peer, at now: Instant) -> [Output] {
        precondition(response.isResponse, "receiveResponse with a request")
        guard let id = TransactionID(response: response), entries.contains(id) else {
            return [.strayResponse(response, from: peer)]
        }
        return feed(id, client: .response(response), at: now)
    }

    // MARK: Both sides

    public mutating func timerFired(_ timer: TransactionTimer, transaction id: TransactionID, at now: Instant) -> [Output] {
        guard let isClient = entries[id]?.transaction.isClient, let peer = peers[id] else { return [] }
        if timer == .cancelGrace {
            // Proceeding arms no timer (Figure 5), so nothing is left to cancel.
            guard cancelGraceArmed.remove(id) != nil, case .inviteClient(let t)? = entries[id]?.transaction,
                  t.state == .proceeding else { return [] }
            entries[id] = nil
            peers[id] = nil
            return [.timedOut(id), .terminated(id)]
        }
        return isClient
            ? feed(id, client: .timerFired(timer), at: now)
            : feed(id, server: .timerFired(timer), from: peer, at: now)
    }

    public mutating func transportError(transaction id: TransactionID, at now: Instant) -> [Output] {
        guard let isClient = entries[id]?.transaction.isClient, let peer = peers[id] else { return [] }
        return isClient
            ? feed(id, client: .transportError, at: now)
            : feed(id, server: .transportError, from: peer, at: now)
    }

    // MARK: Internals

    private mutating func feed(_ id: TransactionID, client event: ClientTransactionEvent, at now: Instant) -> [Output] {
        guard let actions = handle(id, { $0.handle(event, at: now) }) else { return [] }
        return outputs(of: actions, transaction: id, from: nil)
    }

    private mutating func feed(_ id: TransactionID, server event: ServerTransactionEvent, from peer: Peer,
                               at now: Instant) -> [Output] {
        guard let actions = handle(id, { $0.handle(event, at: now) }) else { return [] }
        return outputs(of: actions, transaction: id, from: peer)
    }

    /// Runs `event` on the transaction `id` in place, if live (`TransactionMap.update`: not through a
    /// `Dictionary`'s `modify` coroutine, which mallocs its frame for a value this large).
    @inline(__always)
    private mutating func handle(_ id: TransactionID,
                                 _ event: (inout Transaction) -> [TransactionAction]) -> [TransactionAction]? {
        entries.update(id) { event(&$0.transaction) }
    }

    /// Translates a machine's actions; `peer` is where a delivered request came from (server side).
    private mutating func outputs(of actions: [TransactionAction], transaction id: TransactionID, from peer: Peer?) -> [Output] {
        guard let ackKey = entries[id].map(\.ackKey), let entryPeer = peers[id] else { return [] }
        var outputs: [Output] = []
        outputs.reserveCapacity(actions.count)
        for action in actions {
            switch action {
            case .send(let message):
                outputs.append(.send(message, to: entryPeer, transaction: id))
            case .deliver(let message):
                if message.isResponse {
                    outputs.append(.response(message, transaction: id))
                } else if message.method == .ack {
                    outputs.append(.strayAck(message, from: peer ?? entryPeer))
                } else {
                    outputs.append(.request(message, from: peer ?? entryPeer, transaction: id))
                }
            case .startTimer(let timer, let duration):
                outputs.append(.startTimer(timer, after: duration, transaction: id))
            case .cancelTimer(let timer):
                outputs.append(.cancelTimer(timer, transaction: id))
            case .timedOut:
                outputs.append(.timedOut(id))
            case .transportFailed:
                outputs.append(.transportFailed(id))
            case .terminated:
                if cancelGraceArmed.remove(id) != nil { outputs.append(.cancelTimer(.cancelGrace, transaction: id)) }
                if let ackKey { ackAliases[ackKey] = nil }
                entries[id] = nil
                peers[id] = nil
                outputs.append(.terminated(id))
            }
        }
        return outputs
    }

    /// A To tag for a stateless response: FNV-1a (64 bits) of the Call-ID, the From tag and the top
    /// Via branch, in hex. The same request always gets the same tag (§8.2.7), so a retransmission
    /// of a request refused without a transaction is refused with the same tag.
    public static func statelessToTag(for request: SIPMessage) -> String {
        var hash = FNV1a()
        hash.combineField(request.firstValue(.callID)?.bytes ?? [])
        hash.combineField((try? request.from())?.tag?.bytes ?? [])
        hash.combineField((try? request.topVia())?.branch?.bytes ?? [])
        return "z" + hash.hex
    }
}

/// A live transaction in the table, with the RFC 2543 ACK key of an INVITE server transaction once
/// known. Not generic (its peer is in `TransactionTable.peers`), see `TransactionTable.entries`.
struct TransactionEntry: Sendable {
    var transaction: Transaction
    var ackKey: TransactionID?
}
