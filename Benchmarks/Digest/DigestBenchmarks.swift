// Digest authentication benchmarks: what the registrar pays per authenticated REGISTER for the
// digest part (RFC 7616/8760), and per 401 challenge. Run them as Benchmarks/README.md says.

import Benchmark
import SIPCore

let realm = "zvonok.example"
let verifier = DigestVerifier(
    realm: realm, nonceCodec: NonceCodec(secret: Array("benchmark secret, thirty-two b!!".utf8)), nonceLifetimeSeconds: 300)
let now: Int64 = 1_700_000_000
/// Operations per measured iteration (`scalingFactor: .kilo`).
let opsPerIteration = 1_000

/// One REGISTER per operation, each answering its own nonce with nc=1 (as a client's first
/// authenticated REGISTER does), parsed once before timing.
func registers(_ algorithm: DigestAlgorithm) -> [SIPMessage] {
    let ha1 = Digest.ha1(username: "alice", realm: realm, password: "s3cret!", algorithm: algorithm)
    let ha2 = Digest.ha2(method: "REGISTER", uri: "sip:zvonok.example", algorithm: algorithm)
    return (0..<opsPerIteration).map { i in
        let challenge = verifier.challenges(now: now, random: UInt64(i), algorithms: [algorithm])[0]
        let response = Digest.response(ha1: ha1, nonce: challenge.nonce, nc: "00000001", cnonce: "6a1b2c3d", qop: "auth",
                                       ha2: ha2, algorithm: algorithm)
        let authorization = DigestCredentials(
            username: "alice", realm: realm, nonce: challenge.nonce, uri: "sip:zvonok.example", response: response,
            algorithm: algorithm, cnonce: "6a1b2c3d", nonceCount: 1).headerValue
        let text = [
            "REGISTER sip:zvonok.example SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-\(i);rport",
            "Max-Forwards: 70",
            "From: <sip:alice@zvonok.example>;tag=a1b2c3",
            "To: <sip:alice@zvonok.example>",
            "Call-ID: 8f3c1e2a9b7d@192.0.2.10",
            "CSeq: \(i + 2) REGISTER",
            "Contact: <sip:alice@192.0.2.10:5060>;expires=3600",
            "Authorization: " + authorization,
            "Content-Length: 0", "", "",
        ].joined(separator: "\r\n")
        do { return try SIPMessage(parsing: text) } catch { fatalError("DigestBenchmarks: fixture does not parse: \(error)") }
    }
}

let requestURI: URI = {
    do { return try URI(parsing: ByteString("sip:zvonok.example"), context: .requestURI) } catch { fatalError("\(error)") }
}()

/// Parses the Authorization value out of `message` and verifies it.
@inline(__always)
func authenticate(_ message: SIPMessage, ha1: String, window: inout NonceCountWindow) -> DigestVerdict {
    guard let credentials = try? message.digestCredentials(realm: realm) else { fatalError("no credentials") }
    return verifier.verify(credentials, method: .register, requestURI: requestURI, ha1: ha1, now: now + 1,
                           nonceCounts: &window)
}

func check(_ messages: [SIPMessage], _ ha1: String) {
    var window = NonceCountWindow(capacity: opsPerIteration, lifetimeSeconds: 300)
    for m in messages {
        guard case .authenticated = authenticate(m, ha1: ha1, window: &window) else {
            fatalError("DigestBenchmarks: a fixture does not authenticate")
        }
    }
}

/// 1,000 operations per measured iteration, so the figures are per operation.
func digestConfiguration() -> Benchmark.Configuration {
    .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )
}

let benchmarks: @Sendable () -> Void = {

    for algorithm in [DigestAlgorithm.sha256, .md5] {
        let messages = registers(algorithm)
        let ha1 = Digest.ha1(username: "alice", realm: realm, password: "s3cret!", algorithm: algorithm)
        check(messages, ha1)
        let credentials = messages.map { m -> DigestCredentials in
            guard let c = try? m.digestCredentials(realm: realm) else { fatalError("no credentials") }
            return c
        }

        Benchmark("parse+verify \(algorithm.rawValue)", configuration: digestConfiguration()) { benchmark in
            var window = NonceCountWindow(capacity: opsPerIteration, lifetimeSeconds: 300)
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                blackHole(authenticate(messages[i % opsPerIteration], ha1: ha1, window: &window))
            }
            benchmark.stopMeasurement()
        }

        Benchmark("verify \(algorithm.rawValue)", configuration: digestConfiguration()) { benchmark in
            var window = NonceCountWindow(capacity: opsPerIteration, lifetimeSeconds: 300)
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                blackHole(verifier.verify(credentials[i % opsPerIteration], method: .register, requestURI: requestURI,
                                          ha1: ha1, now: now + 1, nonceCounts: &window))
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("challenge (nonce + 2 header values)", configuration: digestConfiguration()) { benchmark in
        for i in benchmark.scaledIterations {
            for challenge in verifier.challenges(now: now, random: UInt64(i)) { blackHole(challenge.headerValue) }
        }
    }
}
