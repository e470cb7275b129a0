/// An account: the user name a balance belongs to.
public struct AccountID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The account's name (the SIP user name).
    public let name: String

    /// The account called `name`; precondition: not empty.
    public init(_ name: String) {
        precondition(!name.isEmpty, "an account needs a name")
        self.name = name
    }

    public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.name < rhs.name }
    public var description: String { name }
}

/// A ledger entry's identity: its account and its position in that account's ledger (1, 2, 3…,
/// without gaps). Deterministic, so a pure core can name entries without a random source, and the
/// store can detect a concurrent writer (two writers computing entry N for one account: the second
/// append is refused and retried on the fresh book).
public struct LedgerEntryID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The account whose ledger holds the entry.
    public let account: AccountID
    /// 1-based position in that ledger.
    public let sequence: UInt64

    /// The entry at `sequence` of `account`'s ledger.
    public init(account: AccountID, sequence: UInt64) {
        precondition(sequence >= 1, "ledger sequences start at 1")
        self.account = account
        self.sequence = sequence
    }

    public static func < (lhs: LedgerEntryID, rhs: LedgerEntryID) -> Bool {
        (lhs.account, lhs.sequence) < (rhs.account, rhs.sequence)
    }

    public var description: String { "\(account)#\(sequence)" }
}

/// A reservation's identity: the id of the ledger entry that opened it.
public struct ReservationID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The opening reservation entry.
    public let openingEntry: LedgerEntryID

    /// The reservation opened by `openingEntry`.
    public init(openingEntry: LedgerEntryID) {
        self.openingEntry = openingEntry
    }

    /// The account the reservation holds credit of.
    public var account: AccountID { openingEntry.account }

    public static func < (lhs: ReservationID, rhs: ReservationID) -> Bool { lhs.openingEntry < rhs.openingEntry }
    public var description: String { "r\(openingEntry)" }
}

/// Why a call ended, for the CDR.
public enum EndReason: Hashable, Sendable {
    /// The caller sent BYE.
    case callerHungUp
    /// The callee sent BYE.
    case calleeHungUp
    /// The grant ran out (money or free allowance) and the B2BUA ended both legs.
    case creditExhausted
    /// The call was never answered: the final response's status code (486, 487, 603…).
    case unanswered(statusCode: Int)
    /// A failure on our side or the trunk's, in words.
    case failed(String)
    /// Settled on start-up from what was known after a crash.
    case recoveredAfterCrash
}

/// A free allowance a call draws on instead of money, fixed when the call is authorised.
public enum Allowance: Hashable, Sendable {
    /// The trial tariff's minutes; `limitSeconds` as configured when the call was authorised.
    case trial(limitSeconds: Int64)
    /// A free direction named `name`, counted on local day `localDay` (days since 1970-01-01 in
    /// the plan's zone) against `dailyCapSeconds` (nil: no cap).
    case freeDirection(name: String, localDay: Int64, dailyCapSeconds: Int64?)
}

/// How a call was authorised: what the CDR calls free, trial or paid.
public enum CallCategory: Hashable, Sendable {
    /// Free by a free direction (promotion) of the plan.
    case free(direction: String)
    /// Free by the trial tariff's minutes.
    case trial
    /// Paid from the balance.
    case paid
}

/// The credit held for one call, RFC 4006's granted quota: its terms are fixed when it is opened
/// (rate, allowance, plan), and renewals add slices. The call may last `grantedSeconds` of talk:
/// first `allowanceSeconds` free, then `paidSeconds` paid at `rate`, for which `amountMinor` is
/// held (always exactly `rate.costMinor(seconds: paidSeconds)`).
public struct Reservation: Hashable, Sendable {
    /// Its identity (the opening ledger entry).
    public let id: ReservationID
    /// Who called (the account's user name or the From as the B2BUA saw it).
    public let caller: String
    /// Whom.
    public let destination: Destination
    /// The plan the call was rated on.
    public let planName: String
    /// The instant of authorisation: the CDR's start time.
    public let openedAt: BillingTime
    /// The rate for the paid part; nil only for a free call to a destination without a rate.
    public let rate: Rate?
    /// The free allowance the call draws on first, if any.
    public let allowance: Allowance?
    /// Free seconds granted so far.
    public internal(set) var allowanceSeconds: Int64
    /// Paid seconds granted so far (after the free ones).
    public internal(set) var paidSeconds: Int64
    /// Money held for the paid seconds, in minor units.
    public internal(set) var amountMinor: Int64
    /// The talk time the B2BUA reported at its last renewal and when: evidence for crash recovery.
    public internal(set) var lastReportedUsedSeconds: Int64?
    /// When that report was made.
    public internal(set) var lastReportedAt: BillingTime?

    /// Seconds of talk the call may last before it must renew or end.
    public var grantedSeconds: Int64 { allowanceSeconds + paidSeconds }

    /// The account holding the reservation.
    public var account: AccountID { id.account }

    /// Free by a direction, trial, or paid: how the call was authorised.
    public var category: CallCategory {
        switch allowance {
        case .trial: .trial
        case .freeDirection(let name, _, _): .free(direction: name)
        case nil: .paid
        }
    }

    /// A reservation as recorded; public so that `Storage` can decode stored entries. Only the
    /// core creates new ones, and `AccountBook.apply` checks every one it is given.
    public init(id: ReservationID, caller: String, destination: Destination, planName: String, openedAt: BillingTime,
                rate: Rate?, allowance: Allowance?, allowanceSeconds: Int64, paidSeconds: Int64, amountMinor: Int64,
                lastReportedUsedSeconds: Int64? = nil, lastReportedAt: BillingTime? = nil) {
        self.id = id
        self.caller = caller
        self.destination = destination
        self.planName = planName
        self.openedAt = openedAt
        self.rate = rate
        self.allowance = allowance
        self.allowanceSeconds = allowanceSeconds
        self.paidSeconds = paidSeconds
        self.amountMinor = amountMinor
        self.lastReportedUsedSeconds = lastReportedUsedSeconds
        self.lastReportedAt = lastReportedAt
    }
}

