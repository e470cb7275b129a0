/// A URI as SIP carries it (RFC 3261 §19, §20.10): `sip:`/`sips:` (§19.1), `tel:` (RFC 3966), or
/// any other absolute URI (RFC 3986), kept opaque so that a server can answer 416 to it.
public enum URI: Sendable, Equatable, CustomStringConvertible {
    case sip(SIPURI)
    case tel(TelURI)
    case other(AbsoluteURI)

    /// Where a URI appears, which changes what it may contain (§19.1.1, Table 1).
    public enum Context: Sendable {
        /// The Request-URI: no `?headers`.
        case requestURI
        /// Inside `<` `>` of a name-addr: anything a URI may hold.
        case nameAddr
        /// A bare addr-spec in a header: no `?headers` (they need `<>`, §20.10).
        case addrSpec
    }

    /// Parses `text` as a URI in `context`; `what` names the header (or "Request-URI") in errors.
    public init(parsing text: ByteString, context: Context, in what: StaticString = "URI") throws(SIPParseError) {
        self = try URIParser.parse(text, context: context, in: what)
    }

    public init(parsing text: String, context: Context = .nameAddr) throws(SIPParseError) {
        try self.init(parsing: ByteString(text), context: context)
    }

    /// The scheme as written.
    public var scheme: ByteString {
        switch self {
        case .sip(let u): u.isSecure ? "sips" : "sip"
        case .tel: "tel"
        case .other(let u): u.scheme
        }
    }

    /// The URI as written.
    public var text: ByteString {
        switch self {
        case .sip(let u): u.text
        case .tel(let u): u.text
        case .other(let u): u.text
        }
    }

    public var sipURI: SIPURI? { if case .sip(let u) = self { u } else { nil } }
    public var telURI: TelURI? { if case .tel(let u) = self { u } else { nil } }

    public var description: String { text.string }

    /// URI equivalence: §19.1.4 for SIP URIs, RFC 3966 §4 for tel URIs, byte equality otherwise.
    public func isEquivalent(to other: URI) -> Bool {
        switch (self, other) {
        case (.sip(let a), .sip(let b)): a.isEquivalent(to: b)
        case (.tel(let a), .tel(let b)): a.isEquivalent(to: b)
        case (.other(let a), .other(let b)): a.text == b.text
        default: false
        }
    }
}

/// An absolute URI of a scheme SIP does not route (RFC 3986 §4.3), such as `mailto:` or `http:`.
public struct AbsoluteURI: Sendable, Equatable {
    public var scheme: ByteString
    /// Everything after the colon.
    public var rest: ByteString
    public var text: ByteString
}
