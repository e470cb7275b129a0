/// A message's fingerprint: what a stateless UAS (RFC 3261 §8.2.7) remembers of a request it
/// accepted, to know a retransmission of it again without keeping a transaction.
extension SIPMessage {
    /// 64 bits digested from the message's bytes, as `serialized()` would write them, and from
    /// `source`, where it came from. A retransmission repeats a request byte for byte
    /// (§17.1.1.2, §17.1.2.2), so from the same source it has the same fingerprint; any other
    /// message has another, but for a chance of 2⁻⁶⁴. The digest is keyed per process (Swift's
    /// `Hasher` is seeded at random), so nobody outside can aim at a value; it is therefore also
    /// a To tag that the same request gets again and nobody can guess (§8.2.7, §19.3).
    public func fingerprint(from source: some Hashable) -> UInt64 {
        var hasher = Hasher()
        buffer.withUnsafeBytes { b in
            // Each line's length goes in before its bytes, so that lines cut elsewhere differ.
            func line(_ range: Range<Int>) {
                hasher.combine(range.count)
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: b[range]))
            }
            line(Int(startLine.lineStart)..<Int(startLine.lineEnd))
            for f in fields { line(Int(f.lineStart)..<Int(f.lineEnd)) }
            line(bodyRange)
        }
        hasher.combine(source)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}
