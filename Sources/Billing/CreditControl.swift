// CreditControl: the call path's money decisions, modelled on Diameter credit control (RFC 4006:
// CCR-Initial → authorize, CCR-Update → renew, CCR-Terminate → settle) and on TigerBeetle's
// two-phase transfers (reserve, then post and void the rest, once). Pure: a book and an instant
// in, a decision and the ledger entries recording it out.
//
// Rules where the issue is silent, chosen here:
//  - Order of authorisation: 484 (Numbering's refusal, passed through) → 403 barred prefix →
//    403 too many calls in progress → free direction (if its daily cap has room) → trial (Russian
//    landline, trial minutes left) → 403 no rate → 402 balance ≤ 0 → 402 nothing available (all
//    held by calls in progress) → 402 available does not cover the first billed increment.
//  - Slices: every grant, free or paid, is at most `sliceSeconds` (default 300 s, five minutes'
//    worth); `renew` adds another. So concurrent calls of one account hold at most what the
//    account has (money) or has left (trial minutes, daily caps), never more.
//  - A paid grant is the longest time whose cost fits the available credit (never more than a
//    slice); the hold is exactly the cost of the granted paid seconds, connection fee included.
//  - Crossing the trial limit (or a free direction's daily cap) mid-call: the free part ends at
//    the limit; the call then goes on paid at the destination's rate, only if the account has a
//    positive balance and available credit for the first increment (the same rule as a new paid
//    call, PRODUCT.md), otherwise it must end at the limit. The paid part is billed as a call of
//    its own length (increment and connection fee from its first second).
//  - Terms are fixed at authorisation: rate, allowance and its day stay the call's even if the
//    plan changes or midnight passes during the call.
//  - Settlement charges the exact cost by increments of the paid part, capped at what was held:
//    never more than reserved (a call that overran its grant was cut late; the overrun is ours).
//    Free seconds used are capped at what was held in the same way.
//  - Unanswered calls cost nothing and use no allowance; so does a call with 0 billed seconds.

/// The 4xx codes a refusal carries; the B2BUA sends them as the SIP final response.
public enum RefusalCode: Int, Hashable, Sendable {
    /// 402 Payment Required: no positive balance, or not enough available for the first increment.
    case paymentRequired = 402
    /// 403 Forbidden: the destination is barred, has no rate, or too many calls are in progress.
    case forbidden = 403
    /// 484 Address Incomplete: Numbering could not make an E.164 number (passed through).
    case addressIncomplete = 484
}

/// Why a call is free.
public enum FreeReason: Hashable, Sendable {
    /// The trial tariff's minutes.
    case trial
    /// A free direction of the plan, by name.
    case freeDirection(name: String)
}

/// The answer to `authorize` (RFC 4006 CCA-Initial).
public enum Authorization: Hashable, Sendable {
    /// Free: why, and the reservation that holds the free seconds (`grantedSeconds`); no money held.
    case free(reason: FreeReason, reservation: Reservation)
    /// Paid at `rate`: the reservation holds the money for `reservation.grantedSeconds`.
    case paid(rate: Rate, reservation: Reservation)
    /// Refused with a SIP code and a reason phrase for the user.
    case refused(code: RefusalCode, reason: String)

    /// Seconds the call may last before it renews, or nil when refused.
    public var grantedSeconds: Int64? { reservation?.grantedSeconds }

    /// The reservation, unless refused.
    public var reservation: Reservation? {
        switch self {
        case .free(_, let reservation), .paid(_, let reservation): reservation
        case .refused: nil
        }
    }
}

/// The answer to `renew` (RFC 4006 CCA-Update).
public enum Renewal: Hashable, Sendable {
    /// Granted another slice: the call may now last `reservation.grantedSeconds` in all.
    case extended(Reservation)
    /// No more: the call must end when its talk time reaches `afterSeconds` (now, if already past).
    case end(afterSeconds: Int64)
}

/// Errors of the call path that are the caller's mistake rather than a refusal.
public enum CreditControlError: Error, Hashable, Sendable {
    /// No reservation with this id was ever opened in this book.
    case unknownReservation(ReservationID)
}

/// Settings of credit control; bounds, not tariffs.
public struct CreditControlSettings: Hashable, Sendable {
    /// The longest grant per authorisation or renewal (a slice), seconds.
    public let sliceSeconds: Int64
    /// The longest call, seconds, whatever the balance.
    public let maximumCallSeconds: Int64
    /// The most calls one account may have in progress (refused with 403 beyond).
    public let maximumConcurrentCalls: Int

