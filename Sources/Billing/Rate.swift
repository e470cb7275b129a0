/// A billing increment `first/next`: the first `firstSeconds` are billed whole however short the
/// call, then every started `nextSeconds`. `1/1` is per second, `60/60` per started minute,
/// `30/6` thirty seconds then six-second steps.
///
/// billed(0) = 0; billed(s) = first when s <= first; otherwise first + ceil((s - first) / next) * next.
public struct BillingIncrement: Hashable, Sendable, CustomStringConvertible {
    /// Seconds billed for any answered call with a positive duration; 1...3600.
    public let firstSeconds: Int64
    /// The step after the first part; 1...3600.
    public let nextSeconds: Int64

    /// Per second: `1/1`.
    public static let perSecond = BillingIncrement(firstSeconds: 1, nextSeconds: 1)
    /// Per started minute: `60/60`.
    public static let perMinute = BillingIncrement(firstSeconds: 60, nextSeconds: 60)

    /// `first/next`; precondition: both in 1...3600 (`TariffCSV` checks imported values first).
    public init(firstSeconds: Int64, nextSeconds: Int64) {
        precondition(BillingIncrement.allowedSeconds.contains(firstSeconds), "first increment out of range: \(firstSeconds)")
        precondition(BillingIncrement.allowedSeconds.contains(nextSeconds), "next increment out of range: \(nextSeconds)")
        self.firstSeconds = firstSeconds
        self.nextSeconds = nextSeconds
    }

    /// Bounds of either part of an increment.
    public static let allowedSeconds: ClosedRange<Int64> = 1...3600

    /// Parses "60/60"; nil for anything else or values out of range.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...4).contains($0.utf8.count) && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              let first = Int64(parts[0]), let next = Int64(parts[1]),
              BillingIncrement.allowedSeconds.contains(first), BillingIncrement.allowedSeconds.contains(next)
        else { return nil }
        self.init(firstSeconds: first, nextSeconds: next)
    }

    /// Billed seconds for a call of `seconds` answered seconds; precondition: 0...`Rate.maximumBilledSeconds`.
    public func billedSeconds(for seconds: Int64) -> Int64 {
        precondition(seconds >= 0 && seconds <= Rate.maximumBilledSeconds, "call duration out of range: \(seconds)")
        if seconds == 0 { return 0 }
        if seconds <= firstSeconds { return firstSeconds }
        let steps = (seconds - firstSeconds + nextSeconds - 1) / nextSeconds
        let billed = firstSeconds + steps * nextSeconds
        assert(billed >= seconds && billed - seconds < max(firstSeconds, nextSeconds))
        return billed
    }

    public var description: String { "\(firstSeconds)/\(nextSeconds)" }
}

/// One line of a tariff: calls whose E.164 number starts with `prefix` cost `pricePerMinuteMinor`
/// per minute, billed by `increment`, plus `connectionFeeMinor` per answered call, while the rate
/// is valid.
///
/// Rounding rule (explicit, and the only one): the price of `b` billed seconds is
/// `ceil(b * pricePerMinuteMinor / 60)` minor units — rounded up to the whole kopeck, never down,
/// computed in integers. So at 1.37 RUB/min one second costs 3 kopecks (2.28… rounded up).
public struct Rate: Hashable, Sendable {
    /// The longest call Billing will price: 7 days. Bounds every multiplication in money.
    public static let maximumBilledSeconds: Int64 = 7 * 86_400
    /// The highest price per minute accepted: 1,000,000.00 in major units.
    public static let maximumPricePerMinuteMinor: Int64 = 100_000_000
    /// The highest connection fee accepted: 1,000,000.00 in major units.
    public static let maximumConnectionFeeMinor: Int64 = 100_000_000

    /// E.164 digits without `+`: "7495", "79", "86". Longest prefix wins.
    public let prefix: String
    /// What the operator and the CDR call it: "Moscow landline".
    public let description: String
    /// Price of one minute in minor units (kopecks).
    public let pricePerMinuteMinor: Int64
    /// How seconds are rounded into billed seconds.
    public let increment: BillingIncrement
    /// Charged once per answered call on top of the per-minute price; 0 when the rate has none.
    public let connectionFeeMinor: Int64
    /// When the rate applies: `[from, until)`.
    public let validity: ValidityPeriod

    /// A rate; preconditions: `prefix` is 1...15 digits, price and fee within their maximums
    /// and not negative (`TariffCSV` reports these as errors before they get here).
    public init(
        prefix: String,
        description: String,
        pricePerMinuteMinor: Int64,
        increment: BillingIncrement,
        connectionFeeMinor: Int64 = 0,
        validity: ValidityPeriod = .always
    ) {
        precondition(Destination.isE164Digits(prefix), "rate prefix must be 1...15 digits: \(prefix)")
        precondition((0...Rate.maximumPricePerMinuteMinor).contains(pricePerMinuteMinor), "price per minute out of range: \(pricePerMinuteMinor)")
        precondition((0...Rate.maximumConnectionFeeMinor).contains(connectionFeeMinor), "connection fee out of range: \(connectionFeeMinor)")
        self.prefix = prefix
        self.description = description
        self.pricePerMinuteMinor = pricePerMinuteMinor
        self.increment = increment
        self.connectionFeeMinor = connectionFeeMinor
        self.validity = validity
    }

    /// Price of `billedSeconds` without the connection fee: ceil(billed * price / 60).
    public func priceMinor(billedSeconds: Int64) -> Int64 {
        precondition(billedSeconds >= 0 && billedSeconds <= Rate.maximumBilledSeconds + 3600, "billed seconds out of range: \(billedSeconds)")
        let (product, overflow) = billedSeconds.multipliedReportingOverflow(by: pricePerMinuteMinor)
        precondition(!overflow, "price overflow")
        return (product + 59) / 60
    }

    /// What `seconds` seconds of paid talk cost: connection fee + price of the billed seconds.
    /// Zero seconds cost nothing, fee included: a call with no billed second (unanswered, or
    /// hung up within the answering second) is not charged at all. So the cost is monotone
    /// in `seconds` and 0 at 0, which is what reservations rely on.
    public func costMinor(seconds: Int64) -> Int64 {
        let billed = increment.billedSeconds(for: seconds)
        if billed == 0 { return 0 }
        let cost = connectionFeeMinor + priceMinor(billedSeconds: billed)
        assert(cost >= connectionFeeMinor)
        return cost
    }

    /// `costMinor` as money in `currency`.
    public func cost(seconds: Int64, currency: CurrencyCode = .rub) -> Money {
        Money(amountMinor: costMinor(seconds: seconds), currency: currency)
    }
}
