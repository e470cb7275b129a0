// Numbering benchmarks: what the B2BUA pays per call to a number before Billing rates it —
// ITU-T E.164 normalisation of the Request-URI's number and its classification by the longest
// prefix of the shipped numbering plan. Run them as Benchmarks/README.md says.

import Benchmark
import Numbering

/// Every benchmark: 1,000 operations per measured iteration (`scalingFactor: .kilo`), so the
/// figures are per number.
func numberingBenchmarkConfiguration() -> Benchmark.Configuration {
    .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )
}

/// Numbers as users dial them: separators, 00, (0), Russian, Kazakh, Ukrainian, Uzbek,
/// Chinese and other destinations, so that lookups reach different depths of the trie.
let dialled = [
    "+7 (495) 111-22-33", "0079161234567", "+7 701 123 45 67", "+380 50 123 4567",
    "+998 90 123 45 67", "+86 138 1234 5678", "+1 212 555 0123", "+44 (0)20 7946 0018",
    "+7 8442 11-22-33", "+49 30 1234567", "+7 727 123 45 67", "+86 10 1234 5678",
    "+39 06 698 12345", "+380 44 123 4567", "+7 812 111-22-33", "+81 3 1234 5678",
]

/// The same numbers as SIP Request-URI user parts (RFC 3966 visual separators only).
let userParts = [
    "+74951112233", "+7-916-123-45-67", "+77011234567", "+380501234567",
    "+998901234567", "+86-138-1234-5678", "+1-212-555-0123", "+442079460018",
    "+78442112233", "+49301234567", "+77271234567", "+861012345678",
    "+390669812345", "+380441234567", "+78121112233", "+81312345678",
]

let plan: NumberingPlan = {
    do { return try NumberingPlan.bundled() } catch { fatalError("NumberingBenchmarks: \(error)") }
}()

/// Checks, before anything is timed, that every input normalises and is classified.
func checkInputs() -> [E164Number] {
    var numbers: [E164Number] = []
    for (text, userPart) in zip(dialled, userParts) {
        do {
            let number = try E164Number(dialled: text)
            guard try E164Number.fromSIPUserPart(userPart) == number, plan.classify(number) != nil else {
                fatalError("NumberingBenchmarks: \(text) / \(userPart) disagree or are not classified")
            }
            numbers.append(number)
        } catch {
            fatalError("NumberingBenchmarks: \(text): \(error)")
        }
    }
    return numbers
}

let benchmarks: @Sendable () -> Void = {
    let numbers = checkInputs()

    Benchmark("normalise + classify (dialled)", configuration: numberingBenchmarkConfiguration()) { benchmark in
        var mobiles = 0
        var i = 0
        for _ in benchmark.scaledIterations {
            let number = try E164Number(dialled: dialled[i & 15])
            if plan.classify(number)?.kind == .mobile { mobiles &+= 1 }
            i &+= 1
        }
        blackHole(mobiles)
    }

    Benchmark("normalise + classify (SIP user part)", configuration: numberingBenchmarkConfiguration()) { benchmark in
        var mobiles = 0
        var i = 0
        for _ in benchmark.scaledIterations {
            let number = try E164Number.fromSIPUserPart(userParts[i & 15])
            if plan.classify(number)?.kind == .mobile { mobiles &+= 1 }
            i &+= 1
        }
        blackHole(mobiles)
    }

    Benchmark("normalise only (dialled)", configuration: numberingBenchmarkConfiguration()) { benchmark in
        var digits = 0
        var i = 0
        for _ in benchmark.scaledIterations {
            digits &+= try E164Number(dialled: dialled[i & 15]).digitCount
            i &+= 1
        }
        blackHole(digits)
    }

    Benchmark("classify only", configuration: numberingBenchmarkConfiguration()) { benchmark in
        var prefixDigits = 0
        var i = 0
        for _ in benchmark.scaledIterations {
            prefixDigits &+= plan.classify(numbers[i & 15])?.prefix.utf8.count ?? 0
            i &+= 1
        }
        blackHole(prefixDigits)
    }
}
