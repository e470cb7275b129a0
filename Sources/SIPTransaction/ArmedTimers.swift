/// The set of timers a transaction machine has armed and not yet seen fire or cancelled, as bits.
/// A firing of a timer outside the set is stale and ignored (RFC 3261 §17: each timer matters only
/// in the states that arm it).
struct ArmedTimers: Sendable, Equatable {
    private var bits: UInt16 = 0

    func contains(_ timer: TransactionTimer) -> Bool { bits & Self.bit(timer) != 0 }

    var isEmpty: Bool { bits == 0 }

    /// Arms `timer` for `duration` (which must be positive) and records the action.
    mutating func start(_ timer: TransactionTimer, after duration: Duration, into actions: inout [TransactionAction]) {
        precondition(duration > .zero, "timer \(timer) armed with a non-positive duration")
        bits |= Self.bit(timer)
        actions.append(.startTimer(timer, after: duration))
    }

    /// Disarms `timer` if armed, recording the cancellation.
    mutating func cancel(_ timer: TransactionTimer, into actions: inout [TransactionAction]) {
        guard contains(timer) else { return }
        bits &= ~Self.bit(timer)
        actions.append(.cancelTimer(timer))
    }

    /// Disarms every armed timer, recording each cancellation in `TransactionTimer` order.
    mutating func cancelAll(into actions: inout [TransactionAction]) {
        for timer in TransactionTimer.allCases where contains(timer) { cancel(timer, into: &actions) }
    }

    /// Takes a firing: true (and disarmed) when `timer` was armed, false when the firing is stale.
    mutating func fire(_ timer: TransactionTimer) -> Bool {
        guard contains(timer) else { return false }
        bits &= ~Self.bit(timer)
        return true
    }

    private static func bit(_ timer: TransactionTimer) -> UInt16 { 1 << UInt16(timer.rawValue) }
}
