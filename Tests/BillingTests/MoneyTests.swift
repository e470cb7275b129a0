import Testing
@testable import Billing

@Suite struct MoneyTests {
    @Test func formatsMajorDotMinorAndCode() throws {
        #expect(Money(amountMinor: 1234).description == "12.34 RUB")
        #expect(Money(amountMinor: 5).description == "0.05 RUB")
        #expect(Money(amountMinor: -5).description == "-0.05 RUB")
        #expect(Money(amountMinor: 0).description == "0.00 RUB")
        #expect(Money(amountMinor: 100_000).description == "1000.00 RUB")
        #expect(Money(amountMinor: 7, currency: CurrencyCode(code: "JPY", minorUnitDigits: 0)).description == "7 JPY")
        #expect(Money(amountMinor: .min).description == "-92233720368547758.08 RUB")
    }

    @Test func arithmeticAndOrderWithinACurrency() throws {
        let a = Money(amountMinor: 150)
        let b = Money(amountMinor: 45)
        #expect((a + b).amountMinor == 195)
        #expect((a - b).amountMinor == 105)
        #expect((b - a).amountMinor == -105)
        #expect((a * 3).amountMinor == 450)
        #expect((-a).amountMinor == -150)
        #expect(b < a)
        #expect(Money.zero() == Money(amountMinor: 0, currency: .rub))
        #expect(Money(amountMinor: 1, currency: .usd) != Money(amountMinor: 1, currency: .rub))
    }

    @Test func parsesDecimalAmountsExactly() throws {
        #expect(Money.parse("1.50")?.amountMinor == 150)
        #expect(Money.parse("1.5")?.amountMinor == 150)
        #expect(Money.parse("12")?.amountMinor == 1200)
        #expect(Money.parse("0.01")?.amountMinor == 1)
        #expect(Money.parse("-3.20")?.amountMinor == -320)
        #expect(Money.parse("0.07")?.amountMinor == 7)
        for bad in ["", "1.505", "1,50", ".5", "5.", "1.2.3", "abc", "1e3", " 1", "--1", "99999999999999"] {
            #expect(Money.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct BillingTimeTests {
    @Test func civilDatesMatchTheUnixCalendar() throws {
        // date -u -d 2025-10-01 +%s = 1759276800
        #expect(Fixture.october1.daysSinceEpoch * 86_400 == 1_759_276_800)
        #expect(Fixture.date(1970, 1, 1).daysSinceEpoch == 0)
        #expect(Fixture.date(2000, 3, 1).daysSinceEpoch == 11_017)
        #expect(Fixture.date(2024, 2, 29).daysSinceEpoch == 19_782)
        #expect(CivilDate(year: 2025, month: 2, day: 29) == nil)
        #expect(CivilDate(iso: "2025-10-01") == Fixture.october1)
        #expect(CivilDate(iso: "2025-13-01") == nil)
        #expect(CivilDate(iso: "2025-1-01") == nil)
        #expect(Fixture.october1.description == "2025-10-01")
    }

    @Test func moscowMidnightIsTwentyOneHundredUTC() throws {
        #expect(Fixture.october1Moscow.unixSeconds == 1_759_276_800 - 3 * 3600)
        let day = Fixture.october1.daysSinceEpoch
        #expect(Fixture.october1Moscow.localDay(utcOffsetSeconds: Fixture.moscow) == day)
        #expect(Fixture.october1Moscow.adding(seconds: -1).localDay(utcOffsetSeconds: Fixture.moscow) == day - 1)
        // UTC midnight of 1 October is 03:00 MSK: still 1 October in Moscow.
        #expect(BillingTime(unixSeconds: 1_759_276_800).localDay(utcOffsetSeconds: Fixture.moscow) == day)
        #expect(BillingTime(unixSeconds: -1).localDay(utcOffsetSeconds: 0) == -1)
    }

    @Test func validityPeriodsAreHalfOpen() throws {
        let period = ValidityPeriod(from: BillingTime(unixSeconds: 100), until: BillingTime(unixSeconds: 200))
        #expect(!period.contains(BillingTime(unixSeconds: 99)))
        #expect(period.contains(BillingTime(unixSeconds: 100)))
        #expect(period.contains(BillingTime(unixSeconds: 199)))
        #expect(!period.contains(BillingTime(unixSeconds: 200)))
        #expect(!period.overlaps(ValidityPeriod(from: BillingTime(unixSeconds: 200), until: nil)))
        #expect(period.overlaps(ValidityPeriod(from: BillingTime(unixSeconds: 199), until: nil)))
        #expect(period.overlaps(.always))
        #expect(!ValidityPeriod(from: nil, until: BillingTime(unixSeconds: 100)).overlaps(period))
    }
}
