/// The authoritative record of one call (CDR): who called whom, when it started, was answered and
/// ended, what was billed at which rate on which plan, what it cost, whether it was free, trial
/// or paid, and why it ended. Built from a reservation and its charge, so the ledger alone can
/// rebuild it.
public struct CallDetailRecord: Hashable, Sendable {
    /// The reservation (and so the call) it records.
    public let reservationID: ReservationID
    /// The account billed.
    public let account: AccountID
    /// Who called.
    public let caller: String
    /// The callee as dialled.
    public let calleeDialled: String
    /// The callee normalised: E.164 digits without `+`.
    public let calleeE164Digits: String
    /// Country and line kind of the callee.
    public let calleeClass: DestinationClass
    /// Authorisation time.
    public let startedAt: BillingTime
    /// Answer time, or nil if never answered.
    public let answeredAt: BillingTime?
    /// End time.
    public let endedAt: BillingTime
    /// Talk time, answer to end.
    public let durationSeconds: Int64
    /// Seconds that were free (trial or free direction).
    public let freeSeconds: Int64
    /// Seconds billed for the paid part by the increment.
    public let billedSeconds: Int64
    /// The plan.
    public let planName: String
    /// The rate of the paid part (nil for a free call to a destination without a rate).
    public let rate: Rate?
    /// What was charged.
    public let cost: Money
    /// How the call was authorised. A trial or free call that ran past its allowance and went on
    /// paid keeps its category; its paid part shows in `billedSeconds` and `cost`.
    public let category: CallCategory
    /// Why it ended.
    public let endReason: EndReason

    init(reservation: Reservation, charge: ChargeDetails, costMinor: Int64, currency: CurrencyCode) {
        self.reservationID = reservation.id
        self.account = reservation.account
        self.caller = reservation.caller
        self.calleeDialled = reservation.destination.dialled
        self.calleeE164Digits = reservation.destination.e164Digits
        self.calleeClass = reservation.destination.classification
        self.startedAt = reservation.openedAt
        self.answeredAt = charge.answeredAt
        self.endedAt = charge.endedAt
        self.durationSeconds = charge.durationSeconds
        self.freeSeconds = charge.allowanceUsedSeconds
        self.billedSeconds = charge.billedSeconds
        self.planName = reservation.planName
        self.rate = reservation.rate
        self.cost = Money(amountMinor: costMinor, currency: currency)
        self.category = reservation.category
        self.endReason = charge.endReason
    }
}

/// A settled call: what was charged and released, and its CDR. Settling again returns the same value.
public struct Settlement: Hashable, Sendable {
    /// The reservation settled.
    public let reservationID: ReservationID
    /// The cost taken from the hold, in minor units.
    public let chargedMinor: Int64
    /// The rest of the hold returned.
    public let releasedMinor: Int64
    /// The call's record.
    public let record: CallDetailRecord
}
