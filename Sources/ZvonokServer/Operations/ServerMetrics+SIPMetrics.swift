import CoreMetrics
import SIPCore

/// The workers' counters (`SIPMetrics`) over the Prometheus series `ServerMetrics` holds.
extension ServerMetrics: SIPMetrics {
    public func requestReceived(_ method: SIPMethod?) { messagesIn(method: method ?? .extension("")).increment() }
    public func responseReceived(_ statusCode: Int) { responsesIn(code: statusCode).increment() }
    public func requestSent(_ method: SIPMethod?) { messagesOut(method: method ?? .extension("")).increment() }
    public func responseSent(_ statusCode: Int) { responsesOut(code: statusCode).increment() }
    public func retransmission() { retransmissions.increment() }

    public func parseError(kind: String) {
        parseErrors(kind: ParseErrorKind(rawValue: kind) ?? .invalid).increment()
    }

    public func refusal(reason: String) {
        refusals(reason: RefusalReason(rawValue: reason) ?? .tableFull).increment()
    }

    public func setTransactionsAlive(worker: Int, count: Int) {
        guard worker < workerCount else { return }
        transactionsAlive(worker: worker).set(Double(count))
    }

    public func setQueueDepth(worker: Int, depth: Int) {
        guard worker < workerCount else { return }
        workerQueueDepth(worker: worker).set(Double(depth))
    }

    public func setConnections(_ count: Int) { connections.set(Double(count)) }
}
