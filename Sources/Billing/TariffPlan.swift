import Numbering

/// Why a tariff plan could not be built.
public enum TariffError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Two rates for one prefix are valid at the same instant, so the price would be ambiguous.
    case overlappingRates(prefix: String)
    /// A prefix that is not 1...15 digits.
    case invalidPrefix(String)
    /// A free direction without prefixes, or with a last date before its first date, or a cap of 0 minutes.
    case invalidFreeDirection(name: String, reason: String)
    /// Two free directions with one name (usage is counted per name).
    case duplicateFreeDirection(name: String)
    /// More entries than a plan may hold.
    case tooLarge(String)
    /// A plan without a name, or a UTC offset beyond ±14 hours.
    case invalidPlan(String)

    public var description: String {
        switch self {
        case .overlappingRates(let prefix): "two rates for prefix \(prefix) are valid at the same time"
        case .invalidPrefix(let prefix): "prefix \"\(prefix)\" is not 1 to 15 digits"
        case .invalidFreeDirection(let name, let reason): "free direction \(name): \(reason)"
        case .duplicateFreeDirection(let name): "free direction \(name) is declared twice"
        case .tooLarge(let what): "too many \(what)"
        case .invalidPlan(let reason): reason
        }
    }
}

/// A plan's rates with the longest-prefix lookup: among the rates valid at the call's time, the
/// one with the longest prefix matching the number wins. Several rates may share a prefix if their
/// validity periods do not overlap (a price change on a date).
public struct RateTable: Hashable, Sendable {
    /// The most rates one plan may hold.
    public static let maximumRates = 1_000_000

    /// The rates, in the order given.
    public let rates: [Rate]
    private var trie = PrefixTable<[Int32]>()

    /// A table of `rates`; throws if two rates of one prefix overlap in time.
    public init(_ rates: [Rate]) throws(TariffError) {
        guard rates.count <= RateTable.maximumRates else { throw .tooLarge("rates (at most \(RateTable.maximumRates))") }
        self.rates = rates
        for (index, rate) in rates.enumerated() {
            let existing = trie.value(forPrefix: rate.prefix) ?? []
            for other in existing where rates[Int(other)].validity.overlaps(rate.validity) {
                throw .overlappingRates(prefix: rate.prefix)
            }
            do {
                try trie.insert(existing + [Int32(index)], forPrefix: rate.prefix)
            } catch {
                throw .invalidPrefix(rate.prefix)
            }
        }
    }

    /// The rate for `e164Digits` at `instant`: the longest prefix that has a rate valid then.
    public func rate(for e164Digits: String, at instant: BillingTime) -> Rate? {
        for match in trie.matches(e164Digits) {
            for index in match.value where rates[Int(index)].validity.contains(instant) {
                let rate = rates[Int(index)]
                assert(e164Digits.hasPrefix(rate.prefix))
                return rate
            }
        }
        return nil
    }
}

/// The trial tariff's rule ("Пробный"): calls to destinations of class `covers` (Russian
/// landlines) are free until the account has used `limitSeconds` of them. The allowance is
/// counted in seconds of talk (not billed increments), per account, for the account's lifetime.
public struct TrialSettings: Hashable, Sendable {
    /// The configured limit of trial talk, in seconds.
    public let limitSeconds: Int64
    /// The destinations the trial makes free.
    public let covers: DestinationClass

    /// A trial of `limitMinutes` minutes to Russian landlines; precondition: 0...100,000 minutes.
    public init(limitMinutes: Int64, covers: DestinationClass = .russianLandline) {
        precondition((0...100_000).contains(limitMinutes), "trial limit out of range: \(limitMinutes) minutes")
        self.limitSeconds = limitMinutes * 60
        self.covers = covers
    }
}

/// A promotion: calls to `prefixes` are free from `firstDate` through `lastDate` (both inclusive,
/// local dates in the plan's zone; no `lastDate` means open-ended), optionally capped at
/// `dailyCapSeconds` of talk per account per local day.
///
/// Day rule: a call counts against the cap of the local day on which it was authorised, even if
/// it goes on past midnight; the next call after midnight starts a fresh day.
public struct FreeDirection: Hashable, Sendable {
    /// The name usage is counted under and CDRs show: "Provider promotion".
    public let name: String
    /// E.164 prefixes without `+`: "86", "7495".
    public let prefixes: [String]
    /// The first local date the calls are free.
    public let firstDate: CivilDate
    /// The last local date they are free, or nil for no end.
    public let lastDate: CivilDate?
    /// The per-account, per-local-day cap in seconds, or nil for no cap.
    public let dailyCapSeconds: Int64?

    /// A free direction; validated when a `TariffPlan` is built.
    public init(name: String, prefixes: [String], firstDate: CivilDate, lastDate: CivilDate? = nil, dailyCapMinutes: Int64? = nil) {
        self.name = name
        self.prefixes = prefixes
        self.firstDate = firstDate
        self.lastDate = lastDate
        self.dailyCapSeconds = dailyCapMinutes.map { $0 * 60 }
    }

    /// Whether the promotion runs on local day number `localDay`.
    public func isActive(onLocalDay localDay: Int64) -> Bool {
        if localDay < firstDate.daysSinceEpoch { return false }
        if let lastDate, localDay > lastDate.daysSinceEpoch { return false }
        return true
    }
}

