import SIPCore
import SIPTransaction

/// What a worker needs from the configuration, as one value it can swap on reload (SIGHUP).
public struct WorkerSettings: Sendable {
    public var parserLimits: SIPParserLimits
    public var validationPolicy: ValidationPolicy
    public var timers: TransactionTimerSettings
    public var maxTransactions: Int
    public var tcpIdleTimeout: Duration
    /// Retry-After (seconds) in the 503 sent while draining or when the transaction table is full.
    public var retryAfterSeconds: Int
    /// Requests larger than this go over TCP (§18.1.1).
    public var udpMTUBytes: Int
    /// `host[:port]` for the sent-by of requests we send, when the server is behind NAT;
    /// nil: the address of the leaving socket.
    public var advertisedAddress: String?
    /// Overload: while the datagrams a worker reads have waited longer than this in its socket,
    /// it refuses new work (out-of-dialog requests that match no transaction) with 503 and
    /// Retry-After, and keeps serving the calls and transactions it has (RFC 3261 §21.5.4; the
    /// local control RFC 6357 §5 describes). nil (the default): never.
    public var overloadQueueDelay: Duration?

    public init(parserLimits: SIPParserLimits = .default, validationPolicy: ValidationPolicy = .zvonok,
                timers: TransactionTimerSettings = .rfc3261, maxTransactions: Int = 100_000,
                tcpIdleTimeout: Duration = .seconds(600), retryAfterSeconds: Int = 5,
                udpMTUBytes: Int = 1300, advertisedAddress: String? = nil,
                overloadQueueDelay: Duration? = nil) {
        self.parserLimits = parserLimits
        self.validationPolicy = validationPolicy
        self.timers = timers
        self.maxTransactions = maxTransactions
        self.tcpIdleTimeout = tcpIdleTimeout
        self.retryAfterSeconds = retryAfterSeconds
        self.udpMTUBytes = udpMTUBytes
        self.advertisedAddress = advertisedAddress
        self.overloadQueueDelay = overloadQueueDelay
    }
}