    /// Defaults: 5-minute slices, 4-hour calls, 8 concurrent calls per account.
    public init(sliceSeconds: Int64 = 300, maximumCallSeconds: Int64 = 4 * 3600, maximumConcurrentCalls: Int = 8) {
        precondition((1...3600).contains(sliceSeconds), "slice must be 1...3600 s")
        precondition((sliceSeconds...Rate.maximumBilledSeconds).contains(maximumCallSeconds), "maximum call must be a slice to 7 days")
        precondition((1...AccountBook.maximumOpenReservations).contains(maximumConcurrentCalls), "concurrent calls 1...\(AccountBook.maximumOpenReservations)")
        self.sliceSeconds = sliceSeconds
        self.maximumCallSeconds = maximumCallSeconds
        self.maximumConcurrentCalls = maximumConcurrentCalls
    }
}

/// The pure credit-control core: authorise a call, renew its grant, settle it. Each returns a
/// `LedgerDecision`: the answer and the entries to append; the edge appends them (atomically, see
/// `LedgerStore`) and applies them to its book. Rules chosen where the issue is silent are listed
/// at the top of `CreditControl.swift`.
public struct CreditControl: Hashable, Sendable {
    /// Slice size and bounds.
    public let settings: CreditControlSettings

    /// A core with `settings`.
    public init(settings: CreditControlSettings = CreditControlSettings()) {
        self.settings = settings
    }

    /// RFC 4006 CCR-Initial: may `caller` (account of `book`, on `plan`) call `dialled` at `instant`?
    public func authorize(_ book: AccountBook, plan: TariffPlan, caller: String, dialled: DialledNumber, at instant: BillingTime) -> LedgerDecision<Authorization> {
        precondition(plan.currency == book.currency, "plan \(plan.name) is in \(plan.currency), account \(book.account) in \(book.currency)")
        let destination: Destination
        switch dialled {
        case .incomplete(_, let reason): return refuse(.addressIncomplete, reason)
        case .routable(let routable): destination = routable
        }
        let digits = destination.e164Digits
        if plan.isBarred(digits) { return refuse(.forbidden, "Forbidden: calls to +\(digits) are barred") }
        guard book.openReservations.count < settings.maximumConcurrentCalls else {
            return refuse(.forbidden, "Forbidden: too many calls in progress (at most \(settings.maximumConcurrentCalls))")
        }
        let rate = plan.rate(for: digits, at: instant)
        let terms = Terms(caller: caller, destination: destination, plan: plan, rate: rate, at: instant)

        if let direction = plan.freeDirection(for: digits, at: instant) {
            let allowance = Allowance.freeDirection(name: direction.name, localDay: plan.localDay(at: instant), dailyCapSeconds: direction.dailyCapSeconds)
            if let decision = openFree(book, terms, allowance, reason: .freeDirection(name: direction.name)) { return decision }
        }
        var trialUsedUp = false
        if let trial = plan.trial, destination.classification == trial.covers {
            if let decision = openFree(book, terms, .trial(limitSeconds: trial.limitSeconds), reason: .trial) { return decision }
            trialUsedUp = true
        }
        guard let rate else { return refuse(.forbidden, "Forbidden: no rate for +\(digits) on plan \(plan.name)") }
        guard book.balanceMinor > 0 else {
            return refuse(.paymentRequired, trialUsedUp ? "Payment Required: trial minutes used up, top up your balance" : "Payment Required: top up your balance")
        }
        guard book.availableMinor > 0 else { return refuse(.paymentRequired, "Payment Required: your balance is held by calls in progress") }
        let paidSeconds = affordableSeconds(rate, from: 0, budgetMinor: book.availableMinor, upTo: min(settings.sliceSeconds, settings.maximumCallSeconds))
        guard paidSeconds > 0 else {
            let first = rate.increment.firstSeconds
            return refuse(.paymentRequired, "Payment Required: the balance does not cover the first \(first) s at \(Money(amountMinor: rate.pricePerMinuteMinor, currency: plan.currency)) per minute")
        }
        let reservation = terms.reservation(id: nextReservationID(book), allowance: nil, allowanceSeconds: 0, paidSeconds: paidSeconds,
                                            amountMinor: rate.costMinor(seconds: paidSeconds))
        return open(book, reservation, outcome: .paid(rate: rate, reservation: reservation), at: instant)
    }

