/// The timer values of RFC 3261 §17 (Table 4 of Appendix A) and RFC 6026 §8.4/§8.7: T1, T2 and T4
/// are configurable (§17.1.1.1 allows a larger T1, §17.1.2.2 a larger T2, T4 per network), the rest
/// derive from them. Zero durations (the reliable-transport D, I, J, K) mean "right away": the
/// machines move on at once instead of arming a zero timer.
public struct TransactionTimerSettings: Sendable, Equatable {
    /// RTT estimate; the first retransmit interval. Default 500 ms.
    public var t1: Duration
    /// Cap on the retransmit interval of non-INVITE requests and INVITE responses. Default 4 s.
    public var t2: Duration
    /// How long a message may linger in the network. Default 5 s.
    public var t4: Duration
    /// How long the INVITE server transaction waits for the TU's first response before it sends
    /// 100 Trying itself (§17.2.1). Default 200 ms; zero sends 100 Trying as soon as the INVITE arrives.
    public var trying100Delay: Duration

    public init(t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5),
                trying100Delay: Duration = .milliseconds(200)) {
        precondition(t1 > .zero, "T1 must be positive")
        precondition(t2 >= t1, "T2 must be at least T1")
        precondition(t4 > .zero, "T4 must be positive")
        precondition(trying100Delay >= .zero, "the 100 Trying delay cannot be negative")
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
        self.trying100Delay = trying100Delay
    }

    /// The values RFC 3261 recommends: T1 500 ms, T2 4 s, T4 5 s.
    public static let rfc3261 = TransactionTimerSettings()

    /// 64·T1: Timers B, F, H, L and M, and J on unreliable transports.
    public var transactionTimeout: Duration { t1 * 64 }

    /// Timer A's first interval (it doubles without a cap; only unreliable transports arm it).
    public var timerA: Duration { t1 }
    public var timerB: Duration { transactionTimeout }
    /// 32 s on unreliable transports (§17.1.1.2 "at least 32 seconds"), zero on reliable ones.
    public func timerD(reliableTransport: Bool) -> Duration { reliableTransport ? .zero : .seconds(32) }
    /// Timer E's first interval (it doubles up to T2; only unreliable transports arm it).
    public var timerE: Duration { t1 }
    public var timerF: Duration { transactionTimeout }
    /// Timer G's first interval (it doubles up to T2; only unreliable transports arm it).
    public var timerG: Duration { t1 }
    public var timerH: Duration { transactionTimeout }
    public func timerI(reliableTransport: Bool) -> Duration { reliableTransport ? .zero : t4 }
    public func timerJ(reliableTransport: Bool) -> Duration { reliableTransport ? .zero : transactionTimeout }
    public func timerK(reliableTransport: Bool) -> Duration { reliableTransport ? .zero : t4 }
    public var timerL: Duration { transactionTimeout }
    public var timerM: Duration { transactionTimeout }

    /// The next interval of a doubling retransmit timer: twice `interval`, capped at T2 (Timers E
    /// and G; Timer A doubles without this cap).
    public func doubledCappedAtT2(_ interval: Duration) -> Duration { min(interval * 2, t2) }
}