/// A renewal's added slice (RFC 4006 CCR-Update): more free seconds, or more paid seconds with
/// the money for them, and the talk time reported at the renewal.
public struct ReservationExtension: Hashable, Sendable {
    /// Free seconds added.
    public let allowanceSeconds: Int64
    /// Paid seconds added.
    public let paidSeconds: Int64
    /// Talk time so far, as the B2BUA reported it when renewing.
    public let reportedUsedSeconds: Int64

    /// A slice (for the core, and for `Storage` decoding entries).
    public init(allowanceSeconds: Int64, paidSeconds: Int64, reportedUsedSeconds: Int64) {
        self.allowanceSeconds = allowanceSeconds
        self.paidSeconds = paidSeconds
        self.reportedUsedSeconds = reportedUsedSeconds
    }
}

/// The exact outcome of a call, recorded by its charge entry.
public struct ChargeDetails: Hashable, Sendable {
    /// When the callee answered, or nil.
    public let answeredAt: BillingTime?
    /// When the call ended.
    public let endedAt: BillingTime
    /// Talk time, answer to end (0 when unanswered).
    public let durationSeconds: Int64
    /// Seconds drawn from the free allowance (never more than were granted).
    public let allowanceUsedSeconds: Int64
    /// Seconds billed for the paid part by the rate's increment (0 when there is none).
    public let billedSeconds: Int64
    /// Why the call ended.
    public let endReason: EndReason

    /// A call's outcome (for the core, and for `Storage` decoding entries).
    public init(answeredAt: BillingTime?, endedAt: BillingTime, durationSeconds: Int64, allowanceUsedSeconds: Int64, billedSeconds: Int64, endReason: EndReason) {
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.durationSeconds = durationSeconds
        self.allowanceUsedSeconds = allowanceUsedSeconds
        self.billedSeconds = billedSeconds
        self.endReason = endReason
    }
}

/// One immutable line of an account's ledger. `amountMinor` is signed, and its meaning depends on
/// the kind:
///
/// | kind        | amountMinor | balance | held |
/// |-------------|-------------|---------|------|
/// | topUp       | > 0         | +       |      |
/// | adjustment  | ≠ 0         | ±       |      |
/// | reservation | ≤ 0 (−hold) |         | +    |
/// | charge      | ≤ 0 (−cost) | −       | −    |
/// | release     | ≥ 0 (rest)  |         | −    |
///
/// A charge takes the cost out of the hold, the release returns the rest: for every reservation,
/// the sum of its holds == its charge + its release, so nothing is created or lost. Balance is the
/// sum of the posted kinds (top-up, adjustment, charge); available = balance − held.
public struct LedgerEntry: Hashable, Sendable {
    /// What the entry does.
    public enum Kind: Hashable, Sendable {
        /// Money paid in from outside; idempotent by the payment's id.
        case topUp(externalPaymentID: String)
        /// A hold for a call: its first slice (`open`, with the call's terms) or a renewal's slice.
        case reservation(Hold)
        /// The rest of a reservation's hold returned, closing it (after its charge).
        case release
        /// The call's exact cost taken out of its hold.
        case charge(ChargeDetails)
        /// An operator's correction, with their reason.
        case adjustment(reason: String)
    }

    /// A reservation entry's content.
    public enum Hold: Hashable, Sendable {
        /// The first slice; the reservation as opened.
        case open(Reservation)
        /// A further slice.
        case extend(ReservationExtension)
    }

    /// The entry's identity (account and sequence).
    public let id: LedgerEntryID
    /// What it does.
    public let kind: Kind
    /// Signed minor units, as in the table above.
    public let amountMinor: Int64
    /// The reservation a reservation, charge or release entry belongs to.
    public let reservationID: ReservationID?
    /// When it was written (the instant passed to the core).
    public let at: BillingTime

    /// An entry; the book checks it on `apply`.
    public init(id: LedgerEntryID, kind: Kind, amountMinor: Int64, reservationID: ReservationID?, at: BillingTime) {
        self.id = id
        self.kind = kind
        self.amountMinor = amountMinor
        self.reservationID = reservationID
        self.at = at
    }

    /// The account whose ledger holds it.
    public var account: AccountID { id.account }

    /// The reservation an opening reservation entry records, else nil.
    public var openedReservation: Reservation? {
        if case .reservation(.open(let reservation)) = kind { return reservation }
        return nil
    }

    /// Whether the entry changes the balance (top-up, adjustment, charge).
    public var isPosted: Bool {
        switch kind {
        case .topUp, .adjustment, .charge: true
        case .reservation, .release: false
        }
    }
}

/// What a pure core decided, and the entries that record it. The caller appends `entries`
/// (through `LedgerStore`, atomically) and applies them to its book; until then nothing happened.
public struct LedgerDecision<Outcome: Sendable>: Sendable {
    /// The answer to give (authorisation, renewal, settlement…).
    public let outcome: Outcome
    /// The entries to append, in order; empty when nothing changes (a refusal, a repeated settle).
    public let entries: [LedgerEntry]

    /// A decision.
    public init(outcome: Outcome, entries: [LedgerEntry]) {
        self.outcome = outcome
        self.entries = entries
    }
}
