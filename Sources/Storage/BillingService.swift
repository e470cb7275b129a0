import Billing
import GRDB
import Synchronization

/// The settings `BillingService` needs from the configuration's `billing:` section.
public struct BillingSettings: Hashable, Sendable {
    /// Slices and bounds of credit control.
    public var creditControl: CreditControlSettings
    /// The trial plan's free minutes per account.
    public var trialMinutes: Int64
    /// The billing zone as an offset from UTC (free-direction dates and daily caps).
    public var utcOffsetSeconds: Int32

    /// Settings; by default 5-minute slices, 10 trial minutes and Moscow time.
    public init(creditControl: CreditControlSettings = CreditControlSettings(), trialMinutes: Int64 = 10,
                utcOffsetSeconds: Int32 = TariffPlan.moscowUTCOffsetSeconds) {
        self.creditControl = creditControl
        self.trialMinutes = trialMinutes
        self.utcOffsetSeconds = utcOffsetSeconds
    }
}

/// Why `BillingService` could not answer (as opposed to a refusal, which is an answer).
public enum BillingServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The account's plan has not been imported: a set-up problem, not the caller's.
    case planNotImported(String)
    /// The stored plan does not build (it was checked on import, so the database was edited).
    case invalidPlan(String, TariffError)
    /// Other writers kept appending to the account for `attempts` attempts in a row.
    case tooManyConflicts(AccountID, attempts: Int)

    public var description: String {
        switch self {
        case .planNotImported(let name): "tariff plan \"\(name)\" is not imported (zvonokctl tariff import)"
        case .invalidPlan(let name, let error): "tariff plan \"\(name)\": \(error)"
        case .tooManyConflicts(let account, let attempts): "\(account): \(attempts) conflicting writers in a row"
        }
    }
}

/// The billing edge the B2BUA calls (ARCHITECTURE "Money"): for each request it reads the
/// account's book, asks the pure core (`CreditControl`, `AccountBook`) for a decision, and
/// appends the decision's entries through the `LedgerStore`; when another writer appended first
/// (another call of the account, or `zvonokctl balance topup` in another process) the append is
/// refused as a conflict and the decision is made again on the fresh book.
///
/// On start-up, before taking calls, the daemon calls `recoverOpenReservations(at:)`: the
/// reservations a crash left open are settled by `CrashRecovery`'s rule, so no money stays held.
/// Only the daemon may do that: an open reservation of a running daemon is a call in progress.
public final class BillingService: Sendable {
    /// The most attempts one request makes before giving up on conflicts.
    public static let maximumAttempts = 1000

    /// The ledger.
    public let ledger: any LedgerStore
    /// The plans and assignments.
    public let tariffs: SQLiteTariffStore
    /// Settings.
    public let settings: BillingSettings
    /// The pure core.
    public let creditControl: CreditControl
    private let plans = Mutex<[String: (revision: Int64, plan: TariffPlan)]>([:])

    /// A service over `ledger` and `tariffs`.
    public init(ledger: any LedgerStore, tariffs: SQLiteTariffStore, settings: BillingSettings) {
        self.ledger = ledger
        self.tariffs = tariffs
        self.settings = settings
        self.creditControl = CreditControl(settings: settings.creditControl)
    }

    /// RFC 4006 CCR-Initial: may `account` (calling as `caller`) call `dialled` at `instant`?
    public func authorize(account: AccountID, caller: String, dialled: DialledNumber, at instant: BillingTime) async throws -> Authorization {
        let control = creditControl
        if let sqlite = ledger as? SQLiteLedgerStore {
            // The plan is read in the transaction that decides: one round trip per authorisation.
            return try await sqlite.commit(account) { book, db in
                control.authorize(book, plan: try self.plan(of: account, db), caller: caller, dialled: dialled, at: instant)
            }
        }
        let plan = try await plan(of: account)
        return try await commit(account) { book in
            control.authorize(book, plan: plan, caller: caller, dialled: dialled, at: instant)
        }
    }

    /// RFC 4006 CCR-Update: another slice for the call of `reservation`, which has talked `usedSeconds`.
    public func renew(_ reservation: ReservationID, usedSeconds: Int64, at instant: BillingTime) async throws -> Renewal {
        let control = creditControl
        return try await commit(reservation.account) { book in
            try control.renew(book, reservation: reservation, usedSeconds: usedSeconds, at: instant)
        }
    }

