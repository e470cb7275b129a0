import Billing
import Synchronization
import Testing
@testable import Storage

/// `BillingService`: plans per account, trial minutes across restarts, optimistic retries between
/// two connections (the daemon and zvonokctl), and recovery of what a crash left open.
@Suite struct BillingServiceTests {
    @Test func newAccountsAreOnTheTrialPlanAndItsMinutesSurviveARestart() async throws {
        let fixture = try await BillingFixture(settings: BillingSettings(trialMinutes: 3))
        let alice = AccountID("alice")
        let noon = BillingFixture.noon
        #expect(try await fixture.service.plan(of: alice).name == TariffPlan.trialPlanName)
        let first = try await fixture.service.authorize(account: alice, caller: "alice", dialled: BillingFixture.tver, at: noon)
        guard case .free(.trial, let reservation) = first else { Issue.record("expected a trial call, got \(first)"); return }
        #expect(reservation.grantedSeconds == 180)
        _ = try await fixture.service.settle(reservation.id, answeredAt: noon, endedAt: noon.adding(seconds: 150), reason: .callerHungUp)

        let (_, restarted) = try fixture.reopened(settings: BillingSettings(trialMinutes: 3))
        let second = try await restarted.authorize(account: alice, caller: "alice", dialled: BillingFixture.tver, at: noon.adding(seconds: 600))
        #expect(second.grantedSeconds == 30)
        let settled = try await restarted.settle(try #require(second.reservation).id, answeredAt: noon.adding(seconds: 600), endedAt: noon.adding(seconds: 700), reason: .creditExhausted)
        #expect(settled.record.freeSeconds == 30)
        // Used up, and no balance: 402 with the trial's reason.
        let third = try await restarted.authorize(account: alice, caller: "alice", dialled: BillingFixture.tver, at: noon.adding(seconds: 800))
        #expect(third == .refused(code: .paymentRequired, reason: "Payment Required: trial minutes used up, top up your balance"))
    }

    @Test func plansDifferAndAReimportIsSeenByTheRunningService() async throws {
        let fixture = try await BillingFixture()
        let alice = AccountID("alice")
        let kazan = BillingFixture.destination("78431234567", .russianLandline)
        try await fixture.topUp("alice", 10_000, id: "p")
        try await fixture.tariffs.assign(account: "alice", plan: "Messenger", atUnixSeconds: 5)
        let onMessenger = try await fixture.service.authorize(account: alice, caller: "alice", dialled: kazan, at: BillingFixture.noon)
        guard case .paid = onMessenger else { Issue.record("Kazan is not free on the messenger's plan: \(onMessenger)"); return }
        try await fixture.tariffs.assign(account: "alice", plan: "Provider", atUnixSeconds: 6)
        let onProvider = try await fixture.service.authorize(account: alice, caller: "alice", dialled: kazan, at: BillingFixture.noon)
        #expect(onProvider.reservation?.category == .free(direction: "Provider promotion"))
        // The provider drops its promotion: the next call sees the new revision.
        try await fixture.tariffs.importPlan(name: "Provider", rates: ExampleTariffs.rates(), freeDirections: [], atUnixSeconds: 7)
        let afterReimport = try await fixture.service.authorize(account: alice, caller: "alice", dialled: kazan, at: BillingFixture.noon)
        #expect(afterReimport.reservation?.category == .paid)
    }

    @Test func aMissingPlanIsASetUpErrorNotARefusal() async throws {
        let fixture = try await BillingFixture()
        try await fixture.database.writer.write { db in
            try db.execute(sql: "DELETE FROM tariff_plan WHERE name = ?", arguments: [TariffPlan.trialPlanName])
        }
        await #expect(throws: BillingServiceError.planNotImported(TariffPlan.trialPlanName)) {
            _ = try await fixture.service.authorize(account: AccountID("bob"), caller: "bob", dialled: BillingFixture.tver, at: BillingFixture.noon)
        }
    }

