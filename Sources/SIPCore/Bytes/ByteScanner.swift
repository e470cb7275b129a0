/// A cursor over the bytes of one header value, with the lexical pieces of RFC 3261 §25.1:
/// linear whitespace (folds included), tokens, quoted strings and separators with SWS around them.
///
/// The typed header parsers are written on top of it; every piece it returns is a `ByteString`
/// sharing the message buffer.
struct ByteScanner {
    let bytes: ArraySlice<UInt8>
    private(set) var position: Int
    let end: Int

    init(_ value: ByteString) {
        bytes = value.bytes
        position = value.bytes.startIndex
        end = value.bytes.endIndex
    }

    var isAtEnd: Bool { position >= end }
    var peek: UInt8? { position < end ? bytes[position] : nil }
    var remaining: ByteString { ByteString(bytes[position..<end]) }

    func peek(offset: Int) -> UInt8? { position + offset < end ? bytes[position + offset] : nil }

    mutating func advance(_ n: Int = 1) { position = min(position + n, end) }
    mutating func move(to index: Int) { position = index }

    /// Skips SP, HTAB and folds.
    mutating func skipWhitespace() {
        while position < end, CharacterClass.isLinearWhitespace(bytes[position]) { position += 1 }
    }

    /// Consumes `c` if it is next (no whitespace skipped).
    mutating func consume(_ c: UInt8) -> Bool {
        guard position < end, bytes[position] == c else { return false }
        position += 1
        return true
    }

    /// SWS `c` SWS: consumes the separator with the optional whitespace around it.
    mutating func consumeSeparator(_ c: UInt8) -> Bool {
        let saved = position
        skipWhitespace()
        guard consume(c) else {
            position = saved
            return false
        }
        skipWhitespace()
        return true
    }

    /// Consumes bytes while `predicate` holds and returns them (possibly empty).
    mutating func take(while predicate: (UInt8) -> Bool) -> ByteString {
        let start = position
        while position < end, predicate(bytes[position]) { position += 1 }
        return ByteString(bytes[start..<position])
    }

    /// One token (1*token-char), or nil when the next byte starts none.
    mutating func token() -> ByteString? {
        let t = take(while: CharacterClass.isToken)
        return t.isEmpty ? nil : t
    }

    /// A quoted string starting at the current byte, returned with its quotes; quoted pairs are kept
    /// escaped. Throws when it does not start with a quote or never ends.
    mutating func quotedString(in header: StaticString) throws(SIPParseError) -> ByteString {
        let start = position
        guard consume(UInt8(ascii: "\"")) else { throw .malformedHeader(header, "expected a quoted string") }
        while position < end {
            let c = bytes[position]
            if c == UInt8(ascii: "\"") {
                position += 1
                return ByteString(bytes[start..<position])
            }
            if c == UInt8(ascii: "\\") {
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                guard position + 1 < end else { break }
                let escaped = bytes[position + 1]
                guard escaped <= 0x7F, escaped != 0x0A, escaped != 0x0D else {
                    throw .malformedHeader(header, "invalid escape in quoted string")
                }
                position += 2
                continue
            }
            guard CharacterClass.isQuotedText(c) else {
                throw .malformedHeader(header, "invalid byte in quoted string")
            }
            position += 1
        }
        throw .malformedHeader(header, "unterminated quoted string")
    }

    /// A delta-seconds or other decimal number; saturates at `saturating` when `saturate` is set,
    /// otherwise values above `limit` are an error.
    mutating func decimal(in header: StaticString, limit: UInt64, saturate: Bool = false) throws(SIPParseError) -> UInt64 {
        let digits = take(while: CharacterClass.isDigit)
        guard !digits.isEmpty else { throw .malformedHeader(header, "expected a number") }
        if let value = digits.decimalValue(limit: limit) { return value }
        if saturate { return limit }
        throw .malformedHeader(header, "number out of range")
    }

    /// Throws unless only whitespace is left.
    mutating func expectEnd(in header: StaticString) throws(SIPParseError) {
        skipWhitespace()
        guard isAtEnd else { throw .malformedHeader(header, "unexpected characters at the end") }
    }
}

/// Removes the quotes and quoted-pair backslashes of a quoted string (RFC 3261 §25.1).
func unquote(_ quoted: ByteString) -> ByteString {
    var b = quoted.bytes
    guard b.count >= 2, b.first == UInt8(ascii: "\""), b.last == UInt8(ascii: "\"") else { return quoted }
    b = b.dropFirst().dropLast()
    guard b.contains(UInt8(ascii: "\\")) else { return ByteString(b) }
    var out: [UInt8] = []
    out.reserveCapacity(b.count)
    var escaped = false
    for c in b {
        if !escaped && c == UInt8(ascii: "\\") {
            escaped = true
            continue
        }
        escaped = false
        out.append(c)
    }
    return ByteString(out)
}
