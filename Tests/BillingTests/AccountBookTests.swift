import Testing
@testable import Billing

@Suite struct AccountBookTests {
    let alice = AccountID("alice")
    let now = Fixture.noon

    @Test func topUpsAreIdempotentByExternalPaymentID() throws {
        var book = AccountBook(account: alice)
        let first = try book.topUp(externalPaymentID: "yookassa-42", amountMinor: 10_000, at: now)
        guard case .credited(let entry) = first.outcome else { Issue.record("\(first.outcome)"); return }
        try book.apply(first.entries)
        let second = try book.topUp(externalPaymentID: "yookassa-42", amountMinor: 10_000, at: now.adding(seconds: 5))
        #expect(second.outcome == .alreadyRecorded(entry))
        #expect(second.entries.isEmpty)
        #expect(book.balanceMinor == 10_000)
        #expect(book.topUpEntry(externalPaymentID: "yookassa-42") == entry)
        // Forcing the same payment in again is refused by the ledger itself.
        let forged = LedgerEntry(id: LedgerEntryID(account: alice, sequence: book.nextSequence), kind: .topUp(externalPaymentID: "yookassa-42"),
                                 amountMinor: 10_000, reservationID: nil, at: now)
        #expect(throws: LedgerError.duplicatePayment(externalPaymentID: "yookassa-42")) { try book.apply([forged]) }
        #expect(throws: LedgerError.paymentIDReusedWithDifferentAmount(externalPaymentID: "yookassa-42", recordedMinor: 10_000, requestedMinor: 5_000)) {
            try book.topUp(externalPaymentID: "yookassa-42", amountMinor: 5_000, at: now)
        }
        #expect(book.balanceMinor == 10_000)
        try book.verifyInvariants()
    }

    @Test func amountsOutOfRangeAreRefused() throws {
        let book = AccountBook(account: alice)
        for amount: Int64 in [0, -1, AccountBook.maximumAmountMinor + 1] {
            #expect(throws: LedgerError.invalidAmount(amount)) { try book.topUp(externalPaymentID: "x", amountMinor: amount, at: now) }
        }
        #expect(throws: LedgerError.self) { try book.topUp(externalPaymentID: "", amountMinor: 1, at: now) }
        #expect(throws: LedgerError.invalidAmount(0)) { try book.adjustment(amountMinor: 0, reason: "nothing", at: now) }
    }

    @Test func adjustmentsCreditAndDebitButNeverBelowAvailable() throws {
        var h = Harness()
        try h.topUp(1_000, id: "p")
        try h.book.apply(try h.book.adjustment(amountMinor: 250, reason: "goodwill", at: now).entries)
        #expect(h.book.balanceMinor == 1_250)
        _ = try h.granted(Fixture.moscowLandline)   // holds 500
        #expect(h.book.availableMinor == 750)
        #expect(throws: LedgerError.insufficientCredit(LedgerEntryID(account: alice, sequence: 4), availableMinor: 750, requestedMinor: 751)) {
            try h.book.adjustment(amountMinor: -751, reason: "chargeback", at: now)
        }
        try h.book.apply(try h.book.adjustment(amountMinor: -750, reason: "chargeback", at: now).entries)
        #expect(h.book.balanceMinor == 500)
        #expect(h.book.availableMinor == 0)
        try h.book.verifyInvariants()
    }

    @Test func aRefusedBatchLeavesTheBookUnchanged() throws {
        var book = AccountBook(account: alice)
        let good = try book.topUp(externalPaymentID: "a", amountMinor: 100, at: now).entries[0]
        let outOfSequence = LedgerEntry(id: LedgerEntryID(account: alice, sequence: 5), kind: .topUp(externalPaymentID: "b"), amountMinor: 100, reservationID: nil, at: now)
        #expect(throws: LedgerError.self) { try book.apply([good, outOfSequence]) }
        #expect(book.entries.isEmpty)
        #expect(book.balanceMinor == 0)
        let otherAccount = LedgerEntry(id: LedgerEntryID(account: AccountID("bob"), sequence: 1), kind: .topUp(externalPaymentID: "c"), amountMinor: 100, reservationID: nil, at: now)
        #expect(throws: LedgerError.self) { try book.apply([otherAccount]) }
    }

    @Test func settlementEntriesAreChecked() throws {
        var h = Harness()
        try h.topUp(1_000, id: "p")
        let reservation = try h.granted(Fixture.moscowLandline)      // hold 500
        let settle = try h.control.settle(h.book, reservation: reservation.id, answeredAt: now, endedAt: now.adding(seconds: 60), reason: .callerHungUp)
        let charge = settle.entries[0]
        let release = settle.entries[1]
        func entry(_ kind: LedgerEntry.Kind, _ amount: Int64, sequence: UInt64) -> LedgerEntry {
            LedgerEntry(id: LedgerEntryID(account: alice, sequence: sequence), kind: kind, amountMinor: amount, reservationID: reservation.id, at: now)
        }
        let seq = h.book.nextSequence
        // A charge above the hold, a release of the wrong rest, a release without a charge, a charge without its release.
        #expect(throws: LedgerError.self) { var b = h.book; try b.apply([entry(charge.kind, -501, sequence: seq), entry(.release, 0, sequence: seq + 1)]) }
        #expect(throws: LedgerError.self) { var b = h.book; try b.apply([charge, entry(.release, 401, sequence: seq + 1)]) }
        #expect(throws: LedgerError.self) { var b = h.book; try b.apply([entry(.release, 500, sequence: seq)]) }
        #expect(throws: LedgerError.self) { var b = h.book; try b.apply([charge]) }
        // A hold that is not the cost of its seconds.
        let extend = LedgerEntry.Kind.reservation(.extend(ReservationExtension(allowanceSeconds: 0, paidSeconds: 60, reportedUsedSeconds: 10)))
        #expect(throws: LedgerError.self) { var b = h.book; try b.apply([entry(extend, -99, sequence: seq)]) }
        try h.book.apply([charge, release])
        #expect(h.book.balanceMinor == 900)
        // Nothing may follow the release.
        #expect(throws: LedgerError.self) { var b = h.book; try b.apply([entry(extend, -100, sequence: h.book.nextSequence)]) }
        try h.book.verifyInvariants()
    }

    @Test func aReplayedLedgerIsTheSameBook() throws {
        var h = Harness(plan: Fixture.trialPlan())
        try h.topUp(5_000, id: "p")
        let a = try h.granted(Fixture.moscowLandline)
        let b = try h.granted(Fixture.russianMobile)
        _ = try h.renew(b, used: 280, at: now.adding(seconds: 280))
        _ = try h.settle(a, answeredAt: now, endedAt: now.adding(seconds: 120))
        let reloaded = try AccountBook(account: alice, replaying: h.book.entries)
        #expect(reloaded == h.book)
        #expect(reloaded.balanceMinor == h.book.balanceMinor)
        #expect(reloaded.heldMinor == h.book.heldMinor)
        #expect(reloaded.openReservations == h.book.openReservations)
        #expect(reloaded.settlements == h.book.settlements)
        #expect(reloaded.trialUsedSeconds == 120)
        // A ledger with an entry missing does not load.
        var gap = h.book.entries
        gap.remove(at: 1)
        #expect(throws: LedgerError.self) { try AccountBook(account: alice, replaying: gap) }
    }
}
