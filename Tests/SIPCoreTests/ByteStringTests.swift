import SIPCore
import Testing

/// `ByteString`'s byte-level searches, which hot paths use instead of decoding to `String`.
@Suite struct ByteStringTests {
    @Test(arguments: [
        ("SIP/2.0/UDP p.example;branch=z9hG4bKzv1a2b.x", "z9hG4bKzv1a2b.", true),
        ("SIP/2.0/UDP p.example;branch=z9hG4bKzv1a2b.x", "SIP/2.0/UDP", true),
        ("SIP/2.0/UDP p.example;branch=z9hG4bKzv1a2b.x", ".x", true),
        ("SIP/2.0/UDP p.example;branch=z9hG4bKzv1a2b.x", "z9hG4bKzv1a2c.", false),
        ("SIP/2.0/UDP p.example;branch=z9hG4bKzv1a2b.x", "Z9HG4BKZV1A2B.", false),
        ("abc", "abcd", false),
        ("aab", "ab", true),
        ("", "", true),
        ("abc", "", true),
        ("", "a", false),
    ])
    func containsFindsAnExactRunOfBytesAnywhere(haystack: String, needle: String, expected: Bool) {
        #expect(ByteString(haystack).contains(ByteString(needle)) == expected)
        #expect(haystack.contains(needle) == expected || needle.isEmpty, "agrees with String.contains")
    }

    @Test func containsLooksOnlyInsideASlice() {
        let buffer: [UInt8] = Array("xxmarkerxx".utf8)
        let slice = ByteString(buffer[3..<8])  // "arker"
        #expect(slice.contains("arker"))
        #expect(!slice.contains("marker"), "the byte before the slice is not part of it")
        #expect(!ByteString(buffer[0..<7]).contains("marker"), "nor the byte after it")
    }

    @Test func hasPrefixComparesTheLeadingBytes() {
        #expect(ByteString("z9hG4bKzv1a.2").hasPrefix("z9hG4bKzv1a."))
        #expect(!ByteString("z9hG4bKzv1").hasPrefix("z9hG4bKzv1a."))
        #expect(!ByteString("Z9hG4bKzv1a.2").hasPrefix("z9hG4bKzv1a."))
        #expect(ByteString("anything").hasPrefix(""))
    }
}
