// AccountBook: one account's ledger and everything derived from it. This file owns every
// transition of the book; nothing else changes its state. Its rules:
//
//  1. Entries are appended in sequence 1, 2, 3… and never change. `apply` takes a batch (the unit
//     the store writes in one transaction): every entry is checked, and if one is refused the book
//     is unchanged.
//  2. balance == Σ amountMinor of the posted entries (top-up, adjustment, charge).
//  3. held == Σ of the open reservations' holds; available == balance − held, and available ≥ 0
//     after every entry: a reservation or a debit adjustment that would make it negative is refused.
//  4. A reservation opens with its first hold, grows by extensions, and closes exactly once: one
//     charge (≤ its hold) followed by one release of the rest; after that nothing refers to it.
//     So Σ holds == charge + release for every closed reservation: no money created or lost.
//  5. A reservation's hold always equals `rate.costMinor(seconds: paidSeconds)` (pair assertion
//     with CreditControl, which computes it).
//  6. Free allowances (trial seconds, free-direction daily caps) are held and used the same way:
//     used + held never exceeds the limit, and a call uses at most what it held.
//  7. Top-ups are idempotent by external payment id: a second top-up with a recorded id is refused
//     here, and `topUp` reports it as a duplicate instead of producing an entry.

/// Why the book refused an entry (or found its state inconsistent).
public enum LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The entry does not fit: wrong account or sequence, bad amount, unknown or closed
    /// reservation, a charge that does not match its reservation…
    case rejected(LedgerEntryID, reason: String)
    /// Available credit would drop below zero.
    case insufficientCredit(LedgerEntryID, availableMinor: Int64, requestedMinor: Int64)
    /// A free allowance would be held beyond its limit.
    case allowanceExceeded(LedgerEntryID, remainingSeconds: Int64, requestedSeconds: Int64)
    /// A top-up reuses an external payment id.
    case duplicatePayment(externalPaymentID: String)
    /// The same external payment id with a different amount: the payment system is confused,
    /// nothing is recorded and a person has to look.
    case paymentIDReusedWithDifferentAmount(externalPaymentID: String, recordedMinor: Int64, requestedMinor: Int64)
    /// A top-up or adjustment amount out of range.
    case invalidAmount(Int64)
    /// Derived state disagrees with the entries (`verifyInvariants`).
    case invariantViolated(String)

    public var description: String {
        switch self {
        case .rejected(let id, let reason): "entry \(id) rejected: \(reason)"
        case .insufficientCredit(let id, let available, let requested): "entry \(id): \(requested) requested, \(available) available"
        case .allowanceExceeded(let id, let remaining, let requested): "entry \(id): \(requested) s of allowance requested, \(remaining) s remain"
        case .duplicatePayment(let payment): "payment \(payment) is already recorded"
        case .paymentIDReusedWithDifferentAmount(let payment, let recorded, let requested): "payment \(payment) was recorded for \(recorded), not \(requested)"
        case .invalidAmount(let amount): "amount \(amount) is out of range"
        case .invariantViolated(let what): "ledger invariant violated: \(what)"
        }
    }
}

/// The outcome of a top-up request.
public enum TopUpOutcome: Hashable, Sendable {
    /// New: this entry credits the balance once appended.
    case credited(LedgerEntry)
    /// Already recorded by this entry: nothing to append (the same payment id twice is one top-up).
    case alreadyRecorded(LedgerEntry)
}

/// One account's ledger and the state derived from it: balance, held and available credit, open
/// reservations, settled calls, trial and free-direction usage. A value: the core computes on a
/// copy, the edge appends the entries and applies them. Its rules are listed at the top of
/// `AccountBook.swift`.
public struct AccountBook: Hashable, Sendable {
    /// The largest single top-up or adjustment: 100,000,000.00 major units.
    public static let maximumAmountMinor: Int64 = 10_000_000_000
    /// The highest balance an account may reach (keeps every sum far from overflow).
    public static let maximumBalanceMinor: Int64 = 1_000_000_000_000_000
    /// The most reservations one account may have open at once (a hard bound; `CreditControl`
    /// refuses earlier by its own setting).
    public static let maximumOpenReservations = 64
    /// The longest an external payment id may be.
    public static let maximumPaymentIDLength = 200

