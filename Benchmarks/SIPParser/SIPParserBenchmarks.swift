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

    // MARK: SIPCore (Zvonok)
    //
    // Same bytes and same fields as the libosip2 baseline. Each parse starts from a receive
    // buffer and copies the datagram into the message's own array first, as the transport does,
    // so that copy (one malloc) is measured too.

    for fixture in Fixture.allCases {
        let bytes = fixture.load()
        guard let check = ProxyFields(bytes), check.branch != nil, check.callID != nil, check.fromTag != nil,
              check.maxForwards != nil else {
            fatalError("SIPCore could not read the proxy fields of \(fixture.url.path)")
        }
        Benchmark("zvonok parse \(fixture.rawValue)", configuration: parserBenchmarkConfiguration()) { benchmark in
            bytes.withUnsafeBufferPointer { buffer in
                for _ in benchmark.scaledIterations {
                    blackHole(ProxyFields(Array(buffer)))
                }
            }
        }
    }
}

/// What a proxy reads of each request (RFC 3261 §16.3–§16.6): top Via, Call-ID, CSeq, From and To
/// tags, Max-Forwards and the first Route.
struct ProxyFields {
    var viaHost: ByteString?
    var branch: ByteString?
    var callID: ByteString?
    var cseq: CSeq?
    var fromTag: ByteString?
    var toTag: ByteString?
    var maxForwards: Int?
    var route: NameAddress?

    init?(_ bytes: [UInt8]) {
        guard let message = try? SIPMessage(parsing: bytes) else { return nil }
        do {
            let via = try message.topVia()
            viaHost = via?.host
            branch = via?.branch
            callID = try message.callID()
            cseq = try message.cseq()
            fromTag = try message.from()?.tag
            toTag = try message.to()?.tag
            maxForwards = try message.maxForwards()
            route = try message.topRoute()
        } catch {
            return nil
        }
    }
}
