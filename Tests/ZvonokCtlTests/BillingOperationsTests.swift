import Billing
import Foundation
import Registrar
import Storage
import Testing
@testable import ZvonokCtlCommands

/// `zvonokctl tariff|balance|cdr|account plan` on a real SQLite file, with the example tariffs of
/// `etc/tariffs/` and a fixed clock (2 October 2025 12:00 MSK).
@Suite struct BillingOperationsTests {
    static let tariffs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("etc/tariffs")
    static let now: Int64 = 1_759_395_600   // 2025-10-02 09:00 UTC

    struct Setup {
        let path: String
        let operations: BillingOperations
    }

    static func setup(accounts: [String] = ["alice", "bob"]) async throws -> Setup {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zvonokctl-billing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("z.sqlite").path
        let database = try ZvonokDatabase(path: path)
        let accountOperations = AccountOperations(store: SQLiteAccountStore(database: database), realm: "zvonok.example", nowUnixSeconds: { now })
        for name in accounts { _ = try accountOperations.add(username: name, displayName: nil, phoneNumber: nil, password: "long enough") }
        let operations = BillingOperations(database: database, settings: BillingSettings(), nowUnixSeconds: { now })
        return Setup(path: path, operations: operations)
    }

    static func file(_ name: String) throws -> (String, String) {
        let path = tariffs.appendingPathComponent(name).path
        return (path, try String(contentsOfFile: path, encoding: .utf8))
    }

