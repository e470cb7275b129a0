import Testing
@testable import Numbering

/// A timing-free sanity run of the hot path (normalise + classify) over many inputs: it must
/// finish, agree with itself, and classify every routable number. The figures are in
/// Benchmarks/ (NumberingBenchmarks); tests never assert on time.
@Suite struct ThroughputSanityTests {
    @Test func normaliseAndClassifyManyNumbers() throws {
        let plan = try NumberingPlan.bundled()
        let forms = [
            "+7 (495) 111-22-33", "0079161234567", "+380 50 123 4567", "+7 701 123 45 67",
            "+998 90 123 45 67", "+86 138 1234 5678", "+1 212 555 0123", "+44 (0)20 7946 0018",
        ]
        var perCountry: [String: Int] = [:]
        var mobiles = 0
        let rounds = 25_000
        for i in 0..<rounds {
            let number = try E164Number(dialled: forms[i % forms.count])
            let found = try #require(plan.classify(number))
            perCountry[found.country, default: 0] += 1
            if found.kind == .mobile { mobiles += 1 }
        }
        #expect(perCountry.values.reduce(0, +) == rounds)
        #expect(perCountry["RU"] == 2 * rounds / forms.count)
        #expect(perCountry["CN"] == rounds / forms.count)
        #expect(mobiles == 5 * rounds / forms.count)
    }
}
