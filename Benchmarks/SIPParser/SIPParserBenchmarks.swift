// SIP parser benchmarks: libosip2 (the baseline) against SIPCore, on the same fixture bytes
// from shared/conformance/bench/. Run them as Benchmarks/README.md says.

import Benchmark
import SIPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The messages under test, read from ../shared/conformance/bench/ next to the repository
/// (this file is <repo>/Benchmarks/SIPParser/SIPParserBenchmarks.swift).
enum Fixture: String, CaseIterable {
    case invite
    case register

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SIPParser/
        .deletingLastPathComponent()  // Benchmarks/
        .deletingLastPathComponent()  // the repository
        .deletingLastPathComponent()  // its parent, which holds shared/
        .appendingPathComponent("shared/conformance/bench", isDirectory: true)

    var url: URL { Fixture.directory.appendingPathComponent("\(rawValue).sip") }

    /// The file's bytes exactly as stored (CRLF line ends, body included).
    func load() -> [UInt8] {
        guard let data = try? Data(contentsOf: url), !data.isEmpty else {
            fatalError("SIPParserBenchmarks: cannot read fixture \(url.path)")
        }
        return [UInt8](data)
    }
}

/// One configuration for every parser benchmark, so that libosip2 and SIPCore figures compare.
/// `.kilo`: each measured iteration runs 1,000 parses (`benchmark.scaledIterations`); the text
/// output reports throughput, time and mallocs per single parse.
func parserBenchmarkConfiguration() -> Benchmark.Configuration {
    .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )
}

let benchmarks: @Sendable () -> Void = {
    // MARK: libosip2 baseline (see OsipBaseline.swift)

    for fixture in Fixture.allCases {
        let bytes = fixture.load()
        let osip = OsipBaseline()
        // Check once, unmeasured, that osip parses the fixture and finds the fields we time.
        guard let fields = osip.describe(bytes) else {
            fatalError("libosip2 could not parse \(fixture.url.path)")
        }
        for key in ["Via host", "Via branch", "Call-ID", "From tag", "Max-Forwards"] where fields[key] == "<none>" {
            fatalError("libosip2 found no \(key) in \(fixture.url.path): \(fields)")
        }

        Benchmark("libosip2 parse+free \(fixture.rawValue)", configuration: parserBenchmarkConfiguration()) { benchmark in
            bytes.withUnsafeBufferPointer { buffer in
                for _ in benchmark.scaledIterations {
                    blackHole(osip.parseAndRead(buffer))
                }
            }
        }
    }

    // MARK: SIPCore (Zvonok) — TO BE WRITTEN BY THE LEAD
    //
    // Add "zvonok parse invite" and "zvonok parse register" here with the same shape as above:
    //
    //     for fixture in Fixture.allCases {
    //         let bytes = fixture.load()
    //         Benchmark("zvonok parse \(fixture.rawValue)", configuration: parserBenchmarkConfiguration()) { benchmark in
    //             for _ in benchmark.scaledIterations {
    //                 // parse `bytes` with SIPCore, then read the same fields as OsipFields:
    //                 // top Via host + branch, Call-ID, CSeq number + method, From tag, To tag,
    //                 // Max-Forwards, first Route; blackHole the result.
    //             }
    //         }
    //     }
    //
    // Keep parserBenchmarkConfiguration() so the figures compare with the libosip2 ones.
}