    /// Through `SQLiteLedgerStore.commit` (decide inside the write transaction), and through the
    /// bare `LedgerStore` protocol (book, decide, append with the optimistic check, retry on
    /// conflict), which is what a store other than SQLite gets.
    @Test(arguments: [false, true])
    func twoConnectionsRacingOnOneAccountCannotOverspend(throughTheProtocolOnly: Bool) async throws {
        let settings = BillingSettings(creditControl: CreditControlSettings(sliceSeconds: 60, maximumConcurrentCalls: 16))
        let fixture = try await BillingFixture(settings: settings)
        let (otherLedger, otherService) = try fixture.reopened(settings: settings)
        let alice = AccountID("alice")
        try await fixture.topUp("alice", 3_000, id: "only")
        let counters = [ConflictCounter(fixture.ledger), ConflictCounter(otherLedger)]
        let services = throughTheProtocolOnly
            ? counters.map { BillingService(ledger: $0, tariffs: fixture.tariffs, settings: settings) }
            : [fixture.service, otherService]
        let noon = BillingFixture.noon
        let results = try await withThrowingTaskGroup(of: (charged: Int64, calls: Int).self) { group in
            for caller in 0..<12 {
                let service = services[caller % 2]
                group.addTask {
                    var charged: Int64 = 0
                    var calls = 0
                    for call in 0..<5 {
                        let at = noon.adding(seconds: Int64(call * 1000 + caller))
                        guard var reservation = try await service.authorize(account: alice, caller: "c\(caller)", dialled: BillingFixture.mobile, at: at).reservation else { continue }
                        calls += 1
                        let planned = Int64(37 * (caller + 1) + 11 * call) % 200 + 1
                        while planned > reservation.grantedSeconds {
                            guard case .extended(let extended) = try await service.renew(reservation.id, usedSeconds: reservation.grantedSeconds - 5, at: at) else { break }
                            reservation = extended
                        }
                        let talked = min(planned, reservation.grantedSeconds)
                        charged += try await service.settle(reservation.id, answeredAt: at, endedAt: at.adding(seconds: talked), reason: .callerHungUp).chargedMinor
                    }
                    return (charged, calls)
                }
            }
            var all: [(charged: Int64, calls: Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        let charged = results.reduce(0) { $0 + $1.charged }
        let calls = results.reduce(0) { $0 + $1.calls }
        let (ledger, _) = try fixture.reopened()
        let book = try await ledger.book(of: alice)
        try book.verifyInvariants()
        #expect(book.openReservations.isEmpty)
        #expect(charged <= 3_000 && book.balanceMinor == 3_000 - charged)
        #expect(book.settlements.count == calls)
        #expect(try await ledger.callRecords(CallRecordFilter(account: "alice")).reduce(0) { $0 + $1.costMinor } == charged)
        #expect(calls < 12 * 5)            // the balance was contested
        #expect(charged > 1_500)           // and mostly spent
        if throughTheProtocolOnly { #expect(counters.reduce(0) { $0 + $1.conflicts } > 0) }
    }

    @Test func recoverySettlesWhatWasLeftOpen() async throws {
        let fixture = try await BillingFixture()
        let noon = BillingFixture.noon
        try await fixture.topUp("alice", 5_000, id: "a")
        try await fixture.topUp("bob", 5_000, id: "b")
        let silent = try #require(try await fixture.service.authorize(account: AccountID("alice"), caller: "alice", dialled: BillingFixture.mobile, at: noon).reservation)
        let renewed = try #require(try await fixture.service.authorize(account: AccountID("bob"), caller: "bob", dialled: BillingFixture.mobile, at: noon).reservation)
        _ = try await fixture.service.renew(renewed.id, usedSeconds: 290, at: noon.adding(seconds: 300))

        let (ledger, restarted) = try fixture.reopened()
        let settlements = try await restarted.recoverOpenReservations(at: noon.adding(seconds: 3600))
        #expect(settlements.map(\.reservationID) == [silent.id, renewed.id])
        #expect(settlements.map(\.record.endReason) == [.recoveredAfterCrash, .recoveredAfterCrash])
        #expect(settlements[0].chargedMinor == 0)
        #expect(settlements[1].record.durationSeconds == 290)
        #expect(try await ledger.openReservations().isEmpty)
        #expect(try await restarted.recoverOpenReservations(at: noon.adding(seconds: 7200)).isEmpty)
        let bob = try await ledger.book(of: AccountID("bob"))
        #expect(bob.heldMinor == 0 && bob.balanceMinor == 5_000 - settlements[1].chargedMinor)
    }
}

/// A `LedgerStore` that only forwards to a SQLite one (so `BillingService` takes the protocol's
/// optimistic path) and counts the conflicts it passes on.
final class ConflictCounter: LedgerStore {
    let store: SQLiteLedgerStore
    private let count = Mutex(0)
    init(_ store: SQLiteLedgerStore) { self.store = store }
    var conflicts: Int { count.withLock { $0 } }

    func book(of account: AccountID) async throws -> AccountBook { try await store.book(of: account) }
    func openReservations() async throws -> [Reservation] { try await store.openReservations() }
    func append(_ entries: [LedgerEntry], to account: AccountID, expectedLastSequence: UInt64) async throws {
        do {
            try await store.append(entries, to: account, expectedLastSequence: expectedLastSequence)
        } catch let error as LedgerStoreError {
            if case .conflict = error { count.withLock { $0 += 1 } }
            throw error
        }
    }
}
