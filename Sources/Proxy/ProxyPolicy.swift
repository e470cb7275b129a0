/// The proxy's settings (RFC 3261 §16), from configuration.
public struct ProxyPolicy: Sendable, Equatable {
    /// §16.6 step 11: an INVITE branch without a final response this long after its last
    /// provisional response is cancelled (or counted as 408 when none came). The RFC asks for more
    /// than 3 minutes.
    public var timerC: Duration
    /// Max-Forwards written on a request that had none (§16.6 step 3).
    public var defaultMaxForwards: Int
    /// Most branches one request forks to (§16.5: a cap on the target set).
    public var maxBranches: Int

    public init(timerC: Duration = .seconds(181), defaultMaxForwards: Int = 70, maxBranches: Int = 10) {
        precondition(timerC > .zero && defaultMaxForwards > 0 && maxBranches > 0)
        self.timerC = timerC
        self.defaultMaxForwards = defaultMaxForwards
        self.maxBranches = maxBranches
    }
}
