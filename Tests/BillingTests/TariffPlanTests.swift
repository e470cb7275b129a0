import Testing
@testable import Billing

@Suite struct TariffPlanTests {
    @Test func providerAndMessengerPlansDiffer() throws {
        let provider = try ExampleTariffs.providerPlan(freeFrom: Fixture.october1)
        let messenger = try ExampleTariffs.messengerPlan(freeFrom: Fixture.october1)
        let kazan = "78431234567"
        let moscow = "74991234567"
        let saratov = "78452123456"
        let china = "8613812345678"
        #expect(provider.freeDirection(for: kazan, at: Fixture.noon)?.name == "Provider promotion")
        #expect(provider.freeDirection(for: saratov, at: Fixture.noon) != nil)
        #expect(provider.freeDirection(for: china, at: Fixture.noon) != nil)
        #expect(messenger.freeDirection(for: kazan, at: Fixture.noon) == nil)
        #expect(messenger.freeDirection(for: china, at: Fixture.noon) == nil)
        #expect(messenger.freeDirection(for: moscow, at: Fixture.noon)?.name == "Moscow and St Petersburg")
        #expect(messenger.freeDirection(for: "78121234567", at: Fixture.noon) != nil)
        // Saratov is 78452, not the whole 7845 region.
        #expect(provider.freeDirection(for: "78453123456", at: Fixture.noon) == nil)
        #expect(ExampleTariffs.providerFreePrefixes.count == 17)
    }

    @Test func freeDirectionsRunFromTheirFirstToTheirLastLocalDateInclusive() throws {
        let direction = FreeDirection(name: "Autumn", prefixes: ["7495"], firstDate: Fixture.october1, lastDate: Fixture.date(2025, 10, 31))
        let plan = try TariffPlan(name: "P", rates: Fixture.rates, freeDirections: [direction])
        let number = "74951112233"
        #expect(plan.freeDirection(for: number, at: Fixture.time(Fixture.september30, 23, 59, 59)) == nil)
        #expect(plan.freeDirection(for: number, at: Fixture.time(Fixture.october1, 0, 0)) != nil)
        #expect(plan.freeDirection(for: number, at: Fixture.time(Fixture.date(2025, 10, 31), 23, 59, 59)) != nil)
        #expect(plan.freeDirection(for: number, at: Fixture.time(Fixture.date(2025, 11, 1), 0, 0)) == nil)
        // The same instants in a UTC plan fall on other days.
        let utcPlan = try TariffPlan(name: "U", rates: Fixture.rates, freeDirections: [direction], utcOffsetSeconds: 0)
        #expect(utcPlan.freeDirection(for: number, at: Fixture.time(Fixture.october1, 0, 0)) == nil)
        #expect(utcPlan.freeDirection(for: number, at: Fixture.time(Fixture.october1, 3, 0)) != nil)
    }

    @Test func longestFreePrefixWinsAndBarredPrefixesMatchByPrefix() throws {
        let plan = try TariffPlan(name: "P", rates: Fixture.rates, barredPrefixes: ["7809"], freeDirections: [
            FreeDirection(name: "Russia", prefixes: ["7"], firstDate: Fixture.october1, dailyCapMinutes: 5),
            FreeDirection(name: "Moscow", prefixes: ["7495"], firstDate: Fixture.october1),
        ])
        #expect(plan.freeDirection(for: "74951112233", at: Fixture.noon)?.name == "Moscow")
        #expect(plan.freeDirection(for: "74821112233", at: Fixture.noon)?.name == "Russia")
        #expect(plan.isBarred("78091234567"))
        #expect(!plan.isBarred("78081234567"))
        #expect(!plan.isBarred("780"))
    }

    @Test func invalidPlansAreRefused() throws {
        #expect(throws: TariffError.invalidPrefix("7a")) { try TariffPlan(name: "P", rates: [], barredPrefixes: ["7a"]) }
        #expect(throws: TariffError.duplicateFreeDirection(name: "X")) {
            try TariffPlan(name: "P", rates: [], freeDirections: [
                FreeDirection(name: "X", prefixes: ["7"], firstDate: Fixture.october1),
                FreeDirection(name: "X", prefixes: ["8"], firstDate: Fixture.october1),
            ])
        }
        #expect(throws: TariffError.self) {
            try TariffPlan(name: "P", rates: [], freeDirections: [FreeDirection(name: "X", prefixes: [], firstDate: Fixture.october1)])
        }
        #expect(throws: TariffError.self) {
            try TariffPlan(name: "P", rates: [], freeDirections: [FreeDirection(name: "X", prefixes: ["7"], firstDate: Fixture.october1, lastDate: Fixture.september30)])
        }
        #expect(throws: TariffError.self) {
            try TariffPlan(name: "P", rates: [], freeDirections: [FreeDirection(name: "X", prefixes: ["7"], firstDate: Fixture.october1, dailyCapMinutes: 0)])
        }
        #expect(throws: TariffError.self) { try TariffPlan(name: "", rates: []) }
        #expect(throws: TariffError.self) { try TariffPlan(name: "P", rates: [], utcOffsetSeconds: 15 * 3600) }
    }
}