/// A tariff plan: its rates, barred prefixes, free directions, optional trial rule, currency and
/// the zone its days are counted in. Accounts are on one plan each; free directions belong to
/// plans, so plans differ (the provider's list vs the messenger's Moscow and St Petersburg).
///
/// Time zone: a fixed UTC offset per plan, `utcOffsetSeconds`, default +3 h (Europe/Moscow has
/// had no daylight saving time since 2014, so a fixed offset is exact there). A zone with DST
/// would need the offset in force on each date; none of ours has one.
public struct TariffPlan: Hashable, Sendable {
    /// The trial plan every new account starts on.
    public static let trialPlanName = "Пробный"
    /// Europe/Moscow: UTC+3, no DST since 26 October 2014.
    public static let moscowUTCOffsetSeconds: Int32 = 3 * 3600
    /// The most free directions a plan may have.
    public static let maximumFreeDirections = 1000

    /// The plan's name, unique among plans.
    public let name: String
    /// The currency of its prices and of its accounts' balances.
    public let currency: CurrencyCode
    /// Its rates.
    public let rates: RateTable
    /// Prefixes refused with 403 whatever the rates say.
    public let barredPrefixes: [String]
    /// Its promotions.
    public let freeDirections: [FreeDirection]
    /// The trial rule, if this is a trial plan.
    public let trial: TrialSettings?
    /// The plan's zone as an offset from UTC, for free-direction dates and daily caps.
    public let utcOffsetSeconds: Int32
    private var freeTrie = PrefixTable<[Int32]>()
    private var barredTrie = PrefixTable<Bool>()

    /// A plan; throws `TariffError` for overlapping rates, bad prefixes or free directions.
    public init(
        name: String,
        currency: CurrencyCode = .rub,
        rates: [Rate],
        barredPrefixes: [String] = [],
        freeDirections: [FreeDirection] = [],
        trial: TrialSettings? = nil,
        utcOffsetSeconds: Int32 = TariffPlan.moscowUTCOffsetSeconds
    ) throws(TariffError) {
        guard !name.isEmpty else { throw .invalidPlan("a plan needs a name") }
        guard abs(utcOffsetSeconds) <= 14 * 3600 else { throw .invalidPlan("UTC offset \(utcOffsetSeconds) s is beyond ±14 hours") }
        guard freeDirections.count <= TariffPlan.maximumFreeDirections else { throw .tooLarge("free directions") }
        self.name = name
        self.currency = currency
        self.rates = try RateTable(rates)
        self.barredPrefixes = barredPrefixes
        self.freeDirections = freeDirections
        self.trial = trial
        self.utcOffsetSeconds = utcOffsetSeconds
        for prefix in barredPrefixes {
            guard Destination.isE164Digits(prefix) else { throw .invalidPrefix(prefix) }
            do { try barredTrie.insert(true, forPrefix: prefix) } catch { throw .invalidPrefix(prefix) }
        }
        var names = Set<String>()
        for (index, direction) in freeDirections.enumerated() {
            try TariffPlan.validate(direction)
            guard names.insert(direction.name).inserted else { throw .duplicateFreeDirection(name: direction.name) }
            for prefix in direction.prefixes {
                do {
                    try freeTrie.insert((freeTrie.value(forPrefix: prefix) ?? []) + [Int32(index)], forPrefix: prefix)
                } catch {
                    throw .invalidPrefix(prefix)
                }
            }
        }
    }

    private static func validate(_ direction: FreeDirection) throws(TariffError) {
        guard !direction.name.isEmpty else { throw .invalidFreeDirection(name: "", reason: "needs a name") }
        guard !direction.prefixes.isEmpty else { throw .invalidFreeDirection(name: direction.name, reason: "has no prefixes") }
        for prefix in direction.prefixes where !Destination.isE164Digits(prefix) { throw .invalidPrefix(prefix) }
        if let last = direction.lastDate, last < direction.firstDate {
            throw .invalidFreeDirection(name: direction.name, reason: "last date \(last) is before first date \(direction.firstDate)")
        }
        if let cap = direction.dailyCapSeconds, cap <= 0 || cap > 86_400 {
            throw .invalidFreeDirection(name: direction.name, reason: "daily cap must be 1 to 1440 minutes")
        }
    }

    /// The local day number of `instant` in the plan's zone.
    public func localDay(at instant: BillingTime) -> Int64 {
        instant.localDay(utcOffsetSeconds: utcOffsetSeconds)
    }

    /// The rate for `e164Digits` at `instant` (longest prefix among rates valid then).
    public func rate(for e164Digits: String, at instant: BillingTime) -> Rate? {
        rates.rate(for: e164Digits, at: instant)
    }

    /// Whether a barred prefix matches `e164Digits`.
    public func isBarred(_ e164Digits: String) -> Bool {
        barredTrie.longestMatch(e164Digits) != nil
    }

    /// The free direction covering `e164Digits` at `instant`: the longest matching prefix among
    /// the directions active on that local day (the first declared on a tie).
    public func freeDirection(for e164Digits: String, at instant: BillingTime) -> FreeDirection? {
        let day = localDay(at: instant)
        for match in freeTrie.matches(e164Digits) {
            for index in match.value where freeDirections[Int(index)].isActive(onLocalDay: day) {
                return freeDirections[Int(index)]
            }
        }
        return nil
    }
}
