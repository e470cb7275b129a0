/// SplitMix64: a small seeded generator, so that the random tests are repeatable.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random ASCII digits.
    mutating func digits(_ count: Int) -> String {
        String(decoding: (0..<count).map { _ in UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &self) }, as: UTF8.self)
    }
}
