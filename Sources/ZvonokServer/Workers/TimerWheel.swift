import SIPTransaction

/// A hashed timer wheel (Varghese & Lauck): the one timer structure of a worker, driven by a
/// single Dispatch timer, holding every SIP timer (§17 A–M) of that worker's transactions.
///
/// Scheduling and cancelling are O(1); each tick visits one slot. Deadlines are rounded up to
/// the next tick, so a timer never fires early. A timer further away than one turn of the wheel
/// waits in its slot for the right turn. Pure: time comes in through `advance(to:)`.
public struct TimerWheel<Payload>: Sendable where Payload: Sendable {
    /// Identifies a scheduled timer, to cancel it.
    public struct Token: Hashable, Sendable {
        let value: UInt64
    }

    private struct Entry: Sendable {
        var deadlineTick: Int64
        var token: UInt64
        var payload: Payload
    }

    public let tickNanoseconds: Int64
    private var slots: [[Entry]]
    /// The next tick to visit; every entry due before it has fired.
    private var currentTick: Int64
    private var nextToken: UInt64 = 1
    /// Tokens scheduled and neither fired nor cancelled.
    private var live: Set<UInt64> = []

    /// A wheel of `slotCount` slots of `tick` each, starting at `start`.
    public init(tick: Duration = .milliseconds(10), slotCount: Int = 4096, start: Instant) {
        precondition(slotCount > 0 && tick > .zero)
        let (seconds, attoseconds) = tick.components
        tickNanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        slots = Array(repeating: [], count: slotCount)
        currentTick = start.nanoseconds / tickNanoseconds
    }

    /// Timers scheduled and not yet fired or cancelled.
    public var count: Int { live.count }

    /// Schedules `payload` for `deadline` (a deadline already past fires on the next advance).
    public mutating func schedule(_ payload: Payload, at deadline: Instant) -> Token {
        let token = nextToken
        nextToken += 1
        let tick = max(currentTick, (deadline.nanoseconds + tickNanoseconds - 1) / tickNanoseconds)
        slots[Int(tick % Int64(slots.count))].append(Entry(deadlineTick: tick, token: token, payload: payload))
        live.insert(token)
        return Token(value: token)
    }

    /// Cancels a timer; cancelling one that fired or was cancelled does nothing.
    public mutating func cancel(_ token: Token) {
        live.remove(token.value)
    }

    /// Fires every timer due at or before `now`, in deadline order (then scheduling order).
    public mutating func advance(to now: Instant) -> [Payload] {
        let lastTick = now.nanoseconds / tickNanoseconds
        guard lastTick >= currentTick else { return [] }
        // With nothing live, jump straight to now.
        if live.isEmpty {
            for i in slots.indices where !slots[i].isEmpty { slots[i].removeAll(keepingCapacity: true) }
            currentTick = lastTick + 1
            return []
        }
        let span = min(lastTick - currentTick + 1, Int64(slots.count))
        let visitAll = lastTick - currentTick + 1 > Int64(slots.count)
        var due: [Entry] = []
        for step in 0..<span {
            let tick = currentTick + step
            let index = Int(tick % Int64(slots.count))
            guard !slots[index].isEmpty else { continue }
            var keep: [Entry] = []
            for entry in slots[index] where live.contains(entry.token) {
                if entry.deadlineTick <= (visitAll ? lastTick : tick) { due.append(entry) } else { keep.append(entry) }
            }
            slots[index] = keep
        }
        currentTick = lastTick + 1
        due.sort { $0.deadlineTick < $1.deadlineTick || ($0.deadlineTick == $1.deadlineTick && $0.token < $1.token) }
        for entry in due { live.remove(entry.token) }
        return due.map(\.payload)
    }
}