    /// The account.
    public let account: AccountID
    /// Its currency.
    public let currency: CurrencyCode
    /// Every entry, in sequence.
    public private(set) var entries: [LedgerEntry] = []
    /// Σ posted entries, in minor units.
    public private(set) var balanceMinor: Int64 = 0
    /// Σ holds of the open reservations.
    public private(set) var heldMinor: Int64 = 0
    /// Trial seconds used by settled calls.
    public private(set) var trialUsedSeconds: Int64 = 0
    private var open: [ReservationID: Reservation] = [:]
    private var pendingCharge: [ReservationID: PendingCharge] = [:]
    private var settled: [ReservationID: Settlement] = [:]
    private var topUps: [String: LedgerEntry] = [:]
    private var trialHeldSeconds: Int64 = 0
    private var freeUsedSeconds: [FreeDayKey: Int64] = [:]
    private var freeHeldSeconds: [FreeDayKey: Int64] = [:]

    struct PendingCharge: Hashable, Sendable {
        let details: ChargeDetails
        let costMinor: Int64
    }

    struct FreeDayKey: Hashable, Sendable {
        let name: String
        let localDay: Int64
    }

    /// An empty book.
    public init(account: AccountID, currency: CurrencyCode = .rub) {
        self.account = account
        self.currency = currency
    }

    /// The book of `entries` as loaded from storage: replays and checks every entry and then the
    /// invariants again (a second check on read of what was checked on write).
    public init(account: AccountID, currency: CurrencyCode = .rub, replaying entries: [LedgerEntry]) throws(LedgerError) {
        self.init(account: account, currency: currency)
        try apply(entries)
        try verifyInvariants()
    }

    /// Available credit: balance − held. Never negative.
    public var availableMinor: Int64 { balanceMinor - heldMinor }
    /// The balance as money.
    public var balance: Money { Money(amountMinor: balanceMinor, currency: currency) }
    /// Available credit as money.
    public var available: Money { Money(amountMinor: availableMinor, currency: currency) }
    /// The sequence the next entry must have.
    public var nextSequence: UInt64 { UInt64(entries.count) + 1 }
    /// The id of the last entry, 0 when empty (what `LedgerStore.append` expects).
    public var lastSequence: UInt64 { UInt64(entries.count) }
    /// The open reservations, oldest first.
    public var openReservations: [Reservation] { open.values.sorted { $0.id < $1.id } }
    /// The open reservation `id`, if it is open.
    public func reservation(_ id: ReservationID) -> Reservation? { open[id] }
    /// The settlement of `id`, if it is settled.
    public func settlement(of id: ReservationID) -> Settlement? { settled[id] }
    /// Every settlement, oldest first.
    public var settlements: [Settlement] { settled.values.sorted { $0.reservationID < $1.reservationID } }
    /// The top-up entry recorded for `externalPaymentID`, if any.
    public func topUpEntry(externalPaymentID: String) -> LedgerEntry? { topUps[externalPaymentID] }
    /// Seconds of free direction `name` used by settled calls on local day `localDay`.
    public func freeSecondsUsed(direction name: String, localDay: Int64) -> Int64 {
        freeUsedSeconds[FreeDayKey(name: name, localDay: localDay), default: 0]
    }

    /// Seconds of `allowance` neither used nor held by open calls (`Int64.max` for an uncapped
    /// free direction).
    public func remainingSeconds(of allowance: Allowance) -> Int64 {
        switch allowance {
        case .trial(let limitSeconds):
            return max(0, limitSeconds - trialUsedSeconds - trialHeldSeconds)
        case .freeDirection(let name, let localDay, let cap):
            guard let cap else { return .max }
            let key = FreeDayKey(name: name, localDay: localDay)
            return max(0, cap - freeUsedSeconds[key, default: 0] - freeHeldSeconds[key, default: 0])
        }
    }

