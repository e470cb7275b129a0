import Testing
@testable import Billing

@Suite struct CreditControlTests {
    let start = Fixture.noon

    @Test func aPaidCallReservesASliceAndSettlesTheExactCost() throws {
        var h = Harness()
        try h.topUp(10_000, id: "pay-1")
        let authorization = try h.authorize(Fixture.moscowLandline, at: start)
        guard case .paid(let rate, let reservation) = authorization else { Issue.record("\(authorization)"); return }
        #expect(rate.description == "Moscow")
        #expect(reservation.grantedSeconds == 300)
        #expect(reservation.amountMinor == 500)           // 300 s at 1.00/min
        #expect(h.book.balanceMinor == 10_000)
        #expect(h.book.heldMinor == 500)
        #expect(h.book.availableMinor == 9_500)

        let answered = start.adding(seconds: 5)
        let settlement = try h.settle(reservation, answeredAt: answered, endedAt: answered.adding(seconds: 61), reason: .calleeHungUp)
        #expect(settlement.chargedMinor == 102)           // ceil(61 × 100 / 60)
        #expect(settlement.releasedMinor == 398)
        #expect(h.book.balanceMinor == 9_898)
        #expect(h.book.availableMinor == 9_898)
        #expect(h.book.heldMinor == 0)

        let record = settlement.record
        #expect(record.caller == "alice")
        #expect(record.calleeDialled == "+74951112233")
        #expect(record.calleeE164Digits == "74951112233")
        #expect(record.startedAt == start)
        #expect(record.answeredAt == answered)
        #expect(record.endedAt == answered.adding(seconds: 61))
        #expect(record.durationSeconds == 61)
        #expect(record.billedSeconds == 61)
        #expect(record.freeSeconds == 0)
        #expect(record.planName == "Paid")
        #expect(record.rate?.prefix == "7495")
        #expect(record.cost.description == "1.02 RUB")
        #expect(record.category == .paid)
        #expect(record.endReason == .calleeHungUp)
    }

    @Test func settleIsIdempotent() throws {
        var h = Harness()
        try h.topUp(10_000, id: "pay-1")
        let reservation = try h.granted(Fixture.moscowLandline)
        let first = try h.settle(reservation, answeredAt: start, endedAt: start.adding(seconds: 100))
        let before = h.book
        let again = try h.control.settle(h.book, reservation: reservation.id, answeredAt: start, endedAt: start.adding(seconds: 250), reason: .failed("retry"))
        #expect(again.entries.isEmpty)
        #expect(again.outcome == first)
        #expect(h.book == before)
        // Applying the first settlement's entries a second time is refused by the book.
        let replay = h.book.entries.suffix(2)
        #expect(throws: LedgerError.self) { var copy = h.book; try copy.apply(Array(replay)) }
    }

    @Test func unansweredCallsCostNothing() throws {
        var h = Harness()
        try h.topUp(1_000, id: "p")
        let reservation = try h.granted(Fixture.russianMobile)
        let settlement = try h.settle(reservation, answeredAt: nil, endedAt: start.adding(seconds: 20), reason: .unanswered(statusCode: 486))
        #expect(settlement.chargedMinor == 0)
        #expect(settlement.releasedMinor == reservation.amountMinor)
        #expect(settlement.record.answeredAt == nil)
        #expect(settlement.record.billedSeconds == 0)
        #expect(h.book.balanceMinor == 1_000)
    }

    @Test func connectionFeeIsHeldAndChargedOnce() throws {
        var h = Harness()
        try h.topUp(10_000, id: "p")
        let reservation = try h.granted(Fixture.russianMobile)
        #expect(reservation.amountMinor == 50 + 1_500)    // fee + 300 s at 3.00/min
        let renewal = try h.renew(reservation, used: 290, at: start.adding(seconds: 295))
        guard case .extended(let extended) = renewal else { Issue.record("\(renewal)"); return }
        #expect(extended.amountMinor == 50 + 3_000)       // the fee is not held twice
        let settlement = try h.settle(extended, answeredAt: start, endedAt: start.adding(seconds: 361))
        #expect(settlement.chargedMinor == 50 + 1_805)    // fee + ceil(361 × 300 / 60)
        #expect(h.book.balanceMinor == 10_000 - 1_855)
    }

