import Foundation

extension ZvonokConfiguration {
    /// Billing of calls to phones (PRODUCT.md "rules of paid calls"): the trial tariff's limit,
    /// the zone days are counted in, and the credit-control slices and bounds.
    public struct Billing: Sendable, Equatable {
        /// Free minutes of the trial plan "Пробный" per account (Russian landlines), default 10;
        /// 0–100000.
        public var trialMinutes: Int
        /// The IANA zone free-direction dates and daily caps are counted in, default
        /// `Europe/Moscow`. It must not observe daylight saving time (the billing day is a fixed
        /// UTC offset; Moscow has none since 2014): `UTC`, `Asia/Yekaterinburg`, `Etc/GMT-3`…
        public var timeZone: String
        /// Credit is reserved for at most this many seconds of talk at a time, then renewed
        /// (RFC 4006 quota), default 300; 1–3600.
        public var sliceSeconds: Int
        /// The longest call, whatever the balance, default 14400 (4 hours); `sliceSeconds`–604800.
        public var maxCallSeconds: Int
        /// Paid or free calls in progress per account, default 8; 1–64. Past it: 403.
        public var maxConcurrentCalls: Int

        /// Billing settings with their defaults unless given.
        public init(trialMinutes: Int = 10, timeZone: String = "Europe/Moscow", sliceSeconds: Int = 300,
                    maxCallSeconds: Int = 14_400, maxConcurrentCalls: Int = 8) {
            self.trialMinutes = trialMinutes
            self.timeZone = timeZone
            self.sliceSeconds = sliceSeconds
            self.maxCallSeconds = maxCallSeconds
            self.maxConcurrentCalls = maxConcurrentCalls
        }

        /// The zone's offset from UTC in seconds (Moscow: 10800), or nil when `timeZone` is not a
        /// known zone. Call it on a validated configuration.
        public var utcOffsetSeconds: Int32? {
            TimeZone(identifier: timeZone).map { Int32($0.secondsFromGMT(for: Date())) }
        }

        /// Why `timeZone` is unusable, or nil.
        func timeZoneProblem(now: Date = Date()) -> String? {
            guard !timeZone.isEmpty, let zone = TimeZone(identifier: timeZone) else {
                return "\"\(timeZone)\" is not a time zone name (e.g. Europe/Moscow, UTC)"
            }
            let yearLater = now.addingTimeInterval(366 * 86_400)
            if let transition = zone.nextDaylightSavingTimeTransition(after: now), transition < yearLater {
                return "\"\(timeZone)\" changes its UTC offset for daylight saving time; billing days need a fixed offset (e.g. Europe/Moscow, UTC, Etc/GMT-3)"
            }
            return nil
        }
    }

    /// The ranges of the billing section's integer keys.
    static let billingRanges: [String: ClosedRange<Int>] = [
        "billing.trialMinutes": 0...100_000,
        "billing.sliceSeconds": 1...3600,
        "billing.maxCallSeconds": 1...604_800,
        "billing.maxConcurrentCalls": 1...64,
    ]

    /// Problems of the `billing:` section, each naming its key.
    func billingProblems(skipping skipped: Set<String>) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        let values = [("billing.trialMinutes", billing.trialMinutes), ("billing.sliceSeconds", billing.sliceSeconds),
                      ("billing.maxCallSeconds", billing.maxCallSeconds), ("billing.maxConcurrentCalls", billing.maxConcurrentCalls)]
        for (key, value) in values where !skipped.contains(key) {
            guard let range = Self.billingRanges[key] else { continue }
            if value < range.lowerBound {
                problems.append(ConfigurationProblem(key: key, message: "\(value) is less than the minimum (\(range.lowerBound))"))
            } else if value > range.upperBound {
                problems.append(ConfigurationProblem(key: key, message: "\(value) is more than the maximum (\(range.upperBound))"))
            }
        }
        if !skipped.contains("billing.maxCallSeconds"), !skipped.contains("billing.sliceSeconds"),
           billing.sliceSeconds >= 1, billing.maxCallSeconds >= 1, billing.maxCallSeconds < billing.sliceSeconds {
            problems.append(ConfigurationProblem(key: "billing.maxCallSeconds",
                                                 message: "\(billing.maxCallSeconds) is less than billing.sliceSeconds (\(billing.sliceSeconds))"))
        }
        if !skipped.contains("billing.timeZone"), let problem = billing.timeZoneProblem() {
            problems.append(ConfigurationProblem(key: "billing.timeZone", message: problem))
        }
        return problems
    }
}

extension ValueReader {
    /// Reads the `billing:` keys into `configuration`.
    mutating func readBilling(into configuration: inout ZvonokConfiguration) {
        if let v = int("billing.trialMinutes") { configuration.billing.trialMinutes = v }
        if let v = string("billing.timeZone") { configuration.billing.timeZone = v }
        if let v = int("billing.sliceSeconds") { configuration.billing.sliceSeconds = v }
        if let v = int("billing.maxCallSeconds") { configuration.billing.maxCallSeconds = v }
        if let v = int("billing.maxConcurrentCalls") { configuration.billing.maxConcurrentCalls = v }
    }
}