    // MARK: Requests that only produce entries

    /// A top-up of `amountMinor` paid by external payment `externalPaymentID`: one entry to
    /// append, or the entry already recorded for that id (idempotent). Throws for an amount out of
    /// range, a bad id, or the id recorded with another amount.
    public func topUp(externalPaymentID: String, amountMinor: Int64, at instant: BillingTime) throws(LedgerError) -> LedgerDecision<TopUpOutcome> {
        guard (1...AccountBook.maximumAmountMinor).contains(amountMinor) else { throw .invalidAmount(amountMinor) }
        guard !externalPaymentID.isEmpty, externalPaymentID.utf8.count <= AccountBook.maximumPaymentIDLength else {
            throw .rejected(LedgerEntryID(account: account, sequence: nextSequence), reason: "external payment id must be 1 to \(AccountBook.maximumPaymentIDLength) bytes")
        }
        if let recorded = topUps[externalPaymentID] {
            guard recorded.amountMinor == amountMinor else {
                throw .paymentIDReusedWithDifferentAmount(externalPaymentID: externalPaymentID, recordedMinor: recorded.amountMinor, requestedMinor: amountMinor)
            }
            return LedgerDecision(outcome: .alreadyRecorded(recorded), entries: [])
        }
        let entry = LedgerEntry(id: LedgerEntryID(account: account, sequence: nextSequence), kind: .topUp(externalPaymentID: externalPaymentID),
                                amountMinor: amountMinor, reservationID: nil, at: instant)
        return LedgerDecision(outcome: .credited(entry), entries: [entry])
    }

    /// An operator's correction of `amountMinor` (signed). A debit may not take available credit
    /// below zero (credit held by calls in progress stays theirs).
    public func adjustment(amountMinor: Int64, reason: String, at instant: BillingTime) throws(LedgerError) -> LedgerDecision<LedgerEntry> {
        guard amountMinor != 0, amountMinor.magnitude <= UInt64(AccountBook.maximumAmountMinor) else { throw .invalidAmount(amountMinor) }
        let entry = LedgerEntry(id: LedgerEntryID(account: account, sequence: nextSequence), kind: .adjustment(reason: reason),
                                amountMinor: amountMinor, reservationID: nil, at: instant)
        var probe = self
        try probe.apply([entry])
        return LedgerDecision(outcome: entry, entries: [entry])
    }

    // MARK: Applying entries

    /// Applies a batch of entries, all or none: if any entry is refused, the book is unchanged and
    /// the error says why. A batch may not leave a charge without its release.
    public mutating func apply(_ batch: [LedgerEntry]) throws(LedgerError) {
        var copy = self
        for entry in batch { try copy.applyOne(entry) }
        if let unfinished = copy.pendingCharge.keys.first {
            throw .rejected(batch.last?.id ?? LedgerEntryID(account: account, sequence: nextSequence), reason: "reservation \(unfinished) charged but not released in the same batch")
        }
        precondition(copy.availableMinor >= 0, "available credit negative after a batch")
        self = copy
    }

    private mutating func applyOne(_ entry: LedgerEntry) throws(LedgerError) {
        guard entry.account == account else { throw .rejected(entry.id, reason: "entry of account \(entry.account) in the book of \(account)") }
        guard entry.id.sequence == nextSequence else { throw .rejected(entry.id, reason: "expected sequence \(nextSequence)") }
        switch entry.kind {
        case .topUp(let payment): try applyTopUp(entry, payment: payment)
        case .adjustment: try applyAdjustment(entry)
        case .reservation(.open(let reservation)): try applyOpen(entry, reservation)
        case .reservation(.extend(let slice)): try applyExtend(entry, slice)
        case .charge(let details): try applyCharge(entry, details)
        case .release: try applyRelease(entry)
        }
        entries.append(entry)
        assert(availableMinor >= 0 && heldMinor >= 0)
    }

