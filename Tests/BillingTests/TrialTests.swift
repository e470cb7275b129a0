import Testing
@testable import Billing

/// The trial tariff "Пробный": Russian landlines free while trial minutes remain.
@Suite struct TrialTests {
    let start = Fixture.noon

    @Test func russianLandlinesAreFreeOnTheTrialMobilesAreNot() throws {
        var h = Harness(plan: Fixture.trialPlan(minutes: 10))
        let authorization = try h.authorize(Fixture.moscowLandline)
        guard case .free(.trial, let reservation) = authorization else { Issue.record("\(authorization)"); return }
        #expect(reservation.grantedSeconds == 300)
        #expect(reservation.amountMinor == 0)
        #expect(try h.authorize(Fixture.russianMobile) == .refused(code: .paymentRequired, reason: "Payment Required: top up your balance"))
        let kazakhLandline = Fixture.number("77172123456", DestinationClass(countryISO: "KZ", kind: .landline))
        #expect(try h.authorize(kazakhLandline) == .refused(code: .paymentRequired, reason: "Payment Required: top up your balance"))
        #expect(h.plan.name == "Пробный")
    }

    @Test func concurrentTrialCallsCannotHoldMoreThanTheMinutesLeft() throws {
        var h = Harness(plan: Fixture.trialPlan(minutes: 10))
        let a = try h.granted(Fixture.moscowLandline)
        let b = try h.granted(Fixture.kazanLandline)
        #expect(a.grantedSeconds + b.grantedSeconds == 600)
        #expect(try h.authorize(Fixture.tverLandline) == .refused(code: .paymentRequired, reason: "Payment Required: trial minutes used up, top up your balance"))
        _ = try h.settle(a, answeredAt: start, endedAt: start.adding(seconds: 100))
        #expect(h.book.trialUsedSeconds == 100)
        // 600 − 100 used − 300 held by b.
        #expect(try h.granted(Fixture.tverLandline).grantedSeconds == 200)
    }

    @Test func theTrialEndsAtTheLimitMidCallWithoutABalance() throws {
        var h = Harness(plan: Fixture.trialPlan(minutes: 5))
        let reservation = try h.granted(Fixture.tverLandline)
        #expect(reservation.grantedSeconds == 300)
        #expect(try h.renew(reservation, used: 290, at: start.adding(seconds: 290)) == .end(afterSeconds: 300))
        let settlement = try h.settle(reservation, answeredAt: start, endedAt: start.adding(seconds: 300), reason: .creditExhausted)
        #expect(settlement.chargedMinor == 0)
        #expect(settlement.record.category == .trial)
        #expect(settlement.record.freeSeconds == 300)
        #expect(h.book.trialUsedSeconds == 300)
        #expect(try h.authorize(Fixture.tverLandline) == .refused(code: .paymentRequired, reason: "Payment Required: trial minutes used up, top up your balance"))
    }

    @Test func theTrialCallGoesOnPaidAfterTheLimitWithAPositiveBalance() throws {
        var h = Harness(plan: Fixture.trialPlan(minutes: 5))
        try h.topUp(1_000, id: "p")
        let reservation = try h.granted(Fixture.tverLandline)
        #expect(reservation.amountMinor == 0)
        guard case .extended(let extended) = try h.renew(reservation, used: 290, at: start.adding(seconds: 290)) else { Issue.record("no paid extension"); return }
        #expect(extended.allowanceSeconds == 300)
        #expect(extended.paidSeconds == 300)
        #expect(extended.amountMinor == 600)              // 5 min at 1.20, 60/60
        let settlement = try h.settle(extended, answeredAt: start, endedAt: start.adding(seconds: 361))
        // 300 s free, then 61 s paid billed as 120 s: 2.40.
        #expect(settlement.record.freeSeconds == 300)
        #expect(settlement.record.billedSeconds == 120)
        #expect(settlement.chargedMinor == 240)
        #expect(settlement.releasedMinor == 360)
        #expect(settlement.record.category == .trial)
        #expect(h.book.balanceMinor == 760)
        #expect(h.book.trialUsedSeconds == 300)
        // Afterwards the same destination is an ordinary paid call.
        guard case .paid = try h.authorize(Fixture.tverLandline) else { Issue.record("expected paid"); return }
    }

    @Test func aTrialCallEndingBeforeTheLimitUsesOnlyItsSeconds() throws {
        var h = Harness(plan: Fixture.trialPlan(minutes: 2))
        let reservation = try h.granted(Fixture.moscowLandline)
        #expect(reservation.grantedSeconds == 120)
        _ = try h.settle(reservation, answeredAt: start.adding(seconds: 3), endedAt: start.adding(seconds: 48))
        #expect(h.book.trialUsedSeconds == 45)
        #expect(h.book.remainingSeconds(of: .trial(limitSeconds: 120)) == 75)
        // Unanswered trial calls use nothing.
        let unanswered = try h.granted(Fixture.moscowLandline)
        _ = try h.settle(unanswered, answeredAt: nil, endedAt: start.adding(seconds: 60), reason: .unanswered(statusCode: 480))
        #expect(h.book.trialUsedSeconds == 45)
    }

    @Test func trialStateSurvivesAReplayOfTheLedger() throws {
        var h = Harness(plan: Fixture.trialPlan(minutes: 10))
        let reservation = try h.granted(Fixture.moscowLandline)
        _ = try h.settle(reservation, answeredAt: start, endedAt: start.adding(seconds: 200))
        let reloaded = try AccountBook(account: h.book.account, replaying: h.book.entries)
        #expect(reloaded.trialUsedSeconds == 200)
        #expect(reloaded == h.book)
    }
}
