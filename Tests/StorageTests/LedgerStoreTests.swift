import Billing
import GRDB
import Testing
@testable import Storage

/// `SQLiteLedgerStore` keeps `LedgerStore`'s contract on a real file.
@Suite struct LedgerStoreTests {
    @Test func migrationsIncludeBilling() async throws {
        let fixture = try await BillingFixture()
        // Later migrations (bindings…) come after these.
        #expect(try fixture.database.appliedMigrations().starts(with: ["v1 accounts", "v2 billing ledger", "v2 billing tariffs"]))
    }

    @Test func everyKindOfEntryIsReadBackAsWritten() async throws {
        let fixture = try await BillingFixture()
        let s = fixture.service
        let alice = AccountID("alice")
        try await fixture.topUp("alice", 10_000, id: "pay-1")
        let noon = BillingFixture.noon
        // Trial (alice has no plan: "Пробный"), paid with a renewal, unanswered, failed.
        let trial = try #require(try await s.authorize(account: alice, caller: "alice", dialled: BillingFixture.tver, at: noon).reservation)
        let paid = try #require(try await s.authorize(account: alice, caller: "alice", dialled: BillingFixture.mobile, at: noon).reservation)
        _ = try await s.renew(paid.id, usedSeconds: 290, at: noon.adding(seconds: 295))
        let unanswered = try #require(try await s.authorize(account: alice, caller: "alice", dialled: BillingFixture.china, at: noon).reservation)
        _ = try await s.settle(trial.id, answeredAt: noon.adding(seconds: 3), endedAt: noon.adding(seconds: 123), reason: .callerHungUp)
        let settled = try await s.settle(paid.id, answeredAt: noon.adding(seconds: 5), endedAt: noon.adding(seconds: 400), reason: .failed("trunk, gone"))
        _ = try await s.settle(unanswered.id, answeredAt: nil, endedAt: noon.adding(seconds: 30), reason: .unanswered(statusCode: 486))
        // Free direction on Provider's plan, with a day and no cap.
        try await fixture.tariffs.assign(account: "alice", plan: "Provider", atUnixSeconds: 2)
        let free = try #require(try await s.authorize(account: alice, caller: "alice", dialled: BillingFixture.moscow, at: noon).reservation)
        #expect(free.category == .free(direction: "Provider promotion"))

        let written = try await fixture.ledger.book(of: alice)
        let (reread, _) = try fixture.reopened()
        let book = try await reread.book(of: alice)
        #expect(book == written)
        #expect(book.entries == written.entries)
        #expect(book.balanceMinor == 10_000 - settled.chargedMinor)
        #expect(book.trialUsedSeconds == 120)
        #expect(book.openReservations == [free])
        #expect(book.settlements.map(\.record) == written.settlements.map(\.record))
        try book.verifyInvariants()
    }