    /// RFC 4006 CCR-Update: the call of `id` has talked `usedSeconds`; grant another slice (free
    /// first while its allowance lasts, then paid) or tell it when to end.
    public func renew(_ book: AccountBook, reservation id: ReservationID, usedSeconds: Int64, at instant: BillingTime) throws(CreditControlError) -> LedgerDecision<Renewal> {
        precondition(usedSeconds >= 0, "negative talk time")
        guard let reservation = book.reservation(id) else {
            guard let settled = book.settlement(of: id) else { throw .unknownReservation(id) }
            return LedgerDecision(outcome: .end(afterSeconds: settled.record.durationSeconds), entries: [])
        }
        let end = LedgerDecision(outcome: Renewal.end(afterSeconds: reservation.grantedSeconds), entries: [])
        let room = min(settings.sliceSeconds, settings.maximumCallSeconds - reservation.grantedSeconds)
        guard room > 0 else { return end }
        var addedAllowance: Int64 = 0
        var addedPaid: Int64 = 0
        if reservation.paidSeconds == 0, let allowance = reservation.allowance {
            addedAllowance = min(room, book.remainingSeconds(of: allowance))
        }
        if addedAllowance == 0 {
            guard let rate = reservation.rate, book.balanceMinor > 0, book.availableMinor > 0 else { return end }
            let target = affordableSeconds(rate, from: reservation.paidSeconds, budgetMinor: book.availableMinor, upTo: reservation.paidSeconds + room)
            addedPaid = target - reservation.paidSeconds
            guard addedPaid > 0 else { return end }
        }
        let newPaid = reservation.paidSeconds + addedPaid
        let addedHold = AccountBook.holdMinor(rate: reservation.rate, paidSeconds: newPaid) - reservation.amountMinor
        assert(addedHold >= 0 && addedHold <= book.availableMinor)
        let entry = LedgerEntry(
            id: LedgerEntryID(account: book.account, sequence: book.nextSequence),
            kind: .reservation(.extend(ReservationExtension(allowanceSeconds: addedAllowance, paidSeconds: addedPaid, reportedUsedSeconds: usedSeconds))),
            amountMinor: -addedHold, reservationID: id, at: instant)
        var extended = reservation
        extended.allowanceSeconds += addedAllowance
        extended.paidSeconds = newPaid
        extended.amountMinor += addedHold
        extended.lastReportedUsedSeconds = usedSeconds
        extended.lastReportedAt = instant
        return LedgerDecision(outcome: .extended(extended), entries: [entry])
    }

    /// RFC 4006 CCR-Terminate: the call of `id` was answered at `answeredAt` (nil: never) and
    /// ended at `endedAt`. Charges the exact cost (capped at the hold), releases the rest, and
    /// returns the settlement with its CDR. Idempotent: settling a settled call returns the first
    /// settlement and no entries.
    public func settle(_ book: AccountBook, reservation id: ReservationID, answeredAt: BillingTime?, endedAt: BillingTime, reason: EndReason) throws(CreditControlError) -> LedgerDecision<Settlement> {
        if let settled = book.settlement(of: id) { return LedgerDecision(outcome: settled, entries: []) }
        guard let reservation = book.reservation(id) else { throw .unknownReservation(id) }
        var durationSeconds: Int64 = 0
        if let answeredAt {
            precondition(answeredAt <= endedAt, "a call cannot end before it is answered")
            durationSeconds = min(endedAt.seconds(since: answeredAt), Rate.maximumBilledSeconds)
        }
        return settle(book, reservation, durationSeconds: durationSeconds, answeredAt: answeredAt, endedAt: endedAt, reason: reason)
    }

