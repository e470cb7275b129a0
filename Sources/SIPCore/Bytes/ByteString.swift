#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run of bytes taken from a SIP message without copying them: a view into the message's buffer
/// (an `ArraySlice<UInt8>` shares the array's storage, so making one allocates nothing).
///
/// SIP text is octets (RFC 3261 §7.3.1, §25): header values may carry UTF-8, escaped NULs and
/// binary bodies, so the model keeps bytes and turns them into `String` only when asked.
/// Equality is byte-exact; use `equalsIgnoringASCIICase` where the RFC says a field is
/// case-insensitive (tokens, host names, parameter names).
public struct ByteString: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    ExpressibleByStringLiteral, Comparable
{
    /// The bytes, sharing storage with the buffer they were cut from.
    public var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }
    public init(_ string: String) { self.bytes = ArraySlice(string.utf8) }
    public init(stringLiteral value: String) { self.init(value) }

    public var count: Int { bytes.count }
    public var isEmpty: Bool { bytes.isEmpty }

    /// The same bytes in storage of their own, exactly their size: what to keep when the value
    /// outlives the message it was cut from, which it would otherwise keep alive whole (a
    /// transaction's key, held for the 32 s of Timer L or M, would hold its INVITE's buffer).
    public var detached: ByteString { ByteString(Array(bytes)) }

    /// The bytes decoded as UTF-8 (invalid sequences become U+FFFD).
    public var string: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { string }
    public var debugDescription: String { "\"" + string + "\"" }

    /// Compares as ASCII case-insensitive text: the rule for tokens, host names and parameter names.
    @_disfavoredOverload
    public func equalsIgnoringASCIICase(_ other: ByteString) -> Bool {
        bytes.count == other.bytes.count && zip(bytes, other.bytes).allSatisfy { asciiLower($0) == asciiLower($1) }
    }

    /// Compares with `literal` as ASCII case-insensitive text.
    public func equalsIgnoringASCIICase(_ literal: StaticString) -> Bool { equalsIgnoringCase(bytes, literal) }

    /// The value as a non-negative decimal integer; nil when it is empty, has a non-digit or exceeds `limit`.
    public func decimalValue(limit: UInt64 = UInt64(UInt32.max)) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for c in bytes {
            guard c >= 0x30, c <= 0x39 else { return nil }
            value = value &* 10 &+ UInt64(c - 0x30)
            if value > limit { return nil }
        }
        return value
    }

    /// Whether `needle` occurs in these bytes, compared byte for byte (an empty needle always does).
    /// A plain scan: `String.contains` on the decoded text costs a conversion and a generic search.
    public func contains(_ needle: ByteString) -> Bool {
        let length = needle.bytes.count
        guard length > 0 else { return true }
        guard bytes.count >= length else { return false }
        return bytes.withUnsafeBufferPointer { haystack in
            needle.bytes.withUnsafeBufferPointer { pattern in
                let first = pattern[0]
                for start in 0...(haystack.count - length) where haystack[start] == first {
                    if memcmp(haystack.baseAddress! + start, pattern.baseAddress!, length) == 0 { return true }
                }
                return false
            }
        }
    }

    /// Whether these bytes start with `prefix`, compared byte for byte.
    public func hasPrefix(_ prefix: ByteString) -> Bool { bytes.starts(with: prefix.bytes) }

    public static func == (lhs: ByteString, rhs: String) -> Bool { lhs.bytes.elementsEqual(rhs.utf8) }

    public static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.bytes.count == rhs.bytes.count && lhs.bytes.withUnsafeBytes { l in
            rhs.bytes.withUnsafeBytes { r in l.count == 0 || memcmp(l.baseAddress!, r.baseAddress!, l.count) == 0 }
        }
    }

    /// Hashes the bytes as one block (the synthesized hash feeds the hasher one byte at a time,
    /// which is the hot spot of every transaction-table lookup).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        hasher.combine(bytes.count)
    }
    public static func == (lhs: String, rhs: ByteString) -> Bool { rhs == lhs }
    public static func < (lhs: ByteString, rhs: ByteString) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// ASCII lower-casing of one byte; other bytes pass unchanged.
@inline(__always)
func asciiLower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }

/// ASCII case-insensitive comparison of bytes with a literal, without making a `ByteString`.
@inline(__always)
func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ literal: StaticString) -> Bool {
    guard bytes.count == literal.utf8CodeUnitCount else { return false }
    let lit = literal.utf8Start
    var j = 0
    for c in bytes {
        if asciiLower(c) != asciiLower(lit[j]) { return false }
        j += 1
    }
    return true
}
