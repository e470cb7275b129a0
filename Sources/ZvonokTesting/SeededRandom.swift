/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014): a
/// 64-bit state advanced by a fixed odd constant and mixed. Used to expand one seed into the state
/// of `SeededRandom`, and usable on its own where a tiny generator is enough.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The simulation's only source of randomness: xoshiro256** (Blackman and Vigna, 2018), its state
/// expanded from a 64-bit seed with SplitMix64. The same seed gives the same sequence on every
/// machine and toolchain: the helpers below (`uniform`, `chance`, `duration`) use their own
/// arithmetic rather than the standard library's `random(in:using:)`, whose algorithm is not
/// promised to stay the same.
///
/// `stream` gives independent sequences from one seed, so that each part of a simulation (the
/// network, each endpoint) draws from its own: adding a draw in one part does not shift another.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The seed this generator started from (print it to replay a run).
    public let seed: UInt64
    /// The stream within the seed.
    public let stream: UInt64
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    public init(seed: UInt64, stream: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
        var expand = SplitMix64(seed: seed)
        var streamKey = SplitMix64(seed: ~stream)
        s0 = expand.next() ^ (stream == 0 ? 0 : streamKey.next())
        s1 = expand.next() ^ (stream == 0 ? 0 : streamKey.next())
        s2 = expand.next() ^ (stream == 0 ? 0 : streamKey.next())
        s3 = expand.next() ^ (stream == 0 ? 0 : streamKey.next())
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the one state xoshiro cannot leave
    }

    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }

    /// A uniform value in `0..<bound` (Lemire's multiply-and-reject, no modulo bias). `bound` > 0.
    public mutating func uniform(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "uniform(below: 0)")
        var product = bound.multipliedFullWidth(by: next())
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = bound.multipliedFullWidth(by: next()) }
        }
        return product.high
    }

    /// A uniform integer in `range`.
    public mutating func uniform(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound))
        if width == .max { return Int(truncatingIfNeeded: next()) }
        return range.lowerBound &+ Int(truncatingIfNeeded: uniform(below: width + 1))
    }

    /// A uniform value in [0, 1), with 53 random bits.
    public mutating func unitInterval() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// True with `probability` (0 never, 1 always).
    public mutating func chance(_ probability: Double) -> Bool {
        precondition((0...1).contains(probability), "probability \(probability) outside [0, 1]")
        return unitInterval() < probability
    }

    /// A uniform duration in `range`, to the nanosecond.
    public mutating func duration(in range: ClosedRange<Duration>) -> Duration {
        let low = Self.nanoseconds(range.lowerBound)
        let high = Self.nanoseconds(range.upperBound)
        return .nanoseconds(Int64(uniform(in: Int(low)...Int(high))))
    }

    /// One element of a non-empty collection, uniformly.
    public mutating func element<C: RandomAccessCollection>(of collection: C) -> C.Element {
        precondition(!collection.isEmpty, "element(of:) an empty collection")
        let offset = uniform(below: UInt64(collection.count))
        return collection[collection.index(collection.startIndex, offsetBy: Int(offset))]
    }

    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
