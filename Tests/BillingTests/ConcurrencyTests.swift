import Synchronization
import Testing
@testable import Billing

/// Many calls of one account with a small balance cannot together spend more than it has.
@Suite struct ConcurrencyTests {
    /// One caller's call as the B2BUA drives it: authorise, answer, renew near the end of each
    /// grant, hang up at its planned length or be cut at the end of its grant.
    struct Call {
        enum State { case idle, talking(Reservation, answeredAt: BillingTime, plannedSeconds: Int64), done }
        var state = State.idle
        var callsLeft: Int
    }

    @Test(arguments: Array(UInt64(1)...10))
    func interleavedCallsOfOneAccountCannotOverspend(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var h = Harness(settings: CreditControlSettings(sliceSeconds: 60, maximumCallSeconds: 3600, maximumConcurrentCalls: 8))
        let balance: Int64 = 1_000
        try h.topUp(balance, id: "the-only-payment")
        var calls = Array(repeating: Call(callsLeft: 3), count: 30)
        var now = Fixture.noon
        var charged: Int64 = 0
        var refused = 0
        var steps = 0
        while calls.contains(where: { if case .done = $0.state { false } else { true } }) {
            steps += 1
            try #require(steps < 100_000, "the interleaving does not terminate")
            now = now.adding(seconds: rng.int(0...3))
            let index = Int(rng.int(0...Int64(calls.count - 1)))
            switch calls[index].state {
            case .done:
                continue
            case .idle:
                if calls[index].callsLeft == 0 { calls[index].state = .done; continue }
                calls[index].callsLeft -= 1
                switch try h.authorize(rng.pick([Fixture.moscowLandline, Fixture.russianMobile, Fixture.china]), at: now) {
                case .paid(_, let reservation):
                    calls[index].state = .talking(reservation, answeredAt: now, plannedSeconds: rng.int(1...900))
                case .free:
                    Issue.record("nothing is free on this plan")
                case .refused(let code, _):
                    #expect(code == .paymentRequired || code == .forbidden)
                    refused += 1
                }
            case .talking(let reservation, let answeredAt, let planned):
                let talked = now.seconds(since: answeredAt)
                if talked >= planned || talked >= reservation.grantedSeconds {
                    // Hung up, or cut by the B2BUA at the end of the grant.
                    let end = answeredAt.adding(seconds: min(planned, reservation.grantedSeconds))
                    charged += try h.settle(reservation, answeredAt: answeredAt, endedAt: max(end, answeredAt)).chargedMinor
                    calls[index].state = .idle
                } else if talked >= reservation.grantedSeconds - 10 {
                    if case .extended(let extended) = try h.renew(reservation, used: talked, at: now) {
                        calls[index].state = .talking(extended, answeredAt: answeredAt, plannedSeconds: planned)
                    }
                }
            }
            #expect(h.book.availableMinor >= 0)
            #expect(h.book.heldMinor <= balance - charged)
        }
        #expect(h.book.openReservations.isEmpty)
        #expect(charged <= balance)
        #expect(h.book.balanceMinor == balance - charged)
        #expect(h.book.balanceMinor >= 0)
        #expect(refused > 0)                      // the balance was contested
        #expect(charged > balance / 2)            // and mostly spent
        try h.book.verifyInvariants()
    }

