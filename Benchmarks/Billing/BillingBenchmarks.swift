// Billing benchmarks: what a paid call costs the server in billing. "authorize + settle" is the
// whole edge on a real SQLite file in WAL mode (BillingService: read the book, decide with the
// pure core, append in one transaction with the optimistic check; settle writes charge, release,
// derived balance and CDR in one transaction) — the goal is at least 5,000 pairs a second on one
// core. "normalise + rate" is Numbering and the tariff lookup the call path does first. Run them
// as Benchmarks/README.md says.

import Benchmark
import Billing
import Foundation
import Numbering
import Storage

/// 1,000 operations per measured iteration; figures are per operation (per pair, per number).
func configuration(_ scaling: BenchmarkScalingFactor, seconds: Int = 5) -> Benchmark.Configuration {
    .init(metrics: [.throughput, .wallClock, .mallocCountTotal], warmupIterations: 3, scalingFactor: scaling,
          maxDuration: .seconds(seconds), maxIterations: 10_000)
}

let numbering: NumberingPlan = {
    do { return try NumberingPlan.bundled() } catch { fatalError("BillingBenchmarks: \(error)") }
}()

/// Numbers as users dial them, to destinations of the example rate sheet (every one has a rate).
let dialled = [
    "+7 (495) 111-22-33", "0079161234567", "+7 701 123 45 67", "+380 50 123 4567",
    "+998 90 123 45 67", "+86 138 1234 5678", "+1 212 555 0123", "+44 20 7946 0018",
    "+7 8442 11-22-33", "+998 71 123 45 67", "+7 727 123 45 67", "+86 10 1234 5678",
    "+7 812 111-22-33", "+7 843 123 45 67", "+7 916 765 43 21", "+380 44 123 4567",
]

let examplePlan: TariffPlan = {
    do {
        return try TariffPlan(name: "Provider", rates: ExampleTariffs.rates(),
                              freeDirections: [ExampleTariffs.providerFreeDirection(firstDate: CivilDate(year: 2025, month: 10, day: 1)!)])
    } catch { fatalError("BillingBenchmarks: \(error)") }
}()

/// A database file with `accounts` accounts on a paid plan (no free directions), each with a
/// large balance, and the service on it.
func preparedService(accounts: Int, durability: ZvonokDatabase.Durability) async throws -> (BillingService, [AccountID]) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zvonok-billing-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let database = try ZvonokDatabase(path: directory.appendingPathComponent("bench.sqlite").path, durability: durability)
    let tariffs = SQLiteTariffStore(database: database)
    try await tariffs.importPlan(name: TariffPlan.trialPlanName, rates: ExampleTariffs.rates(), freeDirections: [], atUnixSeconds: 0)
    try await tariffs.importPlan(name: "Paid", rates: ExampleTariffs.rates(), freeDirections: [], atUnixSeconds: 0)
    let service = BillingService(ledger: SQLiteLedgerStore(database: database), tariffs: tariffs, settings: BillingSettings())
    let accountStore = SQLiteAccountStore(database: database)
    var ids: [AccountID] = []
    for index in 0..<accounts {
        let name = "bench\(index)"
        _ = try accountStore.insert(.init(username: name, displayName: name, phoneNumber: nil, realm: "bench", ha1MD5: "", ha1SHA256: "", createdAtUnixSeconds: 0))
        try await tariffs.assign(account: name, plan: "Paid", atUnixSeconds: 0)
        _ = try await service.topUp(account: AccountID(name), amountMinor: AccountBook.maximumAmountMinor, paymentID: "bench-\(name)", at: BillingTime(unixSeconds: 0))
        ids.append(AccountID(name))
    }
    return (service, ids)
}

/// The database is prepared once per process, outside every measurement, and reused by every
/// iteration (each call adds to the accounts' ledgers, as calls do).
actor PreparedDatabase {
    static let processCrashSafe = PreparedDatabase(durability: .processCrash)
    static let powerLossSafe = PreparedDatabase(durability: .powerLoss)
    let durability: ZvonokDatabase.Durability
    private var prepared: (BillingService, [AccountID])?

    init(durability: ZvonokDatabase.Durability) { self.durability = durability }

    func get() async throws -> (BillingService, [AccountID]) {
        if let prepared { return prepared }
        let made = try await preparedService(accounts: 1000, durability: durability)
        prepared = made
        return made
    }
}

