import Testing
@testable import ZvonokConfig

/// The `billing:` section: defaults, each problem with the message an operator reads, the zone.
@Suite struct BillingConfigurationTests {
    @Test func defaults() {
        let billing = ZvonokConfiguration.defaults.billing
        #expect(billing == .init(trialMinutes: 10, timeZone: "Europe/Moscow", sliceSeconds: 300, maxCallSeconds: 14_400, maxConcurrentCalls: 8))
        #expect(billing.utcOffsetSeconds == 10_800)
    }

    static let problems: [(yaml: String, environment: [String: String], expected: String)] = [
        ("billing: {trialMinutes: -1}", [:], "billing.trialMinutes: -1 is less than the minimum (0)"),
        ("billing: {trialMinutes: 100001}", [:], "billing.trialMinutes: 100001 is more than the maximum (100000)"),
        ("billing: {sliceSeconds: 0}", [:], "billing.sliceSeconds: 0 is less than the minimum (1)"),
        ("", ["ZVONOK_BILLING_SLICE_SECONDS": "3601"], "billing.sliceSeconds: 3601 is more than the maximum (3600)"),
        ("billing: {maxCallSeconds: 100}", [:], "billing.maxCallSeconds: 100 is less than billing.sliceSeconds (300)"),
        ("billing: {maxCallSeconds: 700000}", [:], "billing.maxCallSeconds: 700000 is more than the maximum (604800)"),
        ("billing: {maxConcurrentCalls: 65}", [:], "billing.maxConcurrentCalls: 65 is more than the maximum (64)"),
        ("billing: {timeZone: Mars/Olympus}", [:], "billing.timeZone: \"Mars/Olympus\" is not a time zone name (e.g. Europe/Moscow, UTC)"),
        ("billing: {timeZone: Europe/Berlin}", [:],
         "billing.timeZone: \"Europe/Berlin\" changes its UTC offset for daylight saving time; billing days need a fixed offset (e.g. Europe/Moscow, UTC, Etc/GMT-3)"),
        ("billing:\n  sliceSecond: 60", [:], "billing.sliceSecond: unknown key (line 2); did you mean billing.sliceSeconds?"),
    ]

    @Test(arguments: problems.indices)
    func eachProblemHasItsMessage(index: Int) async throws {
        let (yaml, environment, expected) = Self.problems[index]
        #expect(try await Support.problems(yaml: yaml, environment: environment) == [expected])
    }

    @Test func fixedOffsetZonesAreAccepted() async throws {
        #expect(try await Support.load(yaml: "billing: {timeZone: UTC}").billing.utcOffsetSeconds == 0)
        #expect(try await Support.load(yaml: "billing: {timeZone: Asia/Yekaterinburg}").billing.utcOffsetSeconds == 18_000)
        #expect(try await Support.load(yaml: "billing: {timeZone: Etc/GMT-3}").billing.utcOffsetSeconds == 10_800)
    }
}