    static func importExamples(_ operations: BillingOperations) async throws {
        let (ratesPath, rates) = try file("rates.csv")
        let (providerPath, provider) = try file("provider-free.csv")
        let (messengerPath, messenger) = try file("messenger-free.csv")
        #expect(try await operations.importTariff(plan: "Пробный", ratesFile: ratesPath, ratesText: rates, freeFile: nil, freeText: nil)
            == "imported 13 rates into plan Пробный (revision 1, 0 free directions)")
        #expect(try await operations.importTariff(plan: "Provider", ratesFile: ratesPath, ratesText: rates, freeFile: providerPath, freeText: provider)
            == "imported 13 rates into plan Provider (revision 1, 1 free directions)")
        _ = try await operations.importTariff(plan: "Messenger", ratesFile: ratesPath, ratesText: rates, freeFile: messengerPath, freeText: messenger)
    }

    @Test func theExampleTariffsImportAndRate() async throws {
        let s = try await Self.setup()
        try await Self.importExamples(s.operations)
        let list = try await s.operations.listTariffs()
        #expect(list.count == 4)
        #expect(list[3].hasPrefix("Пробный (trial, 10 min)\t13\t0\t0\t1\t2025-10-02 12:00:00+03:00"))
        // Provider: Kazan is free from 1 October; the messenger's plan does not make it free.
        let kazan = try await s.operations.rate(plan: "Provider", number: "+7 843 123-45-67", at: "2025-10-01")
        #expect(kazan.contains("free:     Provider promotion (from 2025-10-01)"))
        #expect(kazan.contains("prefix:   7 (Russia landline)"))
        #expect(kazan.contains("61 s:     3.00 RUB (120 s billed)"))        // 60/60: two minutes
        #expect(kazan.contains("3600 s:   90.00 RUB (3600 s billed)"))
        let before = try await s.operations.rate(plan: "Provider", number: "+78431234567", at: "2025-09-30T23:59")
        #expect(!before.contains("free:"))
        #expect(!(try await s.operations.rate(plan: "Messenger", number: "+78431234567", at: nil)).contains("free:"))
        let moscow = try await s.operations.rate(plan: "Messenger", number: "+74951112233", at: nil)
        #expect(moscow == """
            number:   +74951112233 (RU landline)
            plan:     Messenger
            free:     Moscow and St Petersburg (from 2025-10-01)
            prefix:   7495 (Moscow landline)
            rate:     0.95 RUB per minute, increment 1/1
            1 s:      0.02 RUB (1 s billed)
            30 s:     0.48 RUB (30 s billed)
            61 s:     0.97 RUB (61 s billed)
            3600 s:   57.00 RUB (3600 s billed)
            """)
        let ukraine = try await s.operations.rate(plan: "Пробный", number: "+380 44 123 4567", at: nil)
        #expect(ukraine.contains("connection fee 0.50 RUB") && ukraine.contains("1 s:      10.40 RUB (60 s billed)"))
        #expect(try await s.operations.rate(plan: "Пробный", number: "+74822123456", at: nil).contains("trial:    free for the first 10 min"))
    }

    @Test func badImportsNameTheLineAndImportNothing() async throws {
        let s = try await Self.setup()
        try await Self.importExamples(s.operations)
        let bad = "prefix,description,price_per_minute,increment\n7,Russia,1.50,60/60\n79,Mobile,1.505,1/1\n"
        await #expect(throws: AccountOperations.Failure("new.csv: line 3, price_per_minute: \"1.505\" is not an amount like 1.50 (at most 2 decimals, not negative); nothing imported")) {
            _ = try await s.operations.importTariff(plan: "Provider", ratesFile: "new.csv", ratesText: bad, freeFile: nil, freeText: nil)
        }
        let overlapping = "prefix,description,price_per_minute,increment\n7,Russia,1.50,60/60\n+7,Again,1.00,1/1\n"
        await #expect(throws: AccountOperations.Failure("o.csv: line 3, prefix: prefix 7 already has a rate for this period on line 2; nothing imported")) {
            _ = try await s.operations.importTariff(plan: "Provider", ratesFile: "o.csv", ratesText: overlapping, freeFile: nil, freeText: nil)
        }
        let (ratesPath, rates) = try Self.file("rates.csv")
        let badFree = "direction,prefix,first_date\nMoscow,7495,2025-10-01\nMoscow,7499,2025-10-02\n"
        await #expect(throws: AccountOperations.Failure("f.csv: line 3: direction \"Moscow\" has other dates or cap on line 2; its lines must agree; nothing imported")) {
            _ = try await s.operations.importTariff(plan: "Provider", ratesFile: ratesPath, ratesText: rates, freeFile: "f.csv", freeText: badFree)
        }
        await #expect(throws: AccountOperations.Failure("empty.csv: no rates (a header row and one rate per line); nothing imported")) {
            _ = try await s.operations.importTariff(plan: "X", ratesFile: "empty.csv", ratesText: "prefix,description,price_per_minute,increment\n", freeFile: nil, freeText: nil)
        }
        await #expect(throws: AccountOperations.Failure("\"\" is not a plan name: 1 to 100 bytes, no control characters")) {
            _ = try await s.operations.importTariff(plan: "", ratesFile: ratesPath, ratesText: rates, freeFile: nil, freeText: nil)
        }
        // Nothing changed: still revision 1 with its 13 rates and its free direction.
        let provider = try #require(try await s.operations.tariffs.plan(named: "Provider"))
        #expect(provider.revision == 1 && provider.rates.count == 13 && provider.freeDirections.count == 1)
        // A re-import without --free-directions keeps them.
        #expect(try await s.operations.importTariff(plan: "Provider", ratesFile: ratesPath, ratesText: rates, freeFile: nil, freeText: nil)
            == "imported 13 rates into plan Provider (revision 2, 1 free directions kept)")
        await #expect(throws: AccountOperations.Failure("no tariff plan \"Nope\" (zvonokctl tariff list shows the plans; tariff import adds one)")) {
            _ = try await s.operations.rate(plan: "Nope", number: "+74951112233", at: nil)
        }
        await #expect(throws: AccountOperations.Failure("\"8 495 111-22-33\": No country code: dial the full international number with the country code, e.g. +74951112233")) {
            _ = try await s.operations.rate(plan: "Provider", number: "8 495 111-22-33", at: nil)
        }
    }

    @Test func amountsAreParsedWithoutFloatingPoint() throws {
        #expect(try BillingOperations.parseAmount("150.25") == 15_025)
        #expect(try BillingOperations.parseAmount("150.25 RUB") == 15_025)
        #expect(try BillingOperations.parseAmount("0.1") == 10)
        #expect(try BillingOperations.parseAmount("100") == 10_000)
        #expect(try BillingOperations.parseAmount("0.29") == 29)          // 0.29 * 100 is 28.999… in binary floating point
        for bad in ["0", "-5", "1.505", "abc", "1,50", "", "1e3", ".5"] {
            #expect(throws: AccountOperations.Failure.self, "\(bad)") { _ = try BillingOperations.parseAmount(bad) }
        }
        #expect(throws: AccountOperations.Failure("the amount must be more than 0, not 0.00 RUB")) { _ = try BillingOperations.parseAmount("0.00") }
    }

    @Test func topUpsAreIdempotentPerPaymentID() async throws {
        let s = try await Self.setup()
        #expect(try await s.operations.topUp(account: "alice", amount: "150.25", paymentID: "bank-1") == "credited 150.25 RUB to alice (payment bank-1); balance 150.25 RUB")
        #expect(try await s.operations.topUp(account: "alice", amount: "150.25", paymentID: "bank-1")
            == "payment bank-1 was already credited to alice (entry 1); nothing changed; balance 150.25 RUB")
        await #expect(throws: AccountOperations.Failure("payment bank-1 was recorded for 150.25 RUB, not 10.00 RUB; nothing changed")) {
            _ = try await s.operations.topUp(account: "alice", amount: "10", paymentID: "bank-1")
        }
        await #expect(throws: AccountOperations.Failure("payment bank-1 is already recorded for another account; nothing changed")) {
            _ = try await s.operations.topUp(account: "bob", amount: "150.25", paymentID: "bank-1")
        }
        await #expect(throws: AccountOperations.Failure("no account carol")) {
            _ = try await s.operations.topUp(account: "carol", amount: "1", paymentID: "bank-2")
        }
        #expect(try await s.operations.ledger.book(of: AccountID("alice")).balanceMinor == 15_025)
        #expect(try await s.operations.ledger.book(of: AccountID("bob")).balanceMinor == 0)
    }

    @Test func balanceHistoryAndCDRsAfterACall() async throws {
        let s = try await Self.setup()
        try await Self.importExamples(s.operations)
        _ = try await s.operations.topUp(account: "alice", amount: "100", paymentID: "p1")
        #expect(try await s.operations.assignPlan(account: "alice", plan: "Messenger") == "alice is on plan Messenger")
        let service = s.operations.service
        let start = BillingTime(unixSeconds: Self.now)
        let mobile = DialledNumber.routable(Destination(dialled: "+7 916 123-45-67", e164Digits: "79161234567", classification: .russianMobile))
        let reservation = try #require(try await service.authorize(account: AccountID("alice"), caller: "alice", dialled: mobile, at: start).reservation)
        _ = try await service.settle(reservation.id, answeredAt: start.adding(seconds: 10), endedAt: start.adding(seconds: 71), reason: .calleeHungUp)

        #expect(try await s.operations.showBalance(account: "alice") == """
            account:   alice
            plan:      Messenger
            balance:   96.75 RUB
            held:      0.00 RUB by 0 calls in progress
            available: 96.75 RUB
            entries:   4, 1 calls settled
            """)
        let history = try await s.operations.history(account: "alice")
        #expect(history.count == 5)
        #expect(history[1] == "1\t2025-10-02 12:00:00+03:00\ttop-up\t100.00 RUB\t100.00 RUB\tpayment p1")
        #expect(history[3] == "3\t2025-10-02 12:01:11+03:00\tcharge\t-3.25 RUB\t96.75 RUB\tcall #2: 61 s talked, 66 s billed, 0 s free")
        #expect(history[4].hasPrefix("4\t2025-10-02 12:01:11+03:00\trelease\t"))

        let all = try s.operations.filter(account: nil, since: nil, until: nil)
        #expect(try await s.operations.listRecords(all) == [
            "started\taccount\tcallee\tanswered\tduration\tbilled\tcategory\tplan\trate\tcost\tend",
            "2025-10-02 12:00:00+03:00\talice\t+79161234567\t2025-10-02 12:00:10+03:00\t61 s\t66 s\tpaid\tMessenger\t79 2.95 RUB/min 30/6\t3.25 RUB\tcallee hung up",
        ])
        let csv = try await s.operations.exportCSV(all)
        #expect(csv.count == 2)
        #expect(csv[1] == "alice,2,alice,+7 916 123-45-67,+79161234567,RU,mobile,2025-10-02T09:00:00Z,2025-10-02T09:00:10Z,2025-10-02T09:01:11Z,61,0,66,Messenger,79,2.95,30/6,0.00,3.25,RUB,paid,,callee hung up")
        #expect(try await s.operations.listRecords(try s.operations.filter(account: "bob", since: nil, until: nil)).count == 1)
        #expect(try await s.operations.listRecords(try s.operations.filter(account: nil, since: "2025-10-02T12:00:01", until: nil)).count == 1)
        #expect(try await s.operations.listRecords(try s.operations.filter(account: nil, since: "2025-10-02", until: "2025-10-03")).count == 2)
        #expect(try await s.operations.listRecords(try s.operations.filter(account: nil, since: "2025-10-02T09:00:00Z", until: nil)).count == 2)
        #expect(throws: AccountOperations.Failure("--until must be after --since")) { _ = try s.operations.filter(account: nil, since: "2025-10-02", until: "2025-10-01") }
        #expect(throws: AccountOperations.Failure.self) { _ = try s.operations.filter(account: nil, since: "yesterday", until: nil) }
        await #expect(throws: AccountOperations.Failure("no account carol")) { _ = try await s.operations.assignPlan(account: "carol", plan: "Messenger") }
    }

    @Test func exitStatuses() async throws {
        let s = try await Self.setup()
        func run(_ arguments: [String]) async -> Int32 { await ZvonokCtl.run(arguments: arguments + ["--database", s.path]) }
        #expect(await run(["balance", "topup", "alice", "12.30", "--payment-id", "x1"]) == 0)
        #expect(await run(["balance", "topup", "alice", "12.30", "--payment-id", "x1"]) == 0)
        #expect(await run(["balance", "topup", "alice", "12.345", "--payment-id", "x2"]) == 1)
        #expect(await run(["balance", "topup", "alice", "12"]) == 2)
        #expect(await run(["balance", "show", "nobody"]) == 1)
        #expect(await run(["tariff", "import", "P", "/nonexistent/rates.csv"]) == 1)
        #expect(await run(["cdr", "export", "--format", "xml"]) == 2)
        #expect(await run(["cdr", "export", "--format", "csv"]) == 0)
        #expect(await run(["account", "plan", "alice", "Nope"]) == 1)
        #expect(try await s.operations.ledger.book(of: AccountID("alice")).balanceMinor == 1_230)
    }
}
