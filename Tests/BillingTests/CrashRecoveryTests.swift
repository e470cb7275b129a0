import Testing
@testable import Billing

@Suite struct CrashRecoveryTests {
    let start = Fixture.noon

    @Test func openReservationsAreSettledFromWhatIsKnown() throws {
        var h = Harness(plan: Fixture.trialPlan(minutes: 10))
        try h.topUp(10_000, id: "p")
        let known = try h.granted(Fixture.russianMobile)              // hold 1550
        let reported = try h.granted(Fixture.number("74951234567"))     // Moscow landline class unknown → paid, hold 500
        let silent = try h.granted(Fixture.china)                       // hold: 300 s at 6.00 = 3000
        let trial = try h.granted(Fixture.moscowLandline)               // trial, no money
        guard case .extended(let renewed) = try h.renew(reported, used: 250, at: start.adding(seconds: 260)) else { Issue.record("no renewal"); return }
        guard case .extended(let trialRenewed) = try h.renew(trial, used: 280, at: start.adding(seconds: 290)) else { Issue.record("no trial renewal"); return }
        #expect(renewed.amountMinor == 1_000)
        #expect(trialRenewed.allowanceSeconds == 600)
        let balanceBefore = h.book.balanceMinor
        #expect(h.book.heldMinor == 1_550 + 1_000 + 3_000)

        // The process dies here. On start-up: the mobile call's record survived; the others did not.
        let evidence: [ReservationID: CallEvidence] = [known.id: .ended(answeredAt: start.adding(seconds: 10), endedAt: start.adding(seconds: 70))]
        let recovery = CrashRecovery.recover(h.book, evidence: evidence, creditControl: h.control, at: start.adding(seconds: 3600))
        let settlements = try h.commit(recovery)
        #expect(settlements.count == 4)
        #expect(h.book.openReservations.isEmpty)
        #expect(h.book.heldMinor == 0)

        let byID = Dictionary(uniqueKeysWithValues: settlements.map { ($0.reservationID, $0) })
        #expect(byID[known.id]?.chargedMinor == 350)               // fee 0.50 + 60 s at 3.00
        #expect(byID[reported.id]?.chargedMinor == 417)            // the 250 s reported at renewal: ceil(250 × 100 / 60)
        #expect(byID[reported.id]?.record.endedAt == start.adding(seconds: 260))
        #expect(byID[reported.id]?.record.answeredAt == start.adding(seconds: 10))
        #expect(byID[silent.id]?.chargedMinor == 0)                // nothing proven: all released
        #expect(byID[silent.id]?.record.answeredAt == nil)
        #expect(byID[trial.id]?.chargedMinor == 0)
        #expect(h.book.trialUsedSeconds == 280)
        for settlement in settlements { #expect(settlement.record.endReason == .recoveredAfterCrash) }
        // No money created: the balance fell by exactly what was charged, and no charge exceeded its hold.
        #expect(h.book.balanceMinor == balanceBefore - 350 - 417)
        #expect(h.book.availableMinor == h.book.balanceMinor)

        // Recovery again finds nothing to do; settling one of them again returns the recovered settlement.
        #expect(CrashRecovery.recover(h.book, evidence: [:], creditControl: h.control, at: start).entries.isEmpty)
        let again = try h.control.settle(h.book, reservation: known.id, answeredAt: start, endedAt: start.adding(seconds: 999), reason: .callerHungUp)
        #expect(again.entries.isEmpty)
        #expect(again.outcome == byID[known.id])
    }

    @Test func evidenceBeyondTheHoldIsCappedAtTheHold() throws {
        var h = Harness()
        try h.topUp(50, id: "p")
        let reservation = try h.granted(Fixture.moscowLandline)        // 30 s for 0.50
        let recovery = CrashRecovery.recover(h.book, evidence: [reservation.id: .ended(answeredAt: start, endedAt: start.adding(seconds: 5_000))],
                                             creditControl: h.control, at: start)
        let settlements = try h.commit(recovery)
        #expect(settlements.map(\.chargedMinor) == [50])
        #expect(h.book.balanceMinor == 0)
    }
}
