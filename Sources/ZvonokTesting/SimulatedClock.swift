import SIPTransaction

/// Simulated time for pure cores (ARCHITECTURE pattern 4; swift-nio's `EmbeddedEventLoop`
/// `advanceTime`): an `Instant` that moves only when the simulation says so, never backwards.
/// Nothing in a simulation reads a real clock.
public struct SimulatedClock: Sendable {
    /// The current simulated instant.
    public private(set) var now: Instant

    public init(start: Instant = .zero) { now = start }

    /// Moves the clock to `instant`, which must not be in the past.
    public mutating func advance(to instant: Instant) {
        precondition(instant >= now, "the simulated clock cannot go back from \(now) to \(instant)")
        now = instant
    }

    /// Moves the clock forward by `duration` (not negative).
    public mutating func advance(by duration: Duration) {
        precondition(duration >= .zero, "the simulated clock cannot go back by \(duration)")
        now = now + duration
    }
}
