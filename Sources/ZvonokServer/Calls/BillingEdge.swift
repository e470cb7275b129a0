import Logging
import Synchronization
import B2BUA
import Billing
import Storage

/// Performs the B2BUA's billing requests (ARCHITECTURE "Money", "a worker never blocks on the
/// database: it gets the answer back as an event"): each request runs as a task on the
/// cooperative pool against `BillingService` (SQLite, in a write transaction) and its answer is
/// handed back to the worker that asked, on that worker's queue.
///
/// A settlement has no answer: it is retried with a growing pause until it is written, because a
/// call must never stay billed; if the daemon dies first, start-up recovery settles it.
final class BillingEdge: Sendable {
    /// The longest pause between two attempts to write a settlement.
    static let maximumSettleRetryDelay: Duration = .seconds(60)

    private let currentService: Mutex<BillingService>
    private var service: BillingService { currentService.withLock { $0 } }
    private let smsCounter: SQLiteSMSCounter
    private let logger: Logger
    /// Where answers go, set once by `connect`. The closure lives in a class: a Mutex whose
    /// value is an optional closure gets one more reabstraction thunk wrapped around the stored
    /// closure on every `withLock { $0 }` (Swift 6.3), so each answer ran through one more
    /// thunk than the last until the stack overflowed.
    private let reply = Mutex<AnswerRoute?>(nil)
    private final class AnswerRoute: Sendable {
        let deliver: @Sendable (_ worker: Int, _ answer: BillingAnswer) -> Void
        init(_ deliver: @escaping @Sendable (_ worker: Int, _ answer: BillingAnswer) -> Void) { self.deliver = deliver }
    }
    /// Requests started and not yet answered or written (for shutdown and metrics).
    let inFlight = Atomic<Int>(0)

    init(service: BillingService, smsCounter: SQLiteSMSCounter, logger: Logger) {
        self.currentService = Mutex(service)
        self.smsCounter = smsCounter
        self.logger = logger
    }

    /// Applies new billing settings (a reload) to the requests that start from now on.
    func reconfigure(_ settings: BillingSettings) {
        currentService.withLock { current in
            guard current.settings != settings else { return }
            current = BillingService(ledger: current.ledger, tariffs: current.tariffs, settings: settings)
        }
    }

    /// Where answers go: the server delivering to worker `worker`'s queue. Set once the server exists.
    func connect(_ deliver: @escaping @Sendable (_ worker: Int, _ answer: BillingAnswer) -> Void) {
        let route = AnswerRoute(deliver)
        reply.withLock { $0 = route }
    }

    /// Starts `request` for worker `worker`; returns at once.
    func submit(_ request: BillingRequest, fromWorker worker: Int) {
        inFlight.add(1, ordering: .relaxed)
        Task {
            defer { self.inFlight.subtract(1, ordering: .relaxed) }
            guard let answer = await self.perform(request) else { return }
            self.reply.withLock { $0 }?.deliver(worker, answer)
        }
    }

    /// The answer to `request`; nil for a settlement (written, or given up on after an error that
    /// retrying cannot cure).
    func perform(_ request: BillingRequest) async -> BillingAnswer? {
        switch request {
        case .authorize(let key, let account, let caller, let dialled, let at):
            do {
                return .authorized(key, try await service.authorize(account: account, caller: caller, dialled: dialled, at: at))
            } catch {
                logger.error("billing: cannot authorise a call", metadata: ["account": "\(account)", "error": "\(error)"])
                return .failed(key, reason: "billing is unavailable")
            }
        case .renew(let key, let reservation, let usedSeconds, let at):
            do {
                return .renewed(key, try await service.renew(reservation, usedSeconds: usedSeconds, at: at))
            } catch {
                logger.error("billing: cannot renew a call's credit", metadata: ["reservation": "\(reservation)", "error": "\(error)"])
                return .failed(key, reason: "billing is unavailable")
            }
        case .countSMS(let key, let account, let localDay):
            do {
                return .smsCounted(key, sentToday: try await smsCounter.countOne(account: account.name, localDay: localDay))
            } catch {
                logger.error("billing: cannot count an SMS", metadata: ["account": "\(account)", "error": "\(error)"])
                return .failed(key, reason: "SMS accounting is unavailable")
            }
        case .settle(_, let reservation, let answeredAt, let endedAt, let reason):
            await settle(reservation, answeredAt: answeredAt, endedAt: endedAt, reason: reason)
            return nil
        }
    }

    private func settle(_ reservation: ReservationID, answeredAt: BillingTime?, endedAt: BillingTime, reason: EndReason) async {
        var delay: Duration = .milliseconds(100)
        while true {
            do {
                let settlement = try await service.settle(reservation, answeredAt: answeredAt, endedAt: endedAt, reason: reason)
                let record = settlement.record
                logger.info("call settled", metadata: [
                    "reservation": "\(reservation)", "dialled": "\(record.calleeDialled)", "seconds": "\(record.durationSeconds)",
                    "billedSeconds": "\(record.billedSeconds)", "cost": "\(record.cost)", "reason": "\(record.endReason)",
                ])
                return
            } catch let error as CreditControlError {
                // The reservation is not open in the ledger: nothing is held, nothing to retry.
                logger.error("billing: settlement refused", metadata: ["reservation": "\(reservation)", "error": "\(error)"])
                return
            } catch {
                logger.error("billing: cannot write a settlement; retrying",
                             metadata: ["reservation": "\(reservation)", "error": "\(error)", "retryIn": "\(delay)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maximumSettleRetryDelay)
            }
        }
    }
}