    private mutating func applyTopUp(_ entry: LedgerEntry, payment: String) throws(LedgerError) {
        guard entry.reservationID == nil else { throw .rejected(entry.id, reason: "a top-up belongs to no reservation") }
        guard (1...AccountBook.maximumAmountMinor).contains(entry.amountMinor) else { throw .invalidAmount(entry.amountMinor) }
        guard topUps[payment] == nil else { throw .duplicatePayment(externalPaymentID: payment) }
        guard balanceMinor <= AccountBook.maximumBalanceMinor - entry.amountMinor else { throw .rejected(entry.id, reason: "balance would exceed its maximum") }
        topUps[payment] = entry
        balanceMinor += entry.amountMinor
    }

    private mutating func applyAdjustment(_ entry: LedgerEntry) throws(LedgerError) {
        guard entry.reservationID == nil else { throw .rejected(entry.id, reason: "an adjustment belongs to no reservation") }
        guard entry.amountMinor != 0, entry.amountMinor.magnitude <= UInt64(AccountBook.maximumAmountMinor) else { throw .invalidAmount(entry.amountMinor) }
        guard balanceMinor <= AccountBook.maximumBalanceMinor - entry.amountMinor else { throw .rejected(entry.id, reason: "balance would exceed its maximum") }
        guard availableMinor + entry.amountMinor >= 0 else {
            throw .insufficientCredit(entry.id, availableMinor: availableMinor, requestedMinor: -entry.amountMinor)
        }
        balanceMinor += entry.amountMinor
    }

    private mutating func applyOpen(_ entry: LedgerEntry, _ reservation: Reservation) throws(LedgerError) {
        let expectedID = ReservationID(openingEntry: entry.id)
        guard reservation.id == expectedID, entry.reservationID == expectedID else { throw .rejected(entry.id, reason: "a reservation is named by its opening entry") }
        guard open.count < AccountBook.maximumOpenReservations else { throw .rejected(entry.id, reason: "too many open reservations") }
        guard reservation.lastReportedUsedSeconds == nil, reservation.allowanceSeconds >= 0, reservation.paidSeconds >= 0,
              reservation.grantedSeconds > 0, reservation.grantedSeconds <= Rate.maximumBilledSeconds
        else { throw .rejected(entry.id, reason: "a reservation grants 1 to \(Rate.maximumBilledSeconds) seconds") }
        guard reservation.allowanceSeconds == 0 || reservation.allowance != nil else { throw .rejected(entry.id, reason: "free seconds without an allowance") }
        guard reservation.paidSeconds == 0 || reservation.rate != nil else { throw .rejected(entry.id, reason: "paid seconds without a rate") }
        let hold = Self.holdMinor(rate: reservation.rate, paidSeconds: reservation.paidSeconds)
        guard reservation.amountMinor == hold, entry.amountMinor == -hold else { throw .rejected(entry.id, reason: "hold \(reservation.amountMinor) is not the cost \(hold) of \(reservation.paidSeconds) paid seconds") }
        try takeCredit(entry, hold)
        if let allowance = reservation.allowance { try holdAllowance(entry, allowance, seconds: reservation.allowanceSeconds) }
        open[expectedID] = reservation
    }

