import SIPTransaction

/// The timer-wheel tokens of one transaction's armed SIP timers (RFC 3261 §17: at most a few at
/// once, e.g. A and B), so that a worker can replace, cancel or drop them all when the
/// transaction ends without probing a map once per timer kind.
struct ArmedTimerTokens<Token: Sendable>: Sendable {
    private var items: [(timer: TransactionTimer, token: Token)] = []

    var isEmpty: Bool { items.isEmpty }
    var tokens: [Token] { items.map(\.token) }

    /// Records `token` for `timer`; returns the token it replaces.
    mutating func set(_ timer: TransactionTimer, _ token: Token) -> Token? {
        if let index = items.firstIndex(where: { $0.timer == timer }) {
            let old = items[index].token
            items[index].token = token
            return old
        }
        items.append((timer, token))
        return nil
    }

    /// Forgets `timer`; returns its token.
    mutating func remove(_ timer: TransactionTimer) -> Token? {
        guard let index = items.firstIndex(where: { $0.timer == timer }) else { return nil }
        return items.remove(at: index).token
    }
}
