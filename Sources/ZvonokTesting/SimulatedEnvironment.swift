import SIPTransaction

/// Everything a simulation's endpoints share: the clock, the network between them and the timer
/// list (the endpoints' SIP timers and any timers of their own, under one `TimerKey` type).
/// `nextEvent` takes the earliest thing due and moves the clock to it.
public struct SimulatedEnvironment<Address: Hashable & Sendable, TimerKey: Hashable & Sendable>: Sendable {
    /// What happens next in a simulation: a datagram arrives, or a timer fires.
    public enum Event: Sendable {
        case datagram(SimulatedDatagram<Address>)
        case timer(TimerKey)
    }

    public var clock: SimulatedClock
    public var network: SimulatedNetwork<Address>
    public var timers: SimulatedTimers<TimerKey>

    public init(clock: SimulatedClock = SimulatedClock(), network: SimulatedNetwork<Address>,
                timers: SimulatedTimers<TimerKey> = SimulatedTimers()) {
        self.clock = clock
        self.network = network
        self.timers = timers
    }

    public var now: Instant { clock.now }

    /// Nothing in flight and no timer armed: the simulation cannot move on its own.
    public var isIdle: Bool { network.inFlightCount == 0 && timers.isEmpty }

    /// Arms `key` to fire `delay` from now.
    public mutating func schedule(_ key: TimerKey, after delay: Duration) {
        precondition(delay >= .zero, "timer \(key) scheduled in the past")
        timers.schedule(key, at: now + delay)
    }

    /// Sends `bytes` now.
    public mutating func send(_ bytes: [UInt8], from: Address, to: Address) {
        network.send(bytes, from: from, to: to, at: now)
    }

    /// Takes the earliest event due at or before `deadline` (any, when nil) and moves the clock to
    /// it. A datagram and a timer due at the same instant: the datagram first.
    public mutating func nextEvent(notAfter deadline: Instant? = nil) -> Event? {
        let timerAt = timers.nextDeadline()
        let datagramAt = network.nextDeliveryTime
        let limit = deadline ?? Instant(nanoseconds: .max)
        if let datagramAt, datagramAt <= limit, timerAt.map({ datagramAt <= $0 }) ?? true,
           let datagram = network.deliverNext(notAfter: datagramAt) {
            clock.advance(to: datagramAt)
            return .datagram(datagram)
        }
        if let (key, at) = timers.popDue(notAfter: limit) {
            clock.advance(to: at)
            return .timer(key)
        }
        return nil
    }
}

/// How a bounded `drive` ended.
public enum DriveOutcome: Sendable, Equatable {
    /// Nothing left to happen: no datagram in flight, no timer armed.
    case idle(steps: Int)
    /// The deadline came first; the clock is at the deadline.
    case deadlineReached(steps: Int)
    /// `maxSteps` events ran and more are pending: a bug (or a too small cap) stopped it.
    case stepLimitReached(steps: Int)

    /// How many events ran.
    public var steps: Int {
        switch self {
        case .idle(let steps), .deadlineReached(let steps), .stepLimitReached(let steps): steps
        }
    }
}

/// A simulation of endpoints over a `SimulatedEnvironment` (quinn's `Pair` and `drive`): it says
/// how each event is handled, and `drive` runs events in time order, one per step, with a cap on
/// steps so that a bug (two endpoints ping-ponging forever) ends the run instead of hanging it.
public protocol Simulation {
    associatedtype Address: Hashable & Sendable
    associatedtype TimerKey: Hashable & Sendable
    var environment: SimulatedEnvironment<Address, TimerKey> { get set }
    /// Handles one event, at `environment.now`.
    mutating func handle(_ event: SimulatedEnvironment<Address, TimerKey>.Event)
}

extension Simulation {
    /// Runs events in time order until none is left, or until the next one is after `deadline`,
    /// or `maxSteps` events have run. Unless the step cap stopped it, the clock ends at `deadline`
    /// when one is given (as swift-nio's `advanceTime(to:)`).
    @discardableResult
    public mutating func drive(until deadline: Instant? = nil, maxSteps: Int) -> DriveOutcome {
        precondition(maxSteps >= 0, "negative step cap")
        var steps = 0
        while true {
            if steps == maxSteps {
                let pending = environment.nextEventTime.map { t in deadline.map { t <= $0 } ?? true } ?? false
                return pending ? .stepLimitReached(steps: steps) : finished(steps: steps, deadline: deadline)
            }
            guard let event = environment.nextEvent(notAfter: deadline) else {
                return finished(steps: steps, deadline: deadline)
            }
            steps += 1
            handle(event)
        }
    }

    private mutating func finished(steps: Int, deadline: Instant?) -> DriveOutcome {
        if let deadline, deadline > environment.now { environment.clock.advance(to: deadline) }
        return environment.isIdle ? .idle(steps: steps) : .deadlineReached(steps: steps)
    }
}

extension SimulatedEnvironment {
    /// When the next event is due, if any.
    public var nextEventTime: Instant? {
        mutating get {
            switch (network.nextDeliveryTime, timers.nextDeadline()) {
            case (let d?, let t?): min(d, t)
            case (let d?, nil): d
            case (nil, let t?): t
            case (nil, nil): nil
            }
        }
    }
}