    private mutating func applyExtend(_ entry: LedgerEntry, _ slice: ReservationExtension) throws(LedgerError) {
        guard let id = entry.reservationID, var reservation = open[id], pendingCharge[id] == nil else {
            throw .rejected(entry.id, reason: "extension of a reservation that is not open")
        }
        guard slice.allowanceSeconds >= 0, slice.paidSeconds >= 0, slice.allowanceSeconds + slice.paidSeconds > 0, slice.reportedUsedSeconds >= 0 else {
            throw .rejected(entry.id, reason: "an extension adds seconds")
        }
        guard slice.allowanceSeconds == 0 || (reservation.allowance != nil && reservation.paidSeconds == 0) else {
            throw .rejected(entry.id, reason: "free seconds can only be added before the paid part starts")
        }
        guard reservation.grantedSeconds + slice.allowanceSeconds + slice.paidSeconds <= Rate.maximumBilledSeconds else {
            throw .rejected(entry.id, reason: "a reservation grants at most \(Rate.maximumBilledSeconds) seconds")
        }
        guard slice.paidSeconds == 0 || reservation.rate != nil else { throw .rejected(entry.id, reason: "paid seconds without a rate") }
        let newPaidSeconds = reservation.paidSeconds + slice.paidSeconds
        let addedHold = Self.holdMinor(rate: reservation.rate, paidSeconds: newPaidSeconds) - reservation.amountMinor
        guard entry.amountMinor == -addedHold else { throw .rejected(entry.id, reason: "extension hold \(-entry.amountMinor) is not the added cost \(addedHold)") }
        try takeCredit(entry, addedHold)
        if let allowance = reservation.allowance, slice.allowanceSeconds > 0 { try holdAllowance(entry, allowance, seconds: slice.allowanceSeconds) }
        reservation.allowanceSeconds += slice.allowanceSeconds
        reservation.paidSeconds = newPaidSeconds
        reservation.amountMinor += addedHold
        reservation.lastReportedUsedSeconds = slice.reportedUsedSeconds
        reservation.lastReportedAt = entry.at
        open[id] = reservation
    }

    private mutating func applyCharge(_ entry: LedgerEntry, _ details: ChargeDetails) throws(LedgerError) {
        guard let id = entry.reservationID, let reservation = open[id], pendingCharge[id] == nil else {
            throw .rejected(entry.id, reason: "charge of a reservation that is not open (or charged twice)")
        }
        let cost = -entry.amountMinor
        guard cost >= 0, cost <= reservation.amountMinor else { throw .rejected(entry.id, reason: "charge \(cost) exceeds the hold \(reservation.amountMinor)") }
        guard details.allowanceUsedSeconds >= 0, details.allowanceUsedSeconds <= reservation.allowanceSeconds, details.durationSeconds >= 0 else {
            throw .rejected(entry.id, reason: "allowance used beyond what was held")
        }
        guard (cost == 0) == (details.billedSeconds == 0) || reservation.rate?.pricePerMinuteMinor == 0 else {
            throw .rejected(entry.id, reason: "cost \(cost) does not match \(details.billedSeconds) billed seconds")
        }
        pendingCharge[id] = PendingCharge(details: details, costMinor: cost)
        balanceMinor -= cost
        heldMinor -= cost
    }

    private mutating func applyRelease(_ entry: LedgerEntry) throws(LedgerError) {
        guard let id = entry.reservationID, let reservation = open[id], let charge = pendingCharge[id] else {
            throw .rejected(entry.id, reason: "release of a reservation that is not open and charged")
        }
        guard entry.amountMinor == reservation.amountMinor - charge.costMinor else {
            throw .rejected(entry.id, reason: "release \(entry.amountMinor) is not the rest \(reservation.amountMinor - charge.costMinor) of the hold")
        }
        heldMinor -= entry.amountMinor
        releaseAllowance(reservation, usedSeconds: charge.details.allowanceUsedSeconds)
        open[id] = nil
        pendingCharge[id] = nil
        settled[id] = Settlement(
            reservationID: id,
            chargedMinor: charge.costMinor,
            releasedMinor: entry.amountMinor,
            record: CallDetailRecord(reservation: reservation, charge: charge.details, costMinor: charge.costMinor, currency: currency)
        )
    }

    private mutating func takeCredit(_ entry: LedgerEntry, _ holdMinor: Int64) throws(LedgerError) {
        guard holdMinor >= 0 else { throw .rejected(entry.id, reason: "negative hold") }
        guard holdMinor <= availableMinor else { throw .insufficientCredit(entry.id, availableMinor: availableMinor, requestedMinor: holdMinor) }
        heldMinor += holdMinor
    }

