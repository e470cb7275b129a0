import Foundation
import Testing
@testable import SIPCore

/// Mutation fuzzing: corpus messages truncated, bit-flipped, with headers repeated, values blown
/// up, NULs and invalid UTF-8 inserted. The parser, the validator, the serializer and the stream
/// framer must never crash, and must keep their invariants: what parses serializes back to an
/// equal message, and the framer never holds more than its limit.
///
/// Bounded by default (CI); `ZVONOK_FUZZ_SECONDS=600 ZVONOK_FUZZ_SEED=42 swift test --filter
/// RobustnessTests` runs longer with another seed.
@Suite struct RobustnessTests {
    /// SplitMix64: a small deterministic generator, so a failure is reproducible from its seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds: [[UInt8]] = Corpus.tortureCases.map(\.bytes)
        + Corpus.realisticNames.map(Corpus.realistic) + [Corpus.bench("invite.sip"), Corpus.bench("register.sip")]

    static var seconds: Double { Double(ProcessInfo.processInfo.environment["ZVONOK_FUZZ_SECONDS"] ?? "") ?? 3 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["ZVONOK_FUZZ_SEED"] ?? "") ?? 4475 }

    static func mutate(_ input: [UInt8], _ rng: inout Generator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<9, using: &rng) {
            case 0: bytes.removeSubrange(i...)  // truncate
            case 1: bytes[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)  // flip a bit
            case 2: bytes[i] = [0x00, 0x0D, 0x0A, 0x20, 0x3A, 0x3B, 0x2C, 0x3C, 0x3E, 0x22, 0x5C, 0xFF].randomElement(using: &rng)!
            case 3: bytes.insert(contentsOf: [0xC3, 0x28, 0xFF, 0xFE], at: i)  // invalid UTF-8
            case 4: bytes.insert(0, at: i)  // NUL
            case 5:  // repeat the line that holds i
                let start = bytes[..<i].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                let end = bytes[i...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
                bytes.insert(contentsOf: bytes[start..<end], at: start)
            case 6: bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "9"), count: Int.random(in: 10...5_000, using: &rng)), at: i)
            case 7: bytes.insert(contentsOf: Array("\r\n ".utf8), at: i)  // a fold
            default: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...20, using: &rng)))
            }
        }
        return bytes
    }

    /// Everything a server does with a datagram, with the invariants checked.
    static func exercise(_ bytes: [UInt8]) {
        let verdict = DatagramVerdict.judge(bytes)
        guard verdict.kind != .invalid, let message = try? SIPMessage(parsing: bytes) else { return }
        _ = try? message.vias()
        _ = try? message.contacts()
        _ = try? message.requestURIText.map { try URI(parsing: $0, context: .requestURI) }
        let again = try? SIPMessage(parsing: message.serialized())
        #expect(again == message, "round trip changed \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        if message.isRequest {
            let response = message.makeResponse(statusCode: verdict.code == 0 ? 200 : verdict.code, reason: "Test", toTag: "t")
            #expect((try? SIPMessage(parsing: response.serialized())) != nil)
        }
    }

    @Test func mutatedDatagramsNeverBreakTheParser() {
        var rng = Generator(state: Self.seed)
        let deadline = Date().addingTimeInterval(Self.seconds)
        var runs = 0
        while Date() < deadline || runs < 2_000 {
            let seed = Self.seeds.randomElement(using: &rng)!
            Self.exercise(Self.mutate(seed, &rng))
            runs += 1
        }
        #expect(runs >= 2_000)
    }

    @Test func mutatedStreamsStayBounded() {
        var rng = Generator(state: Self.seed ^ 0x5EED)
        let limits = SIPParserLimits(maxMessageBytes: 4_096, maxHeaderFields: 64, maxLineBytes: 1_024)
        let deadline = Date().addingTimeInterval(Self.seconds / 2)
        var runs = 0
        while Date() < deadline || runs < 200 {
            var framer = StreamFramer(role: Bool.random(using: &rng) ? .server : .client, limits: limits)
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) { stream += Self.mutate(Self.seeds.randomElement(using: &rng)!, &rng) }
            var offset = 0
            streaming: while offset < stream.count {
                let chunk = min(stream.count - offset, Int.random(in: 1...1_500, using: &rng))
                framer.append(stream[offset..<(offset + chunk)])
                offset += chunk
                while true {
                    do {
                        guard let frame = try framer.next() else { break }
                        if case .message(let m) = frame { #expect(m.serialized().count <= limits.maxMessageBytes + 4) }
                    } catch {
                        break streaming  // the connection would be closed
                    }
                }
                #expect(framer.bufferedByteCount <= limits.maxMessageBytes + 1_500)
            }
            runs += 1
        }
        #expect(runs >= 200)
    }
}