    /// Settles `reservation` for `durationSeconds` of talk (the shared path of `settle` and crash recovery).
    func settle(_ book: AccountBook, _ reservation: Reservation, durationSeconds: Int64, answeredAt: BillingTime?, endedAt: BillingTime, reason: EndReason) -> LedgerDecision<Settlement> {
        precondition(durationSeconds >= 0)
        let allowanceUsed = min(durationSeconds, reservation.allowanceSeconds)
        let paidUsed = min(durationSeconds - allowanceUsed, reservation.paidSeconds)
        var costMinor: Int64 = 0
        var billedSeconds: Int64 = 0
        if paidUsed > 0, let rate = reservation.rate {
            billedSeconds = rate.increment.billedSeconds(for: paidUsed)
            costMinor = min(rate.costMinor(seconds: paidUsed), reservation.amountMinor)
        }
        precondition(costMinor >= 0 && costMinor <= reservation.amountMinor, "never charge more than reserved")
        let details = ChargeDetails(answeredAt: answeredAt, endedAt: endedAt, durationSeconds: durationSeconds,
                                    allowanceUsedSeconds: allowanceUsed, billedSeconds: billedSeconds, endReason: reason)
        let charge = LedgerEntry(id: LedgerEntryID(account: book.account, sequence: book.nextSequence), kind: .charge(details),
                                 amountMinor: -costMinor, reservationID: reservation.id, at: endedAt)
        let release = LedgerEntry(id: LedgerEntryID(account: book.account, sequence: book.nextSequence + 1), kind: .release,
                                  amountMinor: reservation.amountMinor - costMinor, reservationID: reservation.id, at: endedAt)
        let settlement = Settlement(
            reservationID: reservation.id, chargedMinor: costMinor, releasedMinor: reservation.amountMinor - costMinor,
            record: CallDetailRecord(reservation: reservation, charge: details, costMinor: costMinor, currency: book.currency))
        return LedgerDecision(outcome: settlement, entries: [charge, release])
    }

    // MARK: Helpers

    /// The longest paid time `s` in `from...upTo` whose added cost `cost(s) − cost(from)` fits
    /// `budgetMinor`; `from` if none does. Binary search over a monotone cost: at most ~22 steps.
    func affordableSeconds(_ rate: Rate, from: Int64, budgetMinor: Int64, upTo: Int64) -> Int64 {
        precondition(from >= 0 && upTo >= from && budgetMinor >= 0)
        let base = AccountBook.holdMinor(rate: rate, paidSeconds: from)
        func fits(_ seconds: Int64) -> Bool { AccountBook.holdMinor(rate: rate, paidSeconds: seconds) - base <= budgetMinor }
        if fits(upTo) { return upTo }
        var low = from      // fits
        var high = upTo     // does not fit
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if fits(middle) { low = middle } else { high = middle }
        }
        assert(fits(low) && !fits(low + 1))
        return low
    }

    private func openFree(_ book: AccountBook, _ terms: Terms, _ allowance: Allowance, reason: FreeReason) -> LedgerDecision<Authorization>? {
        let seconds = min(settings.sliceSeconds, settings.maximumCallSeconds, book.remainingSeconds(of: allowance))
        guard seconds > 0 else { return nil }
        let reservation = terms.reservation(id: nextReservationID(book), allowance: allowance, allowanceSeconds: seconds, paidSeconds: 0, amountMinor: 0)
        return open(book, reservation, outcome: .free(reason: reason, reservation: reservation), at: terms.at)
    }

    private func open(_ book: AccountBook, _ reservation: Reservation, outcome: Authorization, at instant: BillingTime) -> LedgerDecision<Authorization> {
        assert(reservation.amountMinor <= book.availableMinor)
        let entry = LedgerEntry(id: reservation.id.openingEntry, kind: .reservation(.open(reservation)), amountMinor: -reservation.amountMinor,
                                reservationID: reservation.id, at: instant)
        return LedgerDecision(outcome: outcome, entries: [entry])
    }

    private func refuse(_ code: RefusalCode, _ reason: String) -> LedgerDecision<Authorization> {
        LedgerDecision(outcome: .refused(code: code, reason: reason), entries: [])
    }

    private func nextReservationID(_ book: AccountBook) -> ReservationID {
        ReservationID(openingEntry: LedgerEntryID(account: book.account, sequence: book.nextSequence))
    }

    /// What every reservation of one authorisation shares.
    private struct Terms {
        let caller: String
        let destination: Destination
        let plan: TariffPlan
        let rate: Rate?
        let at: BillingTime

        func reservation(id: ReservationID, allowance: Allowance?, allowanceSeconds: Int64, paidSeconds: Int64, amountMinor: Int64) -> Reservation {
            Reservation(id: id, caller: caller, destination: destination, planName: plan.name, openedAt: at, rate: rate,
                        allowance: allowance, allowanceSeconds: allowanceSeconds, paidSeconds: paidSeconds, amountMinor: amountMinor)
        }
    }
}
