import Testing
@testable import Billing

/// Free directions: dates, plans, daily caps counted in the plan's zone.
@Suite struct FreeDirectionTests {
    @Test func theProvidersListIsFreeFromTheFirstOfOctoberMoscowTime() throws {
        var h = Harness(plan: try ExampleTariffs.providerPlan(freeFrom: Fixture.october1))
        let before = Fixture.time(Fixture.september30, 23, 59, 59)
        #expect(try h.authorize(Fixture.kazanLandline, at: before) == .refused(code: .paymentRequired, reason: "Payment Required: top up your balance"))
        let authorization = try h.authorize(Fixture.kazanLandline, at: Fixture.time(Fixture.october1, 0, 0))
        guard case .free(.freeDirection(name: "Provider promotion"), let reservation) = authorization else { Issue.record("\(authorization)"); return }
        #expect(reservation.amountMinor == 0)
        guard case .free = try h.authorize(Fixture.china, at: Fixture.noon) else { Issue.record("China should be free"); return }
        // Not on the list: a paid call.
        #expect(try h.authorize(Fixture.tverLandline) == .refused(code: .paymentRequired, reason: "Payment Required: top up your balance"))
    }

    @Test func plansDifferTheMessengersHasOnlyMoscowAndStPetersburg() throws {
        var h = Harness(plan: try ExampleTariffs.messengerPlan(freeFrom: Fixture.october1))
        guard case .free = try h.authorize(Fixture.moscowLandline) else { Issue.record("Moscow should be free"); return }
        #expect(try h.authorize(Fixture.kazanLandline) == .refused(code: .paymentRequired, reason: "Payment Required: top up your balance"))
    }

    @Test func anUncappedFreeCallRenewsFreeUntilTheMaximumDuration() throws {
        var h = Harness(plan: try ExampleTariffs.providerPlan(freeFrom: Fixture.october1), settings: CreditControlSettings(sliceSeconds: 300, maximumCallSeconds: 900))
        var reservation = try h.granted(Fixture.moscowLandline)
        var count = 0
        while case .extended(let next) = try h.renew(reservation, used: reservation.grantedSeconds, at: Fixture.noon) {
            reservation = next
            count += 1
        }
        #expect(count == 2)
        #expect(reservation.grantedSeconds == 900)
        #expect(reservation.amountMinor == 0)
        let settlement = try h.settle(reservation, answeredAt: Fixture.noon, endedAt: Fixture.noon.adding(seconds: 900))
        #expect(settlement.chargedMinor == 0)
        #expect(settlement.record.category == .free(direction: "Provider promotion"))
        #expect(settlement.record.freeSeconds == 900)
    }

    @Test func theDailyCapLimitsConcurrentAndSuccessiveCalls() throws {
        var h = Harness(plan: try ExampleTariffs.providerPlan(freeFrom: Fixture.october1, dailyCapMinutes: 10))
        let now = Fixture.noon
        let a = try h.granted(Fixture.moscowLandline, at: now)
        let b = try h.granted(Fixture.kazanLandline, at: now)
        #expect(a.grantedSeconds == 300 && b.grantedSeconds == 300)
        #expect(try h.authorize(Fixture.moscowLandline, at: now) == .refused(code: .paymentRequired, reason: "Payment Required: top up your balance"))
        _ = try h.settle(a, answeredAt: now, endedAt: now.adding(seconds: 250))
        _ = try h.settle(b, answeredAt: now, endedAt: now.adding(seconds: 250))
        let day = Fixture.october1.daysSinceEpoch
        #expect(h.book.freeSecondsUsed(direction: "Provider promotion", localDay: day) == 500)
        #expect(try h.granted(Fixture.moscowLandline, at: now.adding(seconds: 300)).grantedSeconds == 100)
    }

