import B2BUA
import SIPTransaction
import SIPTransport

/// One worker's B2BUA core, kept by reference so that the transaction user (a value held in the
/// worker as an existential) and the billing answers that arrive later reach the same calls
/// without copying the call table. Confined to its worker's queue, like the rest of the TU.
final class CallsBox {
    var core: B2BUACore<ServerB2BUAEnvironment>
    let billing: BillingEdge
    let workerIndex: Int
    /// The registrations with trunks (`register: true`), kept by worker 0 only, by trunk name.
    var registrations: [String: TrunkRegistration] = [:]
    private var nextRegistrationTimerID: UInt64 = 0

    init(core: B2BUACore<ServerB2BUAEnvironment>, billing: BillingEdge, workerIndex: Int) {
        self.core = core
        self.billing = billing
        self.workerIndex = workerIndex
    }

    /// Whether the B2BUA has calls or SMS in progress (lingering ones included): only then can an
    /// in-dialog request, an ACK or a stray response be its.
    var isBusy: Bool { core.activeCallCount > 0 || core.activeMessageCount > 0 }

    /// Starts a registration for every trunk that asks for one and is not registering already (or
    /// whose settings changed), and removes those no longer configured (`Expires: 0`).
    func synchronizeRegistrations(with wanted: [(trunk: Trunk, expiresSeconds: Int)], at now: Instant)
        -> [TransactionUserAction<SIPPeer>] {
        var actions: [TransactionUserAction<SIPPeer>] = []
        let wantedByName = Dictionary(wanted.map { ($0.trunk.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, var registration) in registrations {
            if let entry = wantedByName[name], entry.trunk == registration.trunk { continue }
            actions += registration.stop(&core.environment)
            registrations[name] = nil
        }
        for entry in wanted where registrations[entry.trunk.name] == nil {
            nextRegistrationTimerID += 1
            var registration = TrunkRegistration(trunk: entry.trunk, expiresSeconds: entry.expiresSeconds,
                                                 timerID: nextRegistrationTimerID, callID: core.environment.makeCallID(),
                                                 fromTag: core.environment.makeToken())
            actions += registration.start(&core.environment, at: now)
            registrations[entry.trunk.name] = registration
        }
        return actions
    }

    /// The registration an event belongs to, and what it does with it; nil when none.
    func handleRegistrationEvent(_ event: TransactionUserEvent<SIPPeer>, at now: Instant) -> [TransactionUserAction<SIPPeer>]? {
        guard !registrations.isEmpty else { return nil }
        switch event {
        case .response(let response, let transaction):
            guard let name = registrations.first(where: { $0.value.pending == transaction })?.key else { return nil }
            return registrations[name]!.handle(response: response, &core.environment, at: now)
        case .timedOut(let transaction), .transportFailed(let transaction):
            guard let name = registrations.first(where: { $0.value.pending == transaction })?.key else { return nil }
            return registrations[name]!.handleFailure("no answer from the trunk", at: now)
        case .timerFired(.call(let id, TrunkRegistration.timerPurpose)):
            guard let name = registrations.first(where: { $0.value.timerID == id })?.key else { return [] }
            return registrations[name]!.timerFired(&core.environment, at: now)
        default:
            return nil
        }
    }
}

/// Tells worker 0 to bring its trunk registrations in line with the configured trunks (at start
/// and after a reload).
struct SynchronizeTrunkRegistrations: Sendable {}
