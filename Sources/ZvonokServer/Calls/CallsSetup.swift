import B2BUA
import Numbering
import SIPTransaction
import SIPTransport

/// What a worker's transaction user needs to run the B2BUA: the shared trunks and billing edge,
/// the numbering plan, the settings, and which worker it is.
struct CallsSetup {
    let trunks: TrunkDirectory
    let billing: BillingEdge
    let numbering: NumberingPlan
    let settings: B2BUASettings
    let workerIndex: Int
    let workerCount: Int
    let wallClockOffsetNanoseconds: Int64
}

/// A transaction user that also takes answers from the server's asynchronous services (billing in
/// the database), delivered on its worker's queue by `Worker.deliver(serviceAnswer:)`.
protocol ServiceAnswerTaking {
    func handle(serviceAnswer: any Sendable, at now: Instant) -> [TransactionUserAction<SIPPeer>]
}