    private mutating func holdAllowance(_ entry: LedgerEntry, _ allowance: Allowance, seconds: Int64) throws(LedgerError) {
        let remaining = remainingSeconds(of: allowance)
        guard seconds <= remaining else { throw .allowanceExceeded(entry.id, remainingSeconds: remaining, requestedSeconds: seconds) }
        switch allowance {
        case .trial: trialHeldSeconds += seconds
        case .freeDirection(let name, let localDay, _): freeHeldSeconds[FreeDayKey(name: name, localDay: localDay), default: 0] += seconds
        }
    }

    private mutating func releaseAllowance(_ reservation: Reservation, usedSeconds: Int64) {
        guard let allowance = reservation.allowance else { return }
        precondition(usedSeconds <= reservation.allowanceSeconds)
        switch allowance {
        case .trial:
            trialHeldSeconds -= reservation.allowanceSeconds
            trialUsedSeconds += usedSeconds
            precondition(trialHeldSeconds >= 0)
        case .freeDirection(let name, let localDay, _):
            let key = FreeDayKey(name: name, localDay: localDay)
            freeHeldSeconds[key, default: 0] -= reservation.allowanceSeconds
            freeUsedSeconds[key, default: 0] += usedSeconds
            precondition(freeHeldSeconds[key, default: 0] >= 0)
            if freeHeldSeconds[key] == 0 { freeHeldSeconds[key] = nil }
        }
    }

    /// The money a reservation must hold for `paidSeconds` at `rate`.
    static func holdMinor(rate: Rate?, paidSeconds: Int64) -> Int64 {
        guard paidSeconds > 0, let rate else { return 0 }
        return rate.costMinor(seconds: paidSeconds)
    }

    // MARK: Identity

    /// Two books are equal when they hold the same entries (everything else derives from them).
    public static func == (lhs: AccountBook, rhs: AccountBook) -> Bool {
        lhs.account == rhs.account && lhs.currency == rhs.currency && lhs.entries == rhs.entries
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(account)
        hasher.combine(entries.count)
        hasher.combine(entries.last)
    }

    // MARK: Invariants

    /// Recomputes everything from the entries alone and compares it with the derived state:
    /// balance == Σ posted, held == Σ open holds ≥ 0, available ≥ 0, each closed reservation has
    /// exactly one charge and one release with holds == charge + release, each open one none, no
    /// payment id twice, sequences 1…n, allowance usage within limits. Throws the first violation.
    public func verifyInvariants() throws(LedgerError) {
        var posted: Int64 = 0
        var holds: [ReservationID: Int64] = [:]
        var charges: [ReservationID: Int64] = [:]
        var releases: [ReservationID: Int64] = [:]
        var payments = Set<String>()
        for (index, entry) in entries.enumerated() {
            guard entry.id == LedgerEntryID(account: account, sequence: UInt64(index) + 1) else { throw .invariantViolated("entry \(index + 1) is \(entry.id)") }
            if entry.isPosted { posted += entry.amountMinor }
            switch entry.kind {
            case .topUp(let payment):
                guard payments.insert(payment).inserted else { throw .invariantViolated("payment \(payment) recorded twice") }
            case .reservation(let hold):
                guard let id = entry.reservationID else { throw .invariantViolated("hold \(entry.id) without a reservation") }
                if case .open = hold, holds[id] != nil { throw .invariantViolated("reservation \(id) opened twice") }
                guard charges[id] == nil else { throw .invariantViolated("hold \(entry.id) after the charge of \(id)") }
                holds[id, default: 0] += -entry.amountMinor
            case .charge:
                guard let id = entry.reservationID, holds[id] != nil, charges[id] == nil else { throw .invariantViolated("charge \(entry.id) without one open reservation") }
                charges[id] = -entry.amountMinor
            case .release:
                guard let id = entry.reservationID, charges[id] != nil, releases[id] == nil else { throw .invariantViolated("release \(entry.id) without one charge") }
                releases[id] = entry.amountMinor
            case .adjustment:
                break
            }
        }
        guard posted == balanceMinor else { throw .invariantViolated("balance \(balanceMinor) != Σ posted entries \(posted)") }
        var openHolds: Int64 = 0
        for (id, hold) in holds {
            if let charge = charges[id], let release = releases[id] {
                guard charge >= 0, release >= 0, charge + release == hold else { throw .invariantViolated("reservation \(id): holds \(hold) != charge \(charge) + release \(release)") }
                guard open[id] == nil, settled[id]?.chargedMinor == charge else { throw .invariantViolated("reservation \(id) closed in the entries but not in the book") }
            } else {
                guard let reservation = open[id], reservation.amountMinor == hold else { throw .invariantViolated("reservation \(id) open in the entries but not in the book") }
                guard hold == Self.holdMinor(rate: reservation.rate, paidSeconds: reservation.paidSeconds) else { throw .invariantViolated("reservation \(id) holds \(hold), not the cost of its paid seconds") }
                openHolds += hold
            }
        }
        guard holds.count == open.count + settled.count else { throw .invariantViolated("\(holds.count) reservations in the entries, \(open.count) open + \(settled.count) settled in the book") }
        guard openHolds == heldMinor, heldMinor >= 0 else { throw .invariantViolated("held \(heldMinor) != Σ open holds \(openHolds)") }
        guard availableMinor >= 0 else { throw .invariantViolated("available \(availableMinor) < 0") }
        guard payments.count == topUps.count, pendingCharge.isEmpty else { throw .invariantViolated("top-up index or pending charges out of step") }
        try verifyAllowances()
    }

