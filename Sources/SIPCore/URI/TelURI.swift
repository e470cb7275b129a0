/// A `tel:` URI (RFC 3966 §3): a global number (`tel:+74951112233`) or a local number with a
/// `phone-context`, and parameters such as `ext` and `isub`.
public struct TelURI: Sendable, Equatable, CustomStringConvertible {
    /// The number as written, visual separators (`-` `.` `(` `)`) included.
    public var number: ByteString
    public var parameters: Parameters
    public var text: ByteString

    public var description: String { text.string }

    /// Whether the number is global (starts with `+`).
    public var isGlobal: Bool { number.bytes.first == UInt8(ascii: "+") }

    /// The number without visual separators: `+` and digits (or the hex digits, `*` and `#` of a local number).
    public var digits: String {
        String(decoding: number.bytes.filter { !isVisualSeparator($0) }, as: UTF8.self)
    }

    /// RFC 3966 §4: equal when the numbers match without visual separators and the parameters
    /// match (compared here in order, case-insensitively).
    public func isEquivalent(to other: TelURI) -> Bool {
        guard digits.lowercased() == other.digits.lowercased() else { return false }
        let a = Array(parameters), b = Array(other.parameters)
        guard a.count == b.count else { return false }
        let sortedA = a.sorted { $0.name.string.lowercased() < $1.name.string.lowercased() }
        let sortedB = b.sorted { $0.name.string.lowercased() < $1.name.string.lowercased() }
        return zip(sortedA, sortedB).allSatisfy { p, q in
            p.name.equalsIgnoringASCIICase(q.name) && (p.value ?? "").equalsIgnoringASCIICase(q.value ?? "")
        }
    }
}

@inline(__always)
func isVisualSeparator(_ c: UInt8) -> Bool {
    c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")")
}
