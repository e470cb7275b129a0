/// An address as From, To, Contact, Route, Record-Route and P-Asserted-Identity carry it
/// (RFC 3261 §20.10, §25.1): `name-addr` (`"Display" <uri>`) or a bare `addr-spec`, followed by
/// header parameters (`;tag=`, `;expires=`, `;q=`…), which belong to the header, not the URI.
public struct NameAddress: Sendable, Equatable, CustomStringConvertible {
    public let uri: URI
    /// Whether the URI was written inside `<` `>`.
    public let isNameAddr: Bool
    /// The value as written (for a list, this value only).
    let text: ByteString
    let displayNameSpan: ByteSpan
    let parametersSpan: ByteSpan

    /// The display name as written: a quoted string (quotes kept) or tokens; nil when absent.
    public var displayName: ByteString? { text.piece(displayNameSpan) }
    public var parameters: Parameters { Parameters(raw: text.pieceOrEmpty(parametersSpan)) }

    public static func == (lhs: NameAddress, rhs: NameAddress) -> Bool {
        lhs.displayName == rhs.displayName && lhs.uri == rhs.uri && lhs.parameters == rhs.parameters
            && lhs.isNameAddr == rhs.isNameAddr
    }

    /// The display name as text: quotes and escapes removed.
    public var displayNameText: String? { displayName.map { unquote($0).string } }

    /// The `tag` parameter (RFC 3261 §19.3) of From or To.
    public var tag: ByteString? { parameters.value("tag") }

    /// An address in name-addr form, from parts (the display name quoted or a token, as it is to be written).
    public init(displayName: ByteString? = nil, uri: URI, parameters: Parameters = .none) {
        var bytes: [UInt8] = []
        var display = ByteSpan.absent
        if let displayName {
            bytes.append(contentsOf: displayName.bytes)
            display = ByteSpan(0..<bytes.count)
        }
        let parametersStart = bytes.count
        bytes.append(contentsOf: parameters.raw.bytes)
        self.init(uri: uri, isNameAddr: true, text: ByteString(bytes), displayNameSpan: display,
                  parametersSpan: ByteSpan(parametersStart..<bytes.count))
    }

    init(uri: URI, isNameAddr: Bool, text: ByteString, displayNameSpan: ByteSpan, parametersSpan: ByteSpan) {
        self.uri = uri
        self.isNameAddr = isNameAddr
        self.text = text
        self.displayNameSpan = displayNameSpan
        self.parametersSpan = parametersSpan
    }

    /// The value in canonical form: `"Display" <uri>;params` (always with angle brackets).
    public var description: String {
        var s = ""
        if let displayName { s += displayName.string + " " }
        return s + "<" + uri.text.string + ">" + parameters.raw.string
    }

    /// Parses one value at the scanner; leaves it before a following comma or at the end.
    static func parse(_ s: inout ByteScanner, in header: StaticString) throws(SIPParseError) -> NameAddress {
        s.skipWhitespace()
        let valueStart = s.position
        var displayName = ByteSpan.absent
        var bracketed = false
        if s.peek == UInt8(ascii: "\"") {
            displayName = ByteSpan(try s.quotedString(in: header).bytes.indices)
            s.skipWhitespace()
            bracketed = true
        } else if s.peek != UInt8(ascii: "<") {
            // display-name = *(token LWS): tokens up to "<" make a name-addr; otherwise an addr-spec.
            let start = s.position
            var end = start
            // Tokens, and UTF-8 (unquoted non-ASCII names are sent by some softphones).
            while !s.take(while: { CharacterClass.isToken($0) || $0 >= 0x80 }).isEmpty {
                end = s.position
                s.skipWhitespace()
            }
            if s.peek == UInt8(ascii: "<"), end > start {
                displayName = ByteSpan(start..<end)
                bracketed = true
            } else {
                s.move(to: start)
            }
        } else {
            bracketed = true
        }
        let uri: URI
        if bracketed {
            guard s.consume(UInt8(ascii: "<")) else { throw .malformedHeader(header, "expected < after the display name") }
            let uriText = s.take { $0 != UInt8(ascii: ">") && !CharacterClass.isLinearWhitespace($0) }
            guard s.consume(UInt8(ascii: ">")) else {
                throw .malformedHeader(header, s.isAtEnd ? "missing >" : "whitespace inside <>")
            }
            uri = try URI(parsing: uriText, context: .nameAddr, in: header)
        } else {
            let uriText = s.take { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",")
                && !CharacterClass.isLinearWhitespace($0) }
            guard !uriText.isEmpty else { throw .malformedHeader(header, "missing address") }
            uri = try URI(parsing: uriText, context: .addrSpec, in: header)
        }
        let parametersStart = s.position
        _ = try s.headerParameters(in: header)
        return NameAddress(uri: uri, isNameAddr: bracketed, text: ByteString(s.bytes[valueStart..<s.position]),
                           displayNameSpan: displayName, parametersSpan: ByteSpan(parametersStart..<s.position))
    }

    /// Parses a single-valued header (From, To, Refer-To…): one address and nothing after it.
    static func parseSingle(_ value: ByteString, in header: StaticString) throws(SIPParseError) -> NameAddress {
        var s = ByteScanner(value)
        let address = try parse(&s, in: header)
        try s.expectEnd(in: header)
        return address
    }

    /// Parses a comma-separated list of addresses (Route, Record-Route, Contact, P-Asserted-Identity).
    static func parseList(_ value: ByteString, in header: StaticString, into list: inout [NameAddress]) throws(SIPParseError) {
        var s = ByteScanner(value)
        repeat {
            list.append(try parse(&s, in: header))
        } while s.consumeSeparator(UInt8(ascii: ","))
        try s.expectEnd(in: header)
    }
}
