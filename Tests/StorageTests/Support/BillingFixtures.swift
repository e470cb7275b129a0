import Billing
import Foundation
import Registrar
@testable import Storage

/// A database with accounts and the example plans, for the billing tests of Storage.
struct BillingFixture {
    let path: String
    let database: ZvonokDatabase
    let ledger: SQLiteLedgerStore
    let tariffs: SQLiteTariffStore
    let service: BillingService

    /// 1 October 2025 12:00 MSK.
    static let noon = BillingTime(unixSeconds: 1_759_309_200)
    static let october1 = CivilDate(year: 2025, month: 10, day: 1)!

    static func destination(_ digits: String, _ classification: DestinationClass = .unknown) -> DialledNumber {
        .routable(Destination(dialled: "+" + digits, e164Digits: digits, classification: classification))
    }

    static let moscow = destination("74951112233", .russianLandline)
    static let tver = destination("74822123456", .russianLandline)
    static let mobile = destination("79161234567", .russianMobile)
    static let china = destination("8613812345678", DestinationClass(countryISO: "CN", kind: .mobile))

    /// A fresh database file with `accounts` created, the example rates imported as the trial
    /// plan, "Provider" (provider's free directions) and "Messenger" (Moscow and St Petersburg).
    init(accounts: [String] = ["alice", "bob"], path: String? = nil, settings: BillingSettings = BillingSettings()) async throws {
        self.path = path ?? AccountStoreTests.temporaryPath()
        database = try ZvonokDatabase(path: self.path)
        ledger = SQLiteLedgerStore(database: database)
        tariffs = SQLiteTariffStore(database: database)
        service = BillingService(ledger: ledger, tariffs: tariffs, settings: settings)
        let accountStore = SQLiteAccountStore(database: database)
        for name in accounts where try accountStore.account(username: name) == nil {
            var account = AccountStoreTests.alice(phone: nil)
            account.username = name
            _ = try accountStore.insert(account)
        }
        let rates = ExampleTariffs.rates()
        try await tariffs.importPlan(name: TariffPlan.trialPlanName, rates: rates, freeDirections: [], atUnixSeconds: 1)
        try await tariffs.importPlan(name: "Provider", rates: rates, freeDirections: [ExampleTariffs.providerFreeDirection(firstDate: Self.october1)], atUnixSeconds: 1)
        try await tariffs.importPlan(name: "Messenger", rates: rates, freeDirections: [ExampleTariffs.messengerFreeDirection(firstDate: Self.october1, dailyCapMinutes: 2)], atUnixSeconds: 1)
    }

    /// Another connection to the same file with empty caches: what a restarted daemon sees.
    func reopened(settings: BillingSettings = BillingSettings()) throws -> (ledger: SQLiteLedgerStore, service: BillingService) {
        let database = try ZvonokDatabase(path: path)
        let ledger = SQLiteLedgerStore(database: database)
        return (ledger, BillingService(ledger: ledger, tariffs: SQLiteTariffStore(database: database), settings: settings))
    }

    func topUp(_ account: String, _ amountMinor: Int64, id: String) async throws {
        _ = try await service.topUp(account: AccountID(account), amountMinor: amountMinor, paymentID: id, at: Self.noon)
    }
}