    /// Allowance bookkeeping against the reservations: held == Σ open free seconds, used ==
    /// Σ settled free seconds, and used + held within the limit of every open trial call.
    private func verifyAllowances() throws(LedgerError) {
        var trialHeld: Int64 = 0
        var freeHeld: [FreeDayKey: Int64] = [:]
        for reservation in open.values {
            switch reservation.allowance {
            case .trial(let limit):
                trialHeld += reservation.allowanceSeconds
                guard trialUsedSeconds + trialHeldSeconds <= limit else {
                    throw .invariantViolated("trial used \(trialUsedSeconds) + held \(trialHeldSeconds) > limit \(limit)")
                }
            case .freeDirection(let name, let localDay, _):
                freeHeld[FreeDayKey(name: name, localDay: localDay), default: 0] += reservation.allowanceSeconds
            case nil:
                break
            }
        }
        var trialUsed: Int64 = 0
        var freeUsed: [FreeDayKey: Int64] = [:]
        for settlement in settled.values {
            guard let reservation = entries[Int(settlement.reservationID.openingEntry.sequence) - 1].openedReservation else {
                throw .invariantViolated("settlement \(settlement.reservationID) has no opening entry")
            }
            switch reservation.allowance {
            case .trial: trialUsed += settlement.record.freeSeconds
            case .freeDirection(let name, let localDay, _): freeUsed[FreeDayKey(name: name, localDay: localDay), default: 0] += settlement.record.freeSeconds
            case nil: guard settlement.record.freeSeconds == 0 else { throw .invariantViolated("free seconds on a paid call") }
            }
        }
        guard trialHeld == trialHeldSeconds, trialUsed == trialUsedSeconds else {
            throw .invariantViolated("trial held \(trialHeldSeconds)/used \(trialUsedSeconds), reservations say \(trialHeld)/\(trialUsed)")
        }
        guard freeHeld == freeHeldSeconds, freeUsed.filter({ $0.value > 0 }) == freeUsedSeconds.filter({ $0.value > 0 }) else {
            throw .invariantViolated("free-direction usage out of step with the reservations")
        }
        for (key, used) in freeUsed {
            let caps = open.values.compactMap { reservation -> Int64? in
                if case .freeDirection(key.name, key.localDay, let cap?) = reservation.allowance { return cap }
                return nil
            }
            for cap in caps where used + freeHeld[key, default: 0] > cap {
                throw .invariantViolated("free direction \(key.name) day \(key.localDay): used \(used) + held > cap \(cap)")
            }
        }
    }
}