    @Test func aStaleAppendIsAConflictAndWritesNothing() async throws {
        let fixture = try await BillingFixture()
        let alice = AccountID("alice")
        let before = try await fixture.ledger.book(of: alice)
        let first = try before.topUp(externalPaymentID: "a", amountMinor: 100, at: BillingFixture.noon)
        let second = try before.topUp(externalPaymentID: "b", amountMinor: 200, at: BillingFixture.noon)
        try await fixture.ledger.append(first.entries, to: alice, expectedLastSequence: before.lastSequence)
        await #expect(throws: LedgerStoreError.conflict(account: alice, expectedLastSequence: 0, actualLastSequence: 1)) {
            try await fixture.ledger.append(second.entries, to: alice, expectedLastSequence: before.lastSequence)
        }
        let (reread, _) = try fixture.reopened()
        #expect(try await reread.book(of: alice).balanceMinor == 100)
    }

    @Test func entriesTheBookRefusesAreNotWritten() async throws {
        let fixture = try await BillingFixture()
        let alice = AccountID("alice")
        // A reservation of money the account does not have: crafted by hand, refused by the store.
        let id = ReservationID(openingEntry: LedgerEntryID(account: alice, sequence: 1))
        let rate = ExampleTariffs.rates()[0]
        let reservation = Reservation(id: id, caller: "alice", destination: Destination(dialled: "+74822123456", e164Digits: "74822123456", classification: .russianLandline),
                                      planName: "Paid", openedAt: BillingFixture.noon, rate: rate, allowance: nil, allowanceSeconds: 0, paidSeconds: 60,
                                      amountMinor: rate.costMinor(seconds: 60))
        let entry = LedgerEntry(id: id.openingEntry, kind: .reservation(.open(reservation)), amountMinor: -reservation.amountMinor, reservationID: id, at: BillingFixture.noon)
        await #expect(throws: LedgerStoreError.refused(.insufficientCredit(id.openingEntry, availableMinor: 0, requestedMinor: 150))) {
            try await fixture.ledger.append([entry], to: alice, expectedLastSequence: 0)
        }
        #expect(try await fixture.ledger.book(of: alice).entries.isEmpty)
        #expect(try await fixture.ledger.openReservations().isEmpty)
    }

    @Test func entriesAreImmutableInTheFileItself() async throws {
        let fixture = try await BillingFixture()
        try await fixture.topUp("alice", 500, id: "pay")
        #expect(throws: DatabaseError.self) {
            try fixture.database.writer.write { db in try db.execute(sql: "UPDATE ledger_entry SET amountMinor = 50000") }
        }
        #expect(throws: DatabaseError.self) {
            try fixture.database.writer.write { db in try db.execute(sql: "DELETE FROM ledger_entry") }
        }
        #expect(try await fixture.ledger.book(of: AccountID("alice")).balanceMinor == 500)
    }

    @Test func aTamperedBalanceRowIsDetectedOnReplay() async throws {
        let fixture = try await BillingFixture()
        try await fixture.topUp("alice", 500, id: "pay")
        try await fixture.database.writer.write { db in try db.execute(sql: "UPDATE ledger_account SET balanceMinor = 90000") }
        let (reread, _) = try fixture.reopened()
        await #expect(throws: LedgerStoreError.self) { _ = try await reread.book(of: AccountID("alice")) }
    }

    @Test func aPaymentIDCreditsOneAccountOnce() async throws {
        let fixture = try await BillingFixture()
        try await fixture.topUp("alice", 15_025, id: "bank-77")
        let again = try await fixture.service.topUp(account: AccountID("alice"), amountMinor: 15_025, paymentID: "bank-77", at: BillingFixture.noon)
        guard case .alreadyRecorded = again else { Issue.record("expected the recorded top-up, got \(again)"); return }
        await #expect(throws: LedgerStoreError.refused(.duplicatePayment(externalPaymentID: "bank-77"))) {
            try await fixture.topUp("bob", 15_025, id: "bank-77")
        }
        #expect(try await fixture.ledger.book(of: AccountID("alice")).balanceMinor == 15_025)
        #expect(try await fixture.ledger.book(of: AccountID("bob")).balanceMinor == 0)
    }

    @Test func openReservationsAcrossAccountsAndCDRsWithTheSettle() async throws {
        let fixture = try await BillingFixture()
        try await fixture.topUp("alice", 1_000, id: "a")
        try await fixture.topUp("bob", 1_000, id: "b")
        let noon = BillingFixture.noon
        let a = try #require(try await fixture.service.authorize(account: AccountID("alice"), caller: "alice", dialled: BillingFixture.mobile, at: noon).reservation)
        let b = try #require(try await fixture.service.authorize(account: AccountID("bob"), caller: "bob", dialled: BillingFixture.mobile, at: noon.adding(seconds: 10)).reservation)
        #expect(try await fixture.ledger.openReservations() == [a, b])
        #expect(try await fixture.ledger.callRecords(CallRecordFilter()).isEmpty)
        let settlement = try await fixture.service.settle(a.id, answeredAt: noon.adding(seconds: 2), endedAt: noon.adding(seconds: 62), reason: .calleeHungUp)
        #expect(try await fixture.ledger.openReservations() == [b])
        let records = try await fixture.ledger.callRecords(CallRecordFilter())
        #expect(records == [StoredCallRecord(settlement.record)])
        let record = try #require(records.first)
        #expect(record.account == "alice" && record.calleeE164 == "79161234567" && record.durationSeconds == 60 && record.billedSeconds == 60)
        #expect(record.costMinor == settlement.chargedMinor && record.category == "paid" && record.endReason == "callee hung up")
        // A second settle changes nothing and writes no second CDR.
        _ = try await fixture.service.settle(a.id, answeredAt: noon, endedAt: noon.adding(seconds: 900), reason: .callerHungUp)
        #expect(try await fixture.ledger.callRecords(CallRecordFilter()).count == 1)
        #expect(try await fixture.ledger.callRecords(CallRecordFilter(account: "bob")).isEmpty)
        #expect(try await fixture.ledger.callRecords(CallRecordFilter(sinceUnixSeconds: noon.unixSeconds + 1)).isEmpty)
        #expect(try await fixture.ledger.callRecords(CallRecordFilter(untilUnixSeconds: noon.unixSeconds + 1)).count == 1)
    }
}

/// `ZvonokDatabase.Durability` reaches the connection that commits.
@Suite struct DurabilityTests {
    @Test func synchronousFollowsTheDurability() throws {
        let normal = try ZvonokDatabase(path: AccountStoreTests.temporaryPath())
        #expect(try normal.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 1)
        let full = try ZvonokDatabase(path: AccountStoreTests.temporaryPath(), durability: .powerLoss)
        #expect(try full.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
        #expect(try full.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }
}