/// `pairs` authorize + settle pairs through `service`, round-robin over `accounts` and the numbers.
func authorizeAndSettle(_ service: BillingService, _ accounts: [AccountID], _ destinations: [DialledNumber], pairs: some Sequence<Int>, from start: BillingTime) async throws -> Int64 {
    var charged: Int64 = 0
    var call = 0
    for _ in pairs {
        let account = accounts[call % accounts.count]
        let at = start.adding(seconds: Int64(call))
        guard let reservation = try await service.authorize(account: account, caller: account.name, dialled: destinations[call & 15], at: at).reservation else {
            fatalError("BillingBenchmarks: refused")
        }
        charged &+= try await service.settle(reservation.id, answeredAt: at, endedAt: at.adding(seconds: Int64(call % 300)), reason: .callerHungUp).chargedMinor
        call += 1
    }
    return charged
}

let benchmarks: @Sendable () -> Void = {
    let destinations = dialled.map { DialledNumber(dialled: $0, numbering: numbering) }
    let start = BillingTime(unixSeconds: 1_759_309_200)

    Benchmark("authorize + settle (SQLite WAL, synchronous=NORMAL, 1000 accounts)", configuration: configuration(.kilo)) { benchmark in
        let (service, accounts) = try await PreparedDatabase.processCrashSafe.get()
        benchmark.startMeasurement()
        blackHole(try await authorizeAndSettle(service, accounts, destinations, pairs: benchmark.scaledIterations, from: start))
        benchmark.stopMeasurement()
    }

    Benchmark("authorize + settle (SQLite WAL, synchronous=FULL, 1000 accounts)", configuration: configuration(.kilo)) { benchmark in
        let (service, accounts) = try await PreparedDatabase.powerLossSafe.get()
        benchmark.startMeasurement()
        blackHole(try await authorizeAndSettle(service, accounts, destinations, pairs: benchmark.scaledIterations, from: start))
        benchmark.stopMeasurement()
    }

    Benchmark("authorize + settle (pure core, no database)", configuration: configuration(.kilo)) { benchmark in
        let control = CreditControl()
        var book = AccountBook(account: AccountID("bench"))
        try book.apply(try book.topUp(externalPaymentID: "p", amountMinor: AccountBook.maximumAmountMinor, at: start).entries)
        var call = 0
        for _ in benchmark.scaledIterations {
            // A fresh book every 50 calls keeps it the size an account's book has in a month.
            if call % 50 == 0 {
                book = AccountBook(account: AccountID("bench"))
                try book.apply(try book.topUp(externalPaymentID: "p", amountMinor: AccountBook.maximumAmountMinor, at: start).entries)
            }
            let at = start.adding(seconds: Int64(call))
            let authorization = control.authorize(book, plan: examplePlan, caller: "bench", dialled: destinations[call & 15], at: at)
            try book.apply(authorization.entries)
            if let reservation = authorization.outcome.reservation {
                try book.apply(try control.settle(book, reservation: reservation.id, answeredAt: at, endedAt: at.adding(seconds: 61), reason: .callerHungUp).entries)
            }
            call += 1
        }
        blackHole(book.balanceMinor)
    }

    Benchmark("normalise + rate (dialled string to cost of 61 s)", configuration: configuration(.kilo, seconds: 2)) { benchmark in
        var total: Int64 = 0
        var i = 0
        for _ in benchmark.scaledIterations {
            if case .routable(let destination) = DialledNumber(dialled: dialled[i & 15], numbering: numbering),
               let rate = examplePlan.rate(for: destination.e164Digits, at: start) {
                total &+= rate.costMinor(seconds: 61)
            }
            i &+= 1
        }
        blackHole(total)
    }
}
