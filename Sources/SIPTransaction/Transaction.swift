import SIPCore

/// One of the four transaction machines of RFC 3261 §17, as the table holds them.
enum Transaction: Sendable {
    case inviteClient(InviteClientTransaction)
    case nonInviteClient(NonInviteClientTransaction)
    case inviteServer(InviteServerTransaction)
    case nonInviteServer(NonInviteServerTransaction)

    /// The request that created the transaction; nil once an INVITE transaction is Accepted.
    var request: SIPMessage? {
        switch self {
        case .inviteClient(let t): t.request
        case .nonInviteClient(let t): t.request
        case .inviteServer(let t): t.request
        case .nonInviteServer(let t): t.request
        }
    }

    var isClient: Bool {
        switch self {
        case .inviteClient, .nonInviteClient: true
        case .inviteServer, .nonInviteServer: false
        }
    }

    /// Feeds a client event; a server machine takes none (precondition).
    mutating func handle(_ event: ClientTransactionEvent, at now: Instant) -> [TransactionAction] {
        switch self {
        case .inviteClient(var t):
            let actions = t.handle(event, at: now)
            self = .inviteClient(t)
            return actions
        case .nonInviteClient(var t):
            let actions = t.handle(event, at: now)
            self = .nonInviteClient(t)
            return actions
        case .inviteServer, .nonInviteServer:
            preconditionFailure("client event for a server transaction")
        }
    }

    /// Feeds a server event; a client machine takes none (precondition).
    mutating func handle(_ event: ServerTransactionEvent, at now: Instant) -> [TransactionAction] {
        switch self {
        case .inviteServer(var t):
            let actions = t.handle(event, at: now)
            self = .inviteServer(t)
            return actions
        case .nonInviteServer(var t):
            let actions = t.handle(event, at: now)
            self = .nonInviteServer(t)
            return actions
        case .inviteClient, .nonInviteClient:
            preconditionFailure("server event for a client transaction")
        }
    }

    /// Whether an INVITE server transaction has left Proceeding: its final response is sent.
    var hasSentFinalResponse: Bool {
        if case .inviteServer(let t) = self { t.state != .proceeding } else { false }
    }
}

extension Transaction {
    /// Whether the transaction still waits for its final response (server: the TU has not sent
    /// one; client: none has arrived). The rest only absorb retransmissions until their timers end.
    var isAwaitingFinalResponse: Bool {
        switch self {
        case .inviteClient(let t): t.state == .calling || t.state == .proceeding
        case .nonInviteClient(let t): t.state == .trying || t.state == .proceeding
        case .inviteServer(let t): t.state == .proceeding
        case .nonInviteServer(let t): t.state == .trying || t.state == .proceeding
        }
    }
}
