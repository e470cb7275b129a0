/// The time of a machine's latest event. Events must come in time order (the driver's clock is
/// monotonic, RFC 3261 §17 timers are durations on it); an event from the past is a driver bug.
struct EventClock: Sendable {
    private(set) var latest: Instant?

    mutating func advance(to now: Instant) {
        if let latest { precondition(now >= latest, "event at \(now) is before the previous one at \(latest)") }
        latest = now
    }
}