    @Test func daysAreCountedInThePlansZoneAcrossMidnight() throws {
        var h = Harness(plan: try ExampleTariffs.providerPlan(freeFrom: Fixture.october1, dailyCapMinutes: 10))
        let october2 = Fixture.date(2025, 10, 2)
        let day1 = Fixture.october1.daysSinceEpoch
        let day2 = october2.daysSinceEpoch
        // 23:50 MSK on 1 October: a 20-minute call; its free part counts on 1 October even after midnight.
        let lateEvening = Fixture.time(Fixture.october1, 23, 50)
        var reservation = try h.granted(Fixture.moscowLandline, at: lateEvening)
        guard case .extended(let extended) = try h.renew(reservation, used: 295, at: lateEvening.adding(seconds: 295)) else { Issue.record("no extension"); return }
        reservation = extended
        #expect(reservation.grantedSeconds == 600)
        // After midnight, the cap of the call's day is used up and there is no balance: end.
        #expect(try h.renew(reservation, used: 595, at: lateEvening.adding(seconds: 595)) == .end(afterSeconds: 600))
        _ = try h.settle(reservation, answeredAt: lateEvening, endedAt: lateEvening.adding(seconds: 600), reason: .creditExhausted)
        #expect(h.book.freeSecondsUsed(direction: "Provider promotion", localDay: day1) == 600)
        #expect(h.book.freeSecondsUsed(direction: "Provider promotion", localDay: day2) == 0)

        // 23:59:59 MSK on 1 October: the day's cap is spent.
        #expect(try h.authorize(Fixture.moscowLandline, at: Fixture.time(Fixture.october1, 23, 59, 59)).reservation == nil)
        // 00:00 MSK on 2 October (21:00 UTC on 1 October): a fresh day.
        let midnight = Fixture.time(october2, 0, 0)
        #expect(midnight.unixSeconds == BillingTime(october2, utcOffsetSeconds: 0).unixSeconds - 3 * 3600)
        let next = try h.granted(Fixture.moscowLandline, at: midnight)
        #expect(next.grantedSeconds == 300)
        _ = try h.settle(next, answeredAt: midnight, endedAt: midnight.adding(seconds: 400))
        #expect(h.book.freeSecondsUsed(direction: "Provider promotion", localDay: day2) == 300)
        // UTC midnight (03:00 MSK on 2 October) is the same Moscow day: 300 s remain, not 600.
        let utcMidnight = BillingTime(october2, utcOffsetSeconds: 0)
        #expect(try h.granted(Fixture.moscowLandline, at: utcMidnight).grantedSeconds == 300)
        #expect(try h.authorize(Fixture.moscowLandline, at: utcMidnight).reservation == nil)
    }

    @Test func aPlanInAnotherZoneStartsItsDaysAtItsOwnMidnight() throws {
        let direction = FreeDirection(name: "Moscow", prefixes: ["7495"], firstDate: Fixture.october1, dailyCapMinutes: 1)
        var h = Harness(plan: try TariffPlan(name: "UTC", rates: Fixture.rates, freeDirections: [direction], utcOffsetSeconds: 0))
        let evening = BillingTime(Fixture.date(2025, 10, 2), utcOffsetSeconds: 0).adding(seconds: -60)   // 23:59 UTC
        let first = try h.granted(Fixture.moscowLandline, at: evening)
        _ = try h.settle(first, answeredAt: evening, endedAt: evening.adding(seconds: 60))
        #expect(try h.authorize(Fixture.moscowLandline, at: evening.adding(seconds: 59)).reservation == nil)
        #expect(try h.granted(Fixture.moscowLandline, at: evening.adding(seconds: 60)).grantedSeconds == 60)
    }

    @Test func afterTheCapTheCallGoesOnPaidWithABalance() throws {
        var h = Harness(plan: try ExampleTariffs.messengerPlan(freeFrom: Fixture.october1, dailyCapMinutes: 1))
        try h.topUp(1_000, id: "p")
        let reservation = try h.granted(Fixture.moscowLandline)
        #expect(reservation.grantedSeconds == 60)
        guard case .extended(let extended) = try h.renew(reservation, used: 55, at: Fixture.noon) else { Issue.record("no paid extension"); return }
        #expect(extended.paidSeconds == 300)
        #expect(extended.amountMinor == 475)             // 300 s at 0.95, 1/1
        let settlement = try h.settle(extended, answeredAt: Fixture.noon, endedAt: Fixture.noon.adding(seconds: 90))
        #expect(settlement.record.freeSeconds == 60)
        #expect(settlement.record.billedSeconds == 30)
        #expect(settlement.chargedMinor == 48)           // ceil(30 × 95 / 60) = 47.5 → 48
        #expect(settlement.record.category == .free(direction: "Moscow and St Petersburg"))
    }
}
