import Testing
@testable import Billing

@Suite struct RateTests {
    static let durations: [Int64] = [1, 30, 59, 60, 61, 3600]

    /// Billed seconds and cost at 1.37 RUB/min (an odd price, so every rounding shows) for each
    /// increment kind, worked out by hand: price = ceil(billed × 137 / 60) kopecks.
    static let table: [(increment: String, billed: [Int64], costMinor: [Int64])] = [
        ("1/1", [1, 30, 59, 60, 61, 3600], [3, 69, 135, 137, 140, 8220]),
        ("60/60", [60, 60, 60, 60, 120, 3600], [137, 137, 137, 137, 274, 8220]),
        ("30/6", [30, 30, 60, 60, 66, 3600], [69, 69, 137, 137, 151, 8220]),
        ("60/1", [60, 60, 60, 60, 61, 3600], [137, 137, 137, 137, 140, 8220]),
    ]

    @Test(arguments: table)
    func roundingTable(increment: String, billed: [Int64], costMinor: [Int64]) throws {
        let rate = Rate(prefix: "7", description: "test", pricePerMinuteMinor: 137, increment: BillingIncrement(parsing: increment)!)
        for (index, seconds) in Self.durations.enumerated() {
            #expect(rate.increment.billedSeconds(for: seconds) == billed[index], "\(increment) \(seconds) s billed")
            #expect(rate.costMinor(seconds: seconds) == costMinor[index], "\(increment) \(seconds) s cost")
        }
        #expect(rate.increment.billedSeconds(for: 0) == 0)
        #expect(rate.costMinor(seconds: 0) == 0)
    }

    @Test func sixtyOneSecondsAtSixtySixtyIsTwoMinutes() throws {
        let rate = Rate(prefix: "7495", description: "Moscow", pricePerMinuteMinor: 150, increment: .perMinute)
        #expect(rate.cost(seconds: 61).description == "3.00 RUB")
        #expect(rate.cost(seconds: 60).description == "1.50 RUB")
    }

    @Test func roundsUpToTheKopeckNeverDown() throws {
        let rate = Rate(prefix: "7", description: "cheap", pricePerMinuteMinor: 1, increment: .perSecond)
        #expect(rate.costMinor(seconds: 1) == 1)   // 1/60 of a kopeck → 1
        #expect(rate.costMinor(seconds: 60) == 1)
        #expect(rate.costMinor(seconds: 61) == 2)
        let free = Rate(prefix: "7", description: "free", pricePerMinuteMinor: 0, increment: .perSecond)
        #expect(free.costMinor(seconds: 3600) == 0)
    }

    @Test func connectionFeeIsChargedOncePerCallWithBilledSeconds() throws {
        let rate = Rate(prefix: "79", description: "mobile", pricePerMinuteMinor: 300, increment: .perSecond, connectionFeeMinor: 50)
        #expect(rate.costMinor(seconds: 0) == 0)
        #expect(rate.costMinor(seconds: 1) == 55)
        #expect(rate.costMinor(seconds: 60) == 350)
        #expect(rate.costMinor(seconds: 3600) == 18_050)
        let perMinute = Rate(prefix: "380", description: "Ukraine", pricePerMinuteMinor: 990, increment: .perMinute, connectionFeeMinor: 50)
        #expect(perMinute.costMinor(seconds: 1) == 1040)
        #expect(perMinute.costMinor(seconds: 61) == 2030)
    }

    @Test func costIsMonotoneInSeconds() throws {
        for increment in ["1/1", "60/60", "30/6", "60/1", "6/6", "1/60"] {
            let rate = Rate(prefix: "1", description: "x", pricePerMinuteMinor: 137, increment: BillingIncrement(parsing: increment)!, connectionFeeMinor: 11)
            var previous: Int64 = 0
            for seconds in Int64(0)...7200 {
                let cost = rate.costMinor(seconds: seconds)
                #expect(cost >= previous, "\(increment) at \(seconds)")
                previous = cost
            }
        }
    }

    @Test func incrementParsing() throws {
        #expect(BillingIncrement(parsing: "30/6") == BillingIncrement(firstSeconds: 30, nextSeconds: 6))
        for bad in ["", "60", "60/", "/60", "0/1", "1/0", "3601/1", "a/b", "60/60/60", "-1/1", "+1/1"] {
            #expect(BillingIncrement(parsing: bad) == nil, "\(bad)")
        }
    }
}

@Suite struct RateTableTests {
    static let from = Fixture.october1Moscow

    @Test func longestPrefixWins() throws {
        let table = try RateTable(Fixture.rates)
        #expect(table.rate(for: "74951112233", at: Fixture.noon)?.description == "Moscow")
        #expect(table.rate(for: "74821112233", at: Fixture.noon)?.description == "Russia landline")
        #expect(table.rate(for: "79161234567", at: Fixture.noon)?.description == "Russia mobile")
        #expect(table.rate(for: "8613812345678", at: Fixture.noon)?.description == "China")
        #expect(table.rate(for: "8881234567", at: Fixture.noon) == nil)
        #expect(table.rate(for: "7", at: Fixture.noon)?.description == "Russia landline")
    }

    @Test func onlyRatesValidAtTheCallsTimeCount() throws {
        let change = Fixture.time(Fixture.date(2025, 11, 1), 0, 0)
        let table = try RateTable([
            Rate(prefix: "7", description: "Russia", pricePerMinuteMinor: 120, increment: .perMinute),
            Rate(prefix: "7495", description: "Moscow old", pricePerMinuteMinor: 100, increment: .perSecond, validity: ValidityPeriod(from: nil, until: change)),
            Rate(prefix: "7495", description: "Moscow new", pricePerMinuteMinor: 90, increment: .perSecond, validity: ValidityPeriod(from: change, until: change.adding(seconds: 86_400))),
        ])
        #expect(table.rate(for: "74951112233", at: change.adding(seconds: -1))?.description == "Moscow old")
        #expect(table.rate(for: "74951112233", at: change)?.description == "Moscow new")
        // After the new rate expires the shorter prefix applies again.
        #expect(table.rate(for: "74951112233", at: change.adding(seconds: 86_400))?.description == "Russia")
    }

    @Test func overlappingRatesOfOnePrefixAreRefused() throws {
        #expect(throws: TariffError.overlappingRates(prefix: "7495")) {
            try RateTable([
                Rate(prefix: "7495", description: "a", pricePerMinuteMinor: 1, increment: .perSecond),
                Rate(prefix: "7495", description: "b", pricePerMinuteMinor: 2, increment: .perSecond, validity: ValidityPeriod(from: Self.from, until: nil)),
            ])
        }
    }
}
