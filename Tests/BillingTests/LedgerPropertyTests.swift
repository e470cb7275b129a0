import Testing
@testable import Billing

/// Random sequences of top-ups (with repeated payment ids), authorisations, renewals,
/// settlements (and repeated settlements), adjustments, stale decisions and crashes, under a
/// seeded SplitMix64, checking after every step: balance == Σ posted entries == what the test
/// itself counted in minus what was charged; available never below zero; every reservation settled
/// or released exactly once; no charge above its hold; allowances within their limits.
@Suite struct LedgerPropertyTests {
    static let seeds: [UInt64] = Array(1...40)

    static let plan = try! TariffPlan(
        name: "Mixed",
        rates: Fixture.rates,
        barredPrefixes: ["7809"],
        freeDirections: [FreeDirection(name: "Promo", prefixes: ["86", "7812"], firstDate: Fixture.october1, dailyCapMinutes: 7)],
        trial: TrialSettings(limitMinutes: 12)
    )

    static let destinations: [DialledNumber] = [
        Fixture.moscowLandline, Fixture.tverLandline, Fixture.kazanLandline, Fixture.russianMobile, Fixture.china,
        Fixture.nowhere, Fixture.number("78121234567", .russianLandline), Fixture.number("78091234567"),
        .incomplete(dialled: "123", reason: "Address Incomplete: dial the full international number, e.g. +74951112233"),
    ]

    struct Model {
        var rng: SplitMix64
        var book = AccountBook(account: AccountID("prop"))
        let control: CreditControl
        var now = Fixture.october1Moscow.adding(seconds: -7200)
        var paymentAmounts: [String: Int64] = [:]
        var expectedBalanceMinor: Int64 = 0
        var paidInMinor: Int64 = 0
        var chargedMinor: Int64 = 0
        var opened = Set<ReservationID>()
        var settledOnce: [ReservationID: Settlement] = [:]
        var answered: [ReservationID: BillingTime?] = [:]
        var refusals: [RefusalCode: Int] = [:]
        var crashes = 0

        init(seed: UInt64) {
            rng = SplitMix64(seed: seed)
            control = CreditControl(settings: CreditControlSettings(sliceSeconds: rng.int(30...300), maximumCallSeconds: 3600, maximumConcurrentCalls: 6))
        }

        mutating func apply<T>(_ decision: LedgerDecision<T>) throws -> T {
            try book.apply(decision.entries)
            return decision.outcome
        }

        mutating func record(_ settlement: Settlement, hold: Int64) throws {
            try #require(settledOnce[settlement.reservationID] == nil, "reservation settled twice")
            try #require(settlement.chargedMinor >= 0 && settlement.chargedMinor <= hold, "charge \(settlement.chargedMinor) beyond hold \(hold)")
            try #require(settlement.chargedMinor + settlement.releasedMinor == hold, "charge + release != hold")
            settledOnce[settlement.reservationID] = settlement
            chargedMinor += settlement.chargedMinor
            expectedBalanceMinor -= settlement.chargedMinor
            answered[settlement.reservationID] = nil
        }

        mutating func step() throws {
            now = now.adding(seconds: rng.int(0...900))
            let roll = rng.int(0...99)
            switch roll {
            case 0..<15: try topUp()
            case 15..<45: try authorize()
            case 45..<62: try renew()
            case 62..<82: try settle()
            case 82..<87: try settleAgain()
            case 87..<92: try adjust()
            case 92..<97: try crash()
            default: try staleDecision()
            }
        }

        mutating func topUp() throws {
            let id = "pay-\(rng.int(0...25))"
            var amount = paymentAmounts[id] ?? rng.int(1...3_000)
            let lie = paymentAmounts[id] != nil && rng.chance(15)
            if lie { amount += 1 }
            do {
                let outcome = try apply(try book.topUp(externalPaymentID: id, amountMinor: amount, at: now))
                try #require(!lie, "a reused payment id with another amount was accepted")
                if case .credited = outcome {
                    try #require(paymentAmounts[id] == nil, "payment \(id) credited twice")
                    paymentAmounts[id] = amount
                    expectedBalanceMinor += amount
                    paidInMinor += amount
                }
            } catch LedgerError.paymentIDReusedWithDifferentAmount {
                try #require(lie)
            }
        }

