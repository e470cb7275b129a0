import Billing
import Testing

/// SplitMix64 (Steele, Lea and Flood 2014): the property tests' seeded generator. Own arithmetic
/// for ranges, so a seed replays the same run on every toolchain.
struct SplitMix64 {
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (modulo bias is irrelevant at these sizes).
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int64(next() % width)
    }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }

    /// One element of `items`.
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}

enum Fixture {
    static let moscow = TariffPlan.moscowUTCOffsetSeconds
    static let october1 = CivilDate(year: 2025, month: 10, day: 1)!
    static let september30 = CivilDate(year: 2025, month: 9, day: 30)!
    /// 1 October 2025 00:00 MSK = 30 September 21:00 UTC.
    static let october1Moscow = BillingTime(october1, utcOffsetSeconds: moscow)
    /// Noon MSK on 1 October 2025.
    static let noon = october1Moscow.adding(seconds: 12 * 3600)

    static func time(_ date: CivilDate, _ hour: Int64, _ minute: Int64, _ second: Int64 = 0, offset: Int32 = moscow) -> BillingTime {
        BillingTime(date, utcOffsetSeconds: offset).adding(seconds: hour * 3600 + minute * 60 + second)
    }

    static func date(_ year: Int, _ month: Int, _ day: Int) -> CivilDate { CivilDate(year: year, month: month, day: day)! }

    static func number(_ digits: String, _ classification: DestinationClass = .unknown) -> DialledNumber {
        .routable(Destination(dialled: "+" + digits, e164Digits: digits, classification: classification))
    }

    static let moscowLandline = number("74951112233", .russianLandline)
    static let kazanLandline = number("78431234567", .russianLandline)
    static let tverLandline = number("74822123456", .russianLandline)
    static let russianMobile = number("79161234567", .russianMobile)
    static let china = number("8613812345678", DestinationClass(countryISO: "CN", kind: .mobile))
    static let nowhere = number("8881234567")

    /// A rate sheet with round prices: Russia 1.20/min 60/60, Moscow 1.00/min 1/1, mobiles
    /// 3.00/min 1/1 with a 0.50 connection fee, China 6.00/min 30/6.
    static let rates: [Rate] = [
        Rate(prefix: "7", description: "Russia landline", pricePerMinuteMinor: 120, increment: .perMinute),
        Rate(prefix: "7495", description: "Moscow", pricePerMinuteMinor: 100, increment: .perSecond),
        Rate(prefix: "79", description: "Russia mobile", pricePerMinuteMinor: 300, increment: .perSecond, connectionFeeMinor: 50),
        Rate(prefix: "86", description: "China", pricePerMinuteMinor: 600, increment: BillingIncrement(firstSeconds: 30, nextSeconds: 6)),
    ]

    static func paidPlan(barred: [String] = []) -> TariffPlan {
        try! TariffPlan(name: "Paid", rates: rates, barredPrefixes: barred)
    }

    static func trialPlan(minutes: Int64 = 10) -> TariffPlan {
        try! TariffPlan(name: TariffPlan.trialPlanName, rates: rates, trial: TrialSettings(limitMinutes: minutes))
    }
}

/// One account driven through the pure core the way the edge will drive it: decide, append
/// (apply) the entries, and check every invariant after every step.
struct Harness {
    var book: AccountBook
    var plan: TariffPlan
    let control: CreditControl

    init(account: String = "alice", plan: TariffPlan = Fixture.paidPlan(), settings: CreditControlSettings = CreditControlSettings()) {
        self.book = AccountBook(account: AccountID(account))
        self.plan = plan
        self.control = CreditControl(settings: settings)
    }

    /// Applies the decision's entries and checks the invariants; a refusal by the ledger fails
    /// the step (the outcome of a decision the ledger refused never happened).
    mutating func commit<T>(_ decision: LedgerDecision<T>) throws -> T {
        try book.apply(decision.entries)
        try book.verifyInvariants()
        return decision.outcome
    }

    @discardableResult
    mutating func topUp(_ amountMinor: Int64, id: String, at instant: BillingTime = Fixture.noon) throws -> TopUpOutcome {
        try commit(try book.topUp(externalPaymentID: id, amountMinor: amountMinor, at: instant))
    }

    mutating func authorize(_ dialled: DialledNumber, at instant: BillingTime = Fixture.noon) throws -> Authorization {
        try commit(control.authorize(book, plan: plan, caller: book.account.name, dialled: dialled, at: instant))
    }

    mutating func renew(_ reservation: Reservation, used: Int64, at instant: BillingTime) throws -> Renewal {
        try commit(try control.renew(book, reservation: reservation.id, usedSeconds: used, at: instant))
    }

    mutating func settle(_ reservation: Reservation, answeredAt: BillingTime?, endedAt: BillingTime, reason: EndReason = .callerHungUp) throws -> Settlement {
        try commit(try control.settle(book, reservation: reservation.id, answeredAt: answeredAt, endedAt: endedAt, reason: reason))
    }

    /// Authorises, expecting a grant.
    mutating func granted(_ dialled: DialledNumber, at instant: BillingTime = Fixture.noon, sourceLocation: SourceLocation = #_sourceLocation) throws -> Reservation {
        let authorization = try authorize(dialled, at: instant)
        return try #require(authorization.reservation, "expected a grant, got \(authorization)", sourceLocation: sourceLocation)
    }
}