    @Test func aSmallBalanceGrantsOnlyWhatItCovers() throws {
        var h = Harness()
        try h.topUp(50, id: "p")
        let reservation = try h.granted(Fixture.moscowLandline)
        #expect(reservation.grantedSeconds == 30)         // ceil(30 × 100 / 60) = 50
        #expect(reservation.amountMinor == 50)
        #expect(try h.renew(reservation, used: 25, at: start.adding(seconds: 25)) == .end(afterSeconds: 30))
        let settlement = try h.settle(reservation, answeredAt: start, endedAt: start.adding(seconds: 30))
        #expect(settlement.chargedMinor == 50)
        #expect(h.book.balanceMinor == 0)
        #expect(try h.authorize(Fixture.moscowLandline) == .refused(code: .paymentRequired, reason: "Payment Required: top up your balance"))
    }

    @Test func neverChargesMoreThanReservedWhenACallOverruns() throws {
        var h = Harness()
        try h.topUp(50, id: "p")
        let reservation = try h.granted(Fixture.moscowLandline)
        let settlement = try h.settle(reservation, answeredAt: start, endedAt: start.adding(seconds: 45), reason: .creditExhausted)
        #expect(settlement.chargedMinor == 50)            // 45 s would be 75; the hold was 50
        #expect(settlement.record.durationSeconds == 45)
        #expect(settlement.record.billedSeconds == 30)
        #expect(h.book.balanceMinor == 0)
    }

    @Test func renewalsAddSlicesUntilTheMoneyRunsOut() throws {
        var h = Harness()
        try h.topUp(1_100, id: "p")
        var reservation = try h.granted(Fixture.moscowLandline)
        var granted: [Int64] = [reservation.grantedSeconds]
        var now = start
        while case .extended(let next) = try h.renew(reservation, used: reservation.grantedSeconds - 10, at: now.adding(seconds: reservation.grantedSeconds - 10)) {
            reservation = next
            granted.append(next.grantedSeconds)
            now = now.adding(seconds: 1)
        }
        #expect(granted == [300, 600, 660])               // 1.00 + 1.00 + 0.10 → 660 s
        #expect(reservation.amountMinor == 1_100)
        #expect(h.book.availableMinor == 0)
        #expect(try h.renew(reservation, used: 655, at: start.adding(seconds: 655)) == .end(afterSeconds: 660))
        #expect(try h.settle(reservation, answeredAt: start, endedAt: start.adding(seconds: 660)).chargedMinor == 1_100)
        #expect(h.book.balanceMinor == 0)
    }

    @Test func callsEndAtTheMaximumDuration() throws {
        var h = Harness(settings: CreditControlSettings(sliceSeconds: 300, maximumCallSeconds: 600))
        try h.topUp(1_000_000, id: "p")
        let reservation = try h.granted(Fixture.moscowLandline)
        guard case .extended(let extended) = try h.renew(reservation, used: 290, at: start) else { Issue.record("no extension"); return }
        #expect(extended.grantedSeconds == 600)
        #expect(try h.renew(extended, used: 590, at: start) == .end(afterSeconds: 600))
    }

