import Billing
import SIPTransaction

/// The B2BUA's settings, from configuration (bounds and intervals, never tariffs).
public struct B2BUASettings: Sendable, Equatable {
    /// T1/T2 for the 2xx retransmissions of §13.3.1.4 and the 64·T1 linger after a call ends.
    public var timers: TransactionTimerSettings
    /// RFC 4028: the session interval asked of and offered to the legs, and the least accepted.
    public var sessionIntervalSeconds: UInt32
    public var minSESeconds: UInt32
    /// A leg without a session timer is probed with in-dialog OPTIONS this often.
    public var keepaliveInterval: Duration
    /// Credit is renewed this long before the grant runs out (or at half a grant shorter than twice this).
    public var renewLeadSeconds: Int64
    /// An unanswered trunk INVITE is cancelled after this long (the caller gets 480).
    public var maximumRingDuration: Duration
    /// MESSAGEs to phone numbers one account may send per local day.
    public var smsDailyLimit: Int
    /// The zone of the SMS day, as an offset from UTC.
    public var utcOffsetSeconds: Int32
    /// The most calls and SMS in progress at once (503 beyond): a hard bound on the table.
    public var maximumCalls: Int

    public init(timers: TransactionTimerSettings = .rfc3261, sessionIntervalSeconds: UInt32 = 1800, minSESeconds: UInt32 = 90,
                keepaliveInterval: Duration = .seconds(60), renewLeadSeconds: Int64 = 30,
                maximumRingDuration: Duration = .seconds(180), smsDailyLimit: Int = 50,
                utcOffsetSeconds: Int32 = TariffPlan.moscowUTCOffsetSeconds, maximumCalls: Int = 10_000) {
        precondition(minSESeconds >= 90 && sessionIntervalSeconds >= minSESeconds, "RFC 4028 §4: intervals of at least 90 s")
        precondition(keepaliveInterval > .zero && renewLeadSeconds >= 0 && maximumRingDuration > .zero)
        precondition(smsDailyLimit >= 0 && maximumCalls > 0)
        self.timers = timers
        self.sessionIntervalSeconds = sessionIntervalSeconds
        self.minSESeconds = minSESeconds
        self.keepaliveInterval = keepaliveInterval
        self.renewLeadSeconds = renewLeadSeconds
        self.maximumRingDuration = maximumRingDuration
        self.smsDailyLimit = smsDailyLimit
        self.utcOffsetSeconds = utcOffsetSeconds
        self.maximumCalls = maximumCalls
    }
}
