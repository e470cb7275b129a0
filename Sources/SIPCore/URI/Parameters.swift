/// A list of `;name[=value]` parameters as written: URI parameters (RFC 3261 §19.1.1) or header
/// parameters (generic-param, §25.1, with optional whitespace around `;` and `=`).
///
/// It keeps the raw bytes (already checked by the parser that made it) and scans them when asked,
/// so reading a branch or a tag allocates nothing. Names compare ASCII case-insensitively.
public struct Parameters: Sendable, Equatable, Sequence {
    /// One parameter: its name and its value as written (quotes kept), nil when it has no `=`.
    public struct Parameter: Sendable, Equatable {
        public var name: ByteString
        public var value: ByteString?
    }

    /// The parameters as written, starting with the first `;` (empty when there are none).
    public let raw: ByteString

    public init(raw: ByteString) { self.raw = raw }
    public static let none = Parameters(raw: ByteString([UInt8]()))

    public var isEmpty: Bool { raw.isEmpty }

    /// The first parameter named `name`, or nil when absent. Scans in place: only the match
    /// becomes a `Parameter`.
    public func first(named name: StaticString) -> Parameter? {
        var it = makeIterator()
        while let (nameRange, valueRange) = it.nextRanges() {
            if equalsIgnoringCase(raw.bytes[nameRange], name) {
                return Parameter(name: ByteString(raw.bytes[nameRange]), value: valueRange.map { ByteString(raw.bytes[$0]) })
            }
        }
        return nil
    }

    @_disfavoredOverload
    public func first(named name: ByteString) -> Parameter? {
        for p in self where p.name.equalsIgnoringASCIICase(name) { return p }
        return nil
    }

    /// The value of the first parameter named `name` (quotes removed); nil when absent or valueless.
    public func value(_ name: StaticString) -> ByteString? {
        first(named: name)?.value.map(unquote)
    }

    public func contains(_ name: StaticString) -> Bool { first(named: name) != nil }

    public func makeIterator() -> Iterator { Iterator(bytes: raw.bytes) }

    /// Walks `;name[=value]` items, skipping whitespace and folds.
    public struct Iterator: IteratorProtocol {
        let bytes: ArraySlice<UInt8>
        var i: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            i = bytes.startIndex
        }

        public mutating func next() -> Parameter? {
            guard let (name, value) = nextRanges() else { return nil }
            return Parameter(name: ByteString(bytes[name]), value: value.map { ByteString(bytes[$0]) })
        }

        /// The next parameter's name and value positions, without making slices.
        mutating func nextRanges() -> (Range<Int>, Range<Int>?)? {
            let end = bytes.endIndex
            skipWhitespace()
            guard i < end, bytes[i] == UInt8(ascii: ";") else { return nil }
            i += 1
            skipWhitespace()
            let nameStart = i
            while i < end, !isDelimiter(bytes[i]) { i += 1 }
            let name = nameStart..<i
            let afterName = i
            skipWhitespace()
            guard i < end, bytes[i] == UInt8(ascii: "=") else {
                i = afterName
                return (name, nil)
            }
            i += 1
            skipWhitespace()
            let valueStart = i
            if i < end, bytes[i] == UInt8(ascii: "\"") {
                i += 1
                while i < end, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                i = Swift.min(i + 1, end)
            } else {
                while i < end, !isDelimiter(bytes[i]) { i += 1 }
            }
            return (name, valueStart..<i)
        }

        private mutating func skipWhitespace() {
            while i < bytes.endIndex, CharacterClass.isLinearWhitespace(bytes[i]) { i += 1 }
        }

        private func isDelimiter(_ c: UInt8) -> Bool {
            c == UInt8(ascii: ";") || c == UInt8(ascii: "=") || CharacterClass.isLinearWhitespace(c)
        }
    }
}

extension ByteScanner {
    /// URI parameters: *( ";" pname [ "=" pvalue ] ), pname/pvalue = 1*paramchar (§19.1.1, §25.1).
    mutating func uriParameters(in what: StaticString) throws(SIPParseError) -> Parameters {
        let start = position
        while consume(UInt8(ascii: ";")) {
            guard try escapedRun(CharacterClass.isParamChar, in: what) > 0 else {
                throw .malformedHeader(what, "empty URI parameter name")
            }
            if consume(UInt8(ascii: "=")) {
                guard try escapedRun(CharacterClass.isParamChar, in: what) > 0 else {
                    throw .malformedHeader(what, "empty URI parameter value")
                }
            }
        }
        return Parameters(raw: ByteString(bytes[start..<position]))
    }

    /// Header parameters: *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
    /// gen-value = token / host / quoted-string. Stops before anything else (a comma, the end).
    mutating func headerParameters(in header: StaticString) throws(SIPParseError) -> Parameters {
        let start = position
        var end = position
        while consumeSeparator(UInt8(ascii: ";")) {
            guard token() != nil else { throw .malformedHeader(header, "empty parameter name") }
            end = position
            if consumeSeparator(UInt8(ascii: "=")) {
                if peek == UInt8(ascii: "\"") {
                    _ = try quotedString(in: header)
                } else {
                    let value = take { CharacterClass.isToken($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "[")
                        || $0 == UInt8(ascii: "]") }
                    guard !value.isEmpty else { throw .malformedHeader(header, "empty parameter value") }
                }
                end = position
            }
        }
        move(to: end)
        return Parameters(raw: ByteString(bytes[start..<end]))
    }

    /// Consumes a run of bytes that satisfy `allowed` or are %HH escapes; returns its length.
    mutating func escapedRun(_ allowed: (UInt8) -> Bool, in what: StaticString) throws(SIPParseError) -> Int {
        let start = position
        while let c = peek {
            if c == UInt8(ascii: "%") {
                guard let h1 = peek(offset: 1), let h2 = peek(offset: 2), CharacterClass.isHexDigit(h1),
                      CharacterClass.isHexDigit(h2) else { throw .malformedHeader(what, "bad %-escape") }
                advance(3)
            } else if allowed(c) {
                advance()
            } else {
                break
            }
        }
        return position - start
    }
}