    @Test func refusals() throws {
        var h = Harness(plan: Fixture.paidPlan(barred: ["7809"]), settings: CreditControlSettings(maximumConcurrentCalls: 2))
        #expect(try h.authorize(Fixture.moscowLandline) == .refused(code: .paymentRequired, reason: "Payment Required: top up your balance"))
        #expect(try h.authorize(.incomplete(dialled: "1112233", reason: "Address Incomplete: dial the full international number, e.g. +74951112233"))
                == .refused(code: .addressIncomplete, reason: "Address Incomplete: dial the full international number, e.g. +74951112233"))
        #expect(try h.authorize(Fixture.nowhere) == .refused(code: .forbidden, reason: "Forbidden: no rate for +8881234567 on plan Paid"))
        #expect(try h.authorize(Fixture.number("78091234567")) == .refused(code: .forbidden, reason: "Forbidden: calls to +78091234567 are barred"))
        try h.topUp(100, id: "p")
        // 60/60 at 1.20: the first minute costs 1.20, more than the 1.00 available.
        #expect(try h.authorize(Fixture.tverLandline) == .refused(code: .paymentRequired, reason: "Payment Required: the balance does not cover the first 60 s at 1.20 RUB per minute"))
        let first = try h.granted(Fixture.moscowLandline)      // holds all 1.00 for 60 s
        #expect(first.grantedSeconds == 60)
        #expect(try h.authorize(Fixture.moscowLandline) == .refused(code: .paymentRequired, reason: "Payment Required: your balance is held by calls in progress"))
        try h.topUp(10_000, id: "q")
        _ = try h.granted(Fixture.moscowLandline)
        #expect(try h.authorize(Fixture.moscowLandline) == .refused(code: .forbidden, reason: "Forbidden: too many calls in progress (at most 2)"))
        #expect(try h.authorize(Fixture.moscowLandline).grantedSeconds == nil)
        #expect(RefusalCode.paymentRequired.rawValue == 402 && RefusalCode.forbidden.rawValue == 403 && RefusalCode.addressIncomplete.rawValue == 484)
    }

    @Test func refusalsWriteNothing() throws {
        let h = Harness()
        let decision = h.control.authorize(h.book, plan: h.plan, caller: "alice", dialled: Fixture.moscowLandline, at: start)
        #expect(decision.entries.isEmpty)
    }

    @Test func renewAndSettleOfUnknownOrSettledReservations() throws {
        var h = Harness()
        try h.topUp(1_000, id: "p")
        let reservation = try h.granted(Fixture.moscowLandline)
        let stranger = ReservationID(openingEntry: LedgerEntryID(account: AccountID("alice"), sequence: 99))
        #expect(throws: CreditControlError.unknownReservation(stranger)) { try h.control.renew(h.book, reservation: stranger, usedSeconds: 0, at: start) }
        #expect(throws: CreditControlError.unknownReservation(stranger)) {
            try h.control.settle(h.book, reservation: stranger, answeredAt: nil, endedAt: start, reason: .callerHungUp)
        }
        _ = try h.settle(reservation, answeredAt: start, endedAt: start.adding(seconds: 42))
        let late = try h.control.renew(h.book, reservation: reservation.id, usedSeconds: 42, at: start)
        #expect(late.outcome == .end(afterSeconds: 42))
        #expect(late.entries.isEmpty)
    }

    @Test func decisionsOnAStaleBookAreRefusedByTheLedger() throws {
        // Two calls of one account decided on the same snapshot: the second batch does not fit.
        var h = Harness()
        try h.topUp(500, id: "p")
        let snapshot = h.book
        let a = h.control.authorize(snapshot, plan: h.plan, caller: "alice", dialled: Fixture.moscowLandline, at: start)
        let b = h.control.authorize(snapshot, plan: h.plan, caller: "alice", dialled: Fixture.moscowLandline, at: start)
        try h.book.apply(a.entries)
        #expect(throws: LedgerError.self) { try h.book.apply(b.entries) }
        // Renumbered to fit the sequence, it still may not hold credit that is no longer there.
        let renumbered = b.entries.map {
            LedgerEntry(id: LedgerEntryID(account: $0.account, sequence: $0.id.sequence + 1), kind: $0.kind, amountMinor: $0.amountMinor, reservationID: $0.reservationID, at: $0.at)
        }
        #expect {
            try h.book.apply(renumbered)
        } throws: { error in
            if case LedgerError.insufficientCredit = error { return true }
            if case LedgerError.rejected = error { return true }
            return false
        }
        // Decided again on the fresh book, the second call is refused with 402.
        #expect(try h.authorize(Fixture.moscowLandline) == .refused(code: .paymentRequired, reason: "Payment Required: your balance is held by calls in progress"))
    }
}
