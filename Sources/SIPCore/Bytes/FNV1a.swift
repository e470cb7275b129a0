/// FNV-1a, 64 bits: a stable, seedless hash of a few fields, for what must come out the same on
/// every run and every worker — the Call-ID partition of workers, the To tag of a stateless
/// response, a proxy's loop-detection branch (RFC 3261 §16.6 step 8). Not for tables an attacker
/// fills (Swift's seeded `Hasher` is for those).
public struct FNV1a: Sendable {
    /// The hash so far.
    public var value: UInt64 = 0xcbf2_9ce4_8422_2325

    @inlinable
    public init() {}

    /// Mixes in `bytes` (inlinable, so callers in other modules get it specialised: a generic
    /// sequence walk costs ten times more).
    @inlinable
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        var hash = value
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        value = hash
    }

    /// Mixes in contiguous bytes, without an iterator.
    @inlinable
    public mutating func combine(_ bytes: ArraySlice<UInt8>) {
        var hash = value
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
        }
        value = hash
    }

    /// Mixes in `bytes` and then a separator, so that ("ab", "c") and ("a", "bc") differ.
    @inlinable
    public mutating func combineField(_ bytes: ArraySlice<UInt8>) {
        combine(bytes)
        value ^= 0xFF
        value &*= 0x0000_0100_0000_01B3
    }


    /// The value as 16 lowercase hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
