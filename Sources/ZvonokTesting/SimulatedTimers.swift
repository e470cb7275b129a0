import SIPTransaction

/// A simple timer list for simulations: at most one deadline per key, as the transaction layer
/// expects (arming a timer that is armed replaces it, `TransactionTimer`), fired in deadline order
/// and, among equal deadlines, in the order they were scheduled. (The real driver uses
/// `TimerWheel`; here exactness matters more than O(1).)
///
/// Cancelled and replaced deadlines stay in the heap until they reach its top and are skipped
/// there; the heap is compacted when they outnumber the live ones.
public struct SimulatedTimers<Key: Hashable & Sendable>: Sendable {
    private struct Armed: Sendable {
        var at: Instant
        var generation: UInt64
    }

    private struct Queued: Sendable {
        var key: Key
        var generation: UInt64
    }

    private var armed: [Key: Armed] = [:]
    private var queue = ScheduledQueue<Queued>()
    private var nextGeneration: UInt64 = 0
    /// The most timers armed at once (a runaway simulation traps instead of eating memory).
    public let capacity: Int

    public init(capacity: Int = 1_000_000) {
        precondition(capacity > 0, "timer capacity must be positive")
        self.capacity = capacity
    }

    /// How many timers are armed.
    public var count: Int { armed.count }
    public var isEmpty: Bool { armed.isEmpty }

    /// The deadline of `key`, if armed.
    public func deadline(of key: Key) -> Instant? { armed[key]?.at }

    /// Every armed key (in no particular order: use it for reports, not to decide what runs).
    public var armedKeys: [Key] { Array(armed.keys) }

    /// Arms `key` to fire at `instant`, replacing its earlier deadline if it was armed.
    public mutating func schedule(_ key: Key, at instant: Instant) {
        precondition(armed[key] != nil || armed.count < capacity, "more than \(capacity) simulated timers armed")
        let generation = nextGeneration
        nextGeneration += 1
        armed[key] = Armed(at: instant, generation: generation)
        queue.insert(Queued(key: key, generation: generation), at: instant)
        if queue.count > 2 * armed.count + 1_024 { compact() }
    }

    /// Disarms `key`; returns whether it was armed.
    @discardableResult
    public mutating func cancel(_ key: Key) -> Bool { armed.removeValue(forKey: key) != nil }

    /// The earliest armed deadline.
    public mutating func nextDeadline() -> Instant? {
        dropStale()
        return queue.first?.at
    }

    /// Disarms and returns the earliest armed timer if it is due at or before `instant`.
    public mutating func popDue(notAfter instant: Instant) -> (key: Key, at: Instant)? {
        dropStale()
        guard let first = queue.first, first.at <= instant else { return nil }
        _ = queue.removeFirst()
        armed[first.payload.key] = nil
        return (first.payload.key, first.at)
    }

    private func isLive(_ item: ScheduledQueue<Queued>.Item) -> Bool {
        armed[item.payload.key]?.generation == item.payload.generation
    }

    private mutating func dropStale() {
        while let first = queue.first, !isLive(first) { _ = queue.removeFirst() }
    }

    private mutating func compact() {
        let armed = self.armed
        queue.filter { armed[$0.payload.key]?.generation == $0.payload.generation }
    }
}