    @Test func concurrentTasksThroughALedgerStoreCannotOverspend() async throws {
        let store = InMemoryLedgerStore()
        let account = AccountID("shared")
        let control = CreditControl(settings: CreditControlSettings(sliceSeconds: 60, maximumCallSeconds: 3600, maximumConcurrentCalls: 16))
        let plan = Fixture.paidPlan()
        let balance: Int64 = 2_000
        _ = try await store.commit(account) { book in try book.topUp(externalPaymentID: "p1", amountMinor: balance, at: Fixture.noon) }
        // The same payment delivered again by a retrying payment system: still one top-up.
        _ = try await store.commit(account) { book in try book.topUp(externalPaymentID: "p1", amountMinor: balance, at: Fixture.noon) }

        let results = try await withThrowingTaskGroup(of: (chargedMinor: Int64, calls: Int).self) { group in
            for caller in 0..<16 {
                group.addTask {
                    var rng = SplitMix64(seed: UInt64(caller) + 100)
                    var spent: Int64 = 0
                    var calls = 0
                    for call in 0..<6 {
                        let at = Fixture.noon.adding(seconds: Int64(call * 1000))
                        let authorization = try await store.commit(account) { book in
                            control.authorize(book, plan: plan, caller: "caller-\(caller)", dialled: Fixture.moscowLandline, at: at)
                        }
                        guard var reservation = authorization.reservation else { continue }
                        calls += 1
                        let planned = rng.int(1...400)
                        while planned > reservation.grantedSeconds {
                            let renewal = try await store.commit(account) { book in
                                try control.renew(book, reservation: reservation.id, usedSeconds: reservation.grantedSeconds - 5, at: at)
                            }
                            guard case .extended(let extended) = renewal else { break }
                            reservation = extended
                        }
                        let talked = min(planned, reservation.grantedSeconds)
                        let settlement = try await store.commit(account) { book in
                            try control.settle(book, reservation: reservation.id, answeredAt: at, endedAt: at.adding(seconds: talked), reason: .callerHungUp)
                        }
                        spent += settlement.chargedMinor
                    }
                    return (spent, calls)
                }
            }
            var all: [(chargedMinor: Int64, calls: Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        let charged = results.reduce(0) { $0 + $1.chargedMinor }
        let book = try await store.book(of: account)
        try book.verifyInvariants()
        #expect(book.openReservations.isEmpty)
        #expect(try await store.openReservations().isEmpty)
        #expect(charged <= balance)
        #expect(book.balanceMinor == balance - charged)
        #expect(book.entries.filter { if case .topUp = $0.kind { true } else { false } }.count == 1)
        // Every granted call was settled exactly once, and the balance was really contested.
        #expect(book.settlements.count == results.reduce(0) { $0 + $1.calls })
        #expect(charged > balance / 2)
        #expect(results.reduce(0) { $0 + $1.calls } < 16 * 6)
    }
}

/// A `LedgerStore` in memory, with the contract Storage must keep: optimistic concurrency on the
/// account's last sequence, the batch checked by `AccountBook.apply` before anything is kept.
final class InMemoryLedgerStore: LedgerStore {
    private let books = Mutex<[AccountID: AccountBook]>([:])
    private let conflictCount = Atomic<Int>(0)

    var conflicts: Int { conflictCount.load(ordering: .relaxed) }

    func book(of account: AccountID) async throws -> AccountBook {
        books.withLock { $0[account] ?? AccountBook(account: account) }
    }

    func append(_ entries: [LedgerEntry], to account: AccountID, expectedLastSequence: UInt64) async throws {
        try books.withLock { (books: inout [AccountID: AccountBook]) throws(LedgerStoreError) in
            var book = books[account] ?? AccountBook(account: account)
            guard book.lastSequence == expectedLastSequence else {
                throw LedgerStoreError.conflict(account: account, expectedLastSequence: expectedLastSequence, actualLastSequence: book.lastSequence)
            }
            do throws(LedgerError) { try book.apply(entries) } catch { throw LedgerStoreError.refused(error) }
            books[account] = book
        }
    }

    func openReservations() async throws -> [Reservation] {
        books.withLock { books in books.values.flatMap(\.openReservations).sorted { $0.id < $1.id } }
    }

    /// Reads the book, decides, appends; on a conflict (another task wrote first) decides again
    /// on the fresh book. The edge's loop around the pure core.
    func commit<T>(_ account: AccountID, _ decide: (AccountBook) throws -> LedgerDecision<T>) async throws -> T {
        for _ in 0..<10_000 {
            let book = try await book(of: account)
            let decision = try decide(book)
            if decision.entries.isEmpty { return decision.outcome }
            do {
                try await append(decision.entries, to: account, expectedLastSequence: book.lastSequence)
                return decision.outcome
            } catch LedgerStoreError.conflict {
                conflictCount.add(1, ordering: .relaxed)
                await Task.yield()
            }
        }
        preconditionFailure("no progress after 10,000 conflicts")
    }
}