    /// RFC 4006 CCR-Terminate: charges the call of `reservation`, releases the rest, writes its
    /// CDR (in the same transaction). Settling again returns the first settlement.
    public func settle(_ reservation: ReservationID, answeredAt: BillingTime?, endedAt: BillingTime, reason: EndReason) async throws -> Settlement {
        let control = creditControl
        return try await commit(reservation.account) { book in
            try control.settle(book, reservation: reservation, answeredAt: answeredAt, endedAt: endedAt, reason: reason)
        }
    }

    /// Credits `amountMinor` paid by `paymentID` to `account`; the same id again changes nothing.
    public func topUp(account: AccountID, amountMinor: Int64, paymentID: String, at instant: BillingTime) async throws -> TopUpOutcome {
        try await commit(account) { book in try book.topUp(externalPaymentID: paymentID, amountMinor: amountMinor, at: instant) }
    }

    /// Settles every reservation left open (by a crash) with `CrashRecovery`, `instant` being the
    /// recovery time. Returns the settlements made, oldest reservation first.
    public func recoverOpenReservations(at instant: BillingTime) async throws -> [Settlement] {
        var accounts: [AccountID] = []
        for reservation in try await ledger.openReservations() where accounts.last != reservation.account {
            accounts.append(reservation.account)
        }
        var settlements: [Settlement] = []
        let control = creditControl
        for account in accounts {
            settlements += try await commit(account) { book in
                CrashRecovery.recover(book, evidence: [:], creditControl: control, at: instant)
            }
        }
        return settlements
    }

    /// The tariff plan `account` is on, built once per imported revision.
    public func plan(of account: AccountID) async throws -> TariffPlan {
        let (name, revision) = try await tariffs.planOf(account: account.name)
        guard let revision else { throw BillingServiceError.planNotImported(name) }
        if let cached = plans.withLock({ $0[name] }), cached.revision == revision { return cached.plan }
        guard let stored = try await tariffs.plan(named: name) else { throw BillingServiceError.planNotImported(name) }
        return try build(stored)
    }

    /// The plan of `account` read on `db` (inside a ledger transaction), built once per revision.
    func plan(of account: AccountID, _ db: Database) throws -> TariffPlan {
        let name = try String.fetchOne(db.cachedStatement(sql: "SELECT plan FROM account_plan WHERE account = ?"), arguments: [account.name]) ?? TariffPlan.trialPlanName
        guard let revision = try Int64.fetchOne(db.cachedStatement(sql: "SELECT revision FROM tariff_plan WHERE name = ?"), arguments: [name]) else {
            throw BillingServiceError.planNotImported(name)
        }
        if let cached = plans.withLock({ $0[name] }), cached.revision == revision { return cached.plan }
        guard let stored = try SQLiteTariffStore.plan(named: name, db) else { throw BillingServiceError.planNotImported(name) }
        return try build(stored)
    }

    private func build(_ stored: StoredTariffPlan) throws -> TariffPlan {
        let plan: TariffPlan
        do {
            plan = try stored.tariffPlan(trialMinutes: settings.trialMinutes, utcOffsetSeconds: settings.utcOffsetSeconds)
        } catch {
            throw BillingServiceError.invalidPlan(stored.name, error)
        }
        plans.withLock { cache in
            if let cached = cache[stored.name], cached.revision >= stored.revision { return }
            cache[stored.name] = (stored.revision, plan)
        }
        return plan
    }

    /// Reads the book, decides, appends; decides again on a conflict. Decisions without entries
    /// (a refusal, a repeated settle, a known payment) are answered without writing. On SQLite
    /// the three happen in one write transaction (`SQLiteLedgerStore.commit`), so there is no
    /// conflict to retry.
    public func commit<T: Sendable>(_ account: AccountID, _ decide: @escaping @Sendable (AccountBook) throws -> LedgerDecision<T>) async throws -> T {
        if let sqlite = ledger as? SQLiteLedgerStore { return try await sqlite.commit(account, decide) }
        for _ in 0..<Self.maximumAttempts {
            let book = try await ledger.book(of: account)
            let decision = try decide(book)
            if decision.entries.isEmpty { return decision.outcome }
            do {
                try await ledger.append(decision.entries, to: account, expectedLastSequence: book.lastSequence)
                return decision.outcome
            } catch LedgerStoreError.conflict {
                await Task.yield()
            }
        }
        throw BillingServiceError.tooManyConflicts(account, attempts: Self.maximumAttempts)
    }
}
