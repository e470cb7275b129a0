/// A part of a parsed value, as positions in the value's bytes: typed values keep one
/// `ByteString` (one reference) plus spans, not one `ByteString` per part, so parsing, copying
/// and dropping them costs few retains and little memory.
struct ByteSpan: Sendable, Equatable {
    var start: Int32
    var end: Int32

    static let absent = ByteSpan(start: -1, end: -1)

    init(start: Int32, end: Int32) {
        self.start = start
        self.end = end
    }

    init(_ range: Range<Int>) {
        precondition(range.upperBound < Int(Int32.max), "span beyond Int32")
        start = Int32(range.lowerBound)
        end = Int32(range.upperBound)
    }

    var isAbsent: Bool { start < 0 }
}

extension ByteString {
    /// The bytes at `span` (absolute indices into the shared buffer), nil when the span is absent.
    @inline(__always)
    func piece(_ span: ByteSpan) -> ByteString? {
        span.isAbsent ? nil : ByteString(bytes[Int(span.start)..<Int(span.end)])
    }

    /// The bytes at `span`, or an empty string when it is absent.
    @inline(__always)
    func pieceOrEmpty(_ span: ByteSpan) -> ByteString {
        span.isAbsent ? ByteString(bytes[bytes.endIndex..<bytes.endIndex]) : ByteString(bytes[Int(span.start)..<Int(span.end)])
    }
}
