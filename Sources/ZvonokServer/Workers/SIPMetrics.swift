import SIPCore

/// What the workers count (issue: messages in/out by method and code, transactions alive,
/// retransmissions, parse errors, worker queue depth, refusals). `ServerMetrics` implements it
/// over swift-metrics and Prometheus; tests may count in memory.
public protocol SIPMetrics: Sendable {
    func requestReceived(_ method: SIPMethod?)
    func responseReceived(_ statusCode: Int)
    func requestSent(_ method: SIPMethod?)
    func responseSent(_ statusCode: Int)
    func retransmission()
    /// `invalid` (not SIP, 400) or `reject` (parsed, answered with another code).
    func parseError(kind: String)
    /// `connection_limit`, `per_ip_limit`, `table_full`.
    func refusal(reason: String)
    func setTransactionsAlive(worker: Int, count: Int)
    func setQueueDepth(worker: Int, depth: Int)
    func setConnections(_ count: Int)
}
