import SIPTransaction

/// How one direction of a simulated link treats datagrams (UDP-like: no promise of delivery,
/// order or uniqueness). Every datagram takes `latency` plus a uniform part of `jitter`; with
/// `delayProbability` it lingers up to `maximumExtraDelay` longer (a straggler). Reordering follows
/// from jitter and stragglers. With `lossProbability` it is dropped; with `duplicationProbability`
/// a second copy travels with a delay of its own.
public struct LinkConditions: Sendable, Equatable {
    public var latency: Duration
    public var jitter: Duration
    public var lossProbability: Double
    public var duplicationProbability: Double
    public var delayProbability: Double
    public var maximumExtraDelay: Duration

    public init(latency: Duration, jitter: Duration = .zero, lossProbability: Double = 0,
                duplicationProbability: Double = 0, delayProbability: Double = 0,
                maximumExtraDelay: Duration = .zero) {
        precondition(latency >= .zero && jitter >= .zero && maximumExtraDelay >= .zero, "negative link delay")
        for p in [lossProbability, duplicationProbability, delayProbability] {
            precondition((0...1).contains(p), "link probability \(p) outside [0, 1]")
        }
        self.latency = latency
        self.jitter = jitter
        self.lossProbability = lossProbability
        self.duplicationProbability = duplicationProbability
        self.delayProbability = delayProbability
        self.maximumExtraDelay = maximumExtraDelay
    }

    /// A link that loses, duplicates and delays nothing: `latency` exactly.
    public static func perfect(latency: Duration = .milliseconds(1)) -> LinkConditions {
        LinkConditions(latency: latency)
    }

    /// The shortest time a datagram takes.
    public var minimumDelay: Duration { latency }
    /// The longest time a datagram takes (latency, all the jitter and the longest straggle).
    public var maximumDelay: Duration { latency + jitter + maximumExtraDelay }
}

/// A datagram in flight or delivered by a `SimulatedNetwork`.
public struct SimulatedDatagram<Address: Hashable & Sendable>: Sendable {
    public var from: Address
    public var to: Address
    public var bytes: [UInt8]
    public var sentAt: Instant
    public var deliverAt: Instant
    /// Whether this is the network's extra copy of a datagram that was sent once.
    public var isDuplicate: Bool
}

/// What a `SimulatedNetwork` has done so far.
public struct NetworkStatistics: Sendable, Equatable {
    /// Datagrams handed to `send`.
    public var sent = 0
    /// Datagrams lost on their link.
    public var dropped = 0
    /// Extra copies made.
    public var duplicated = 0
    /// Copies that straggled (took an extra delay).
    public var delayed = 0
    /// Copies handed to their receiver.
    public var delivered = 0
    /// Copies dropped because `capacity` datagrams were already in flight (a full socket buffer).
    public var overflowed = 0

    public init() {}
}

/// An in-memory datagram network between endpoints named by `Address` (ARCHITECTURE pattern 4,
/// quinn's `Pair`): each direction of each link has its `LinkConditions` (or the default), and a
/// seeded `SeededRandom` decides loss, duplication and delays, so a seed replays the same run.
///
/// `send` puts datagrams in flight; `deliverNext(notAfter:)` hands them out in arrival order
/// (ties in the order they were sent). The network never reads a clock: time comes with `send`,
/// and the caller moves its `SimulatedClock` to each arrival. At most `capacity` datagrams are in
/// flight; more are dropped and counted as `overflowed`.
public struct SimulatedNetwork<Address: Hashable & Sendable>: Sendable {
    private struct Link: Hashable, Sendable {
        var from: Address
        var to: Address
    }

    /// The conditions of every link without its own.
    public var defaultConditions: LinkConditions
    public let capacity: Int
    /// The largest datagram `send` takes (a UDP payload over IPv4).
    public static var maximumDatagramBytes: Int { 65_507 }
    public private(set) var statistics = NetworkStatistics()

    private var links: [Link: LinkConditions] = [:]
    private var inFlight = ScheduledQueue<SimulatedDatagram<Address>>()
    private var random: SeededRandom

    public init(random: SeededRandom, defaultConditions: LinkConditions, capacity: Int = 100_000) {
        precondition(capacity > 0, "network capacity must be positive")
        self.random = random
        self.defaultConditions = defaultConditions
        self.capacity = capacity
    }

    /// Sets the conditions of the direction `from` → `to`.
    public mutating func setConditions(_ conditions: LinkConditions, from: Address, to: Address) {
        links[Link(from: from, to: to)] = conditions
    }

    public func conditions(from: Address, to: Address) -> LinkConditions {
        links[Link(from: from, to: to)] ?? defaultConditions
    }

    /// Datagrams in flight.
    public var inFlightCount: Int { inFlight.count }

    /// When the next datagram arrives, if any is in flight.
    public var nextDeliveryTime: Instant? { inFlight.first?.at }

    /// Sends `bytes` from `from` to `to` at `now`: lost, or in flight as one or two copies.
    public mutating func send(_ bytes: [UInt8], from: Address, to: Address, at now: Instant) {
        precondition(bytes.count <= Self.maximumDatagramBytes, "a datagram of \(bytes.count) bytes")
        statistics.sent += 1
        let link = conditions(from: from, to: to)
        if link.lossProbability > 0, random.chance(link.lossProbability) {
            statistics.dropped += 1
            return
        }
        let copies = link.duplicationProbability > 0 && random.chance(link.duplicationProbability) ? 2 : 1
        if copies == 2 { statistics.duplicated += 1 }
        for copy in 0..<copies {
            guard inFlight.count < capacity else {
                statistics.overflowed += 1
                continue
            }
            var delay = link.latency
            if link.jitter > .zero { delay += random.duration(in: .zero...link.jitter) }
            if link.delayProbability > 0, random.chance(link.delayProbability) {
                statistics.delayed += 1
                delay += random.duration(in: .zero...link.maximumExtraDelay)
            }
            let datagram = SimulatedDatagram(from: from, to: to, bytes: bytes, sentAt: now, deliverAt: now + delay,
                                             isDuplicate: copy == 1)
            inFlight.insert(datagram, at: datagram.deliverAt)
        }
    }

    /// Takes the first datagram to arrive, if it arrives at or before `instant`.
    public mutating func deliverNext(notAfter instant: Instant) -> SimulatedDatagram<Address>? {
        guard let first = inFlight.first, first.at <= instant else { return nil }
        statistics.delivered += 1
        return inFlight.removeFirst()?.payload
    }
}
