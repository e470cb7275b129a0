import B2BUA

/// One worker's B2BUA core, kept by reference so that the transaction user (a value held in the
/// worker as an existential) and the billing answers that arrive later reach the same calls
/// without copying the call table. Confined to its worker's queue, like the rest of the TU.
final class CallsBox {
    var core: B2BUACore<ServerB2BUAEnvironment>
    let billing: BillingEdge
    let workerIndex: Int

    init(core: B2BUACore<ServerB2BUAEnvironment>, billing: BillingEdge, workerIndex: Int) {
        self.core = core
        self.billing = billing
        self.workerIndex = workerIndex
    }
}