        mutating func authorize() throws {
            let dialled = rng.pick(LedgerPropertyTests.destinations)
            let availableBefore = book.availableMinor
            let authorization = try apply(control.authorize(book, plan: LedgerPropertyTests.plan, caller: "prop", dialled: dialled, at: now))
            switch authorization {
            case .refused(let code, _):
                refusals[code, default: 0] += 1
                if case .incomplete = dialled { try #require(code == .addressIncomplete) }
            case .free(_, let reservation), .paid(_, let reservation):
                try #require(reservation.amountMinor <= availableBefore)
                try #require(opened.insert(reservation.id).inserted, "reservation id reused")
                answered[reservation.id] = rng.chance(80) ? now.adding(seconds: rng.int(0...30)) : nil
            }
        }

        mutating func randomOpen() -> Reservation? {
            let open = book.openReservations
            return open.isEmpty ? nil : rng.pick(open)
        }

        mutating func renew() throws {
            guard let reservation = randomOpen() else { return }
            let used = rng.int(0...(reservation.grantedSeconds + 20))
            let availableBefore = book.availableMinor
            let renewal = try apply(try control.renew(book, reservation: reservation.id, usedSeconds: used, at: now))
            if case .extended(let extended) = renewal {
                try #require(extended.grantedSeconds > reservation.grantedSeconds)
                try #require(extended.amountMinor - reservation.amountMinor <= availableBefore)
                try #require(book.reservation(reservation.id) == extended, "the book and the outcome disagree")
            }
        }

        mutating func settle() throws {
            guard let reservation = randomOpen() else { return }
            let answeredAt = answered[reservation.id] ?? nil
            let start = answeredAt ?? reservation.openedAt
            // Usually within the grant; sometimes overrunning it (the B2BUA cut late).
            let endedAt = start.adding(seconds: rng.int(0...(reservation.grantedSeconds + 90)))
            let settlement = try apply(try control.settle(book, reservation: reservation.id, answeredAt: answeredAt, endedAt: endedAt, reason: .callerHungUp))
            try record(settlement, hold: reservation.amountMinor)
        }

        mutating func settleAgain() throws {
            // Sorted, not the dictionary's own order, which differs from process to process.
            let ids = settledOnce.keys.sorted()
            guard !ids.isEmpty else { return }
            let id = rng.pick(ids)
            let first = settledOnce[id]!
            let again = try control.settle(book, reservation: id, answeredAt: nil, endedAt: now, reason: .failed("duplicate BYE"))
            try #require(again.entries.isEmpty)
            try #require(again.outcome == first)
        }

        mutating func adjust() throws {
            let amount = rng.chance(50) ? rng.int(1...500) : -rng.int(1...500)
            do {
                let entry = try apply(try book.adjustment(amountMinor: amount, reason: "random", at: now))
                try #require(entry.amountMinor == amount)
                expectedBalanceMinor += amount
                paidInMinor += amount
            } catch LedgerError.insufficientCredit {
                try #require(amount < 0 && -amount > book.availableMinor)
            }
        }

        mutating func crash() throws {
            crashes += 1
            // The process dies: only the ledger survives (replayed from its entries), plus whatever call records did.
            let holds = Dictionary(uniqueKeysWithValues: book.openReservations.map { ($0.id, $0.amountMinor) })
            book = try AccountBook(account: book.account, replaying: book.entries)
            var evidence: [ReservationID: CallEvidence] = [:]
            for reservation in book.openReservations where rng.chance(50) {
                let answeredAt = answered[reservation.id] ?? nil
                evidence[reservation.id] = .ended(answeredAt: answeredAt, endedAt: (answeredAt ?? reservation.openedAt).adding(seconds: rng.int(0...400)))
            }
            let settlements = try apply(CrashRecovery.recover(book, evidence: evidence, creditControl: control, at: now))
            try #require(settlements.count == holds.count)
            for settlement in settlements { try record(settlement, hold: holds[settlement.reservationID]!) }
            try #require(book.openReservations.isEmpty && book.heldMinor == 0)
        }

        mutating func staleDecision() throws {
            // A decision made on a snapshot that another writer has since moved on from never applies.
            let snapshot = book
            let stale = control.authorize(snapshot, plan: LedgerPropertyTests.plan, caller: "prop", dialled: Fixture.russianMobile, at: now)
            try topUp()
            if book.lastSequence != snapshot.lastSequence && !stale.entries.isEmpty {
                #expect(throws: LedgerError.self) { var copy = book; try copy.apply(stale.entries) }
            }
        }

        func checkInvariants(step: Int) throws {
            try book.verifyInvariants()
            try #require(book.availableMinor >= 0, "available below zero at step \(step)")
            try #require(book.balanceMinor == expectedBalanceMinor, "balance \(book.balanceMinor), counted \(expectedBalanceMinor) at step \(step)")
            try #require(book.balanceMinor == paidInMinor - chargedMinor, "money created or lost at step \(step)")
            try #require(book.heldMinor == book.openReservations.reduce(0) { $0 + $1.amountMinor })
            try #require(book.trialUsedSeconds <= 12 * 60)
            for day in Fixture.october1.daysSinceEpoch...(Fixture.october1.daysSinceEpoch + 5) {
                try #require(book.freeSecondsUsed(direction: "Promo", localDay: day) <= 7 * 60)
            }
        }
    }

    @Test(arguments: seeds)
    func randomSequencesKeepTheInvariants(seed: UInt64) throws {
        var model = Model(seed: seed)
        for step in 0..<300 {
            try model.step()
            try model.checkInvariants(step: step)
        }
        // Finally every reservation still open is recovered: each one ends exactly once.
        try model.crash()
        try model.checkInvariants(step: 300)
        #expect(Set(model.book.settlements.map(\.reservationID)) == model.opened)
        #expect(model.book.settlements.count == model.opened.count)
        #expect(Set(model.settledOnce.keys) == model.opened)
        #expect(!model.opened.isEmpty)
    }

    @Test func theRunsExerciseEveryPath() throws {
        // The property runs are not vacuous: across the seeds, calls are granted and refused with
        // every code, money is charged, and crashes recover open calls.
        var refusals: [RefusalCode: Int] = [:]
        var charged: Int64 = 0
        var opened = 0
        var paidCalls = 0
        var freeCalls = 0
        for seed in Self.seeds.prefix(10) {
            var model = Model(seed: seed)
            for step in 0..<300 {
                try model.step()
                try model.checkInvariants(step: step)
            }
            refusals.merge(model.refusals, uniquingKeysWith: +)
            charged += model.chargedMinor
            opened += model.opened.count
            paidCalls += model.settledOnce.values.filter { $0.record.category == .paid }.count
            freeCalls += model.settledOnce.values.filter { $0.record.category != .paid }.count
        }
        #expect(refusals[.paymentRequired, default: 0] > 0)
        #expect(refusals[.forbidden, default: 0] > 0)
        #expect(refusals[.addressIncomplete, default: 0] > 0)
        #expect(charged > 0)
        #expect(opened > 50)
        #expect(paidCalls > 0 && freeCalls > 0)
    }
}
