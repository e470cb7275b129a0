/// The character classes of the SIP grammar (RFC 3261 §25.1), as byte predicates.
///
/// Written as `switch`es over byte ranges so the optimiser turns them into bit tests; no tables
/// to initialise and no `Character` decoding on the hot path.
enum CharacterClass {
    @inline(__always) static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isAlphanumeric(_ c: UInt8) -> Bool { isAlpha(c) || isDigit(c) }
    @inline(__always) static func isHexDigit(_ c: UInt8) -> Bool {
        isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
    }
    /// SP or HTAB.
    @inline(__always) static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    /// SP, HTAB, CR or LF: inside a header value a CRLF is always a fold followed by whitespace
    /// (the message parser checked that), so value scanners may treat all four as LWS.
    @inline(__always) static func isLinearWhitespace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A
    }

    /// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"), as a
    /// 128-bit map (the parser tests every byte of every header name against it).
    @inline(__always) static func isToken(_ c: UInt8) -> Bool {
        c < 64 ? (0x03FF_6CA2_0000_0000 as UInt64) >> UInt64(c) & 1 == 1
            : c < 128 && (0x47FF_FFFF_87FF_FFFE as UInt64) >> UInt64(c &- 64) & 1 == 1
    }

    /// unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
    @inline(__always) static func isUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "~"),
            UInt8(ascii: "*"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"):
            return true
        default: return false
        }
    }

    /// reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","
    @inline(__always) static func isReserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: ";"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: "@"),
            UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "$"), UInt8(ascii: ","):
            return true
        default: return false
        }
    }

    /// user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
    @inline(__always) static func isUserUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "$"), UInt8(ascii: ","),
            UInt8(ascii: ";"), UInt8(ascii: "?"), UInt8(ascii: "/"):
            return true
        default: return false
        }
    }

    /// The unescaped bytes of a password: unreserved / "&" / "=" / "+" / "$" / ","
    @inline(__always) static func isPasswordChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "$"), UInt8(ascii: ","): return true
        default: return isUnreserved(c)
        }
    }

    /// param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
    @inline(__always) static func isParamChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "&"),
            UInt8(ascii: "+"), UInt8(ascii: "$"):
            return true
        default: return isUnreserved(c)
        }
    }

    /// hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
    @inline(__always) static func isHeaderChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: ":"),
            UInt8(ascii: "+"), UInt8(ascii: "$"):
            return true
        default: return isUnreserved(c)
        }
    }

    /// The bytes of a host name, IPv4 address or IPv6 reference.
    @inline(__always) static func isHostChar(_ c: UInt8) -> Bool {
        isAlphanumeric(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
    }

    /// word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" /
    /// "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"), the bytes of a Call-ID.
    @inline(__always) static func isWord(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ":"),
            UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: "}"):
            return true
        default: return isToken(c)
        }
    }

    /// uric = reserved / unreserved / escaped ("%"), the bytes of an absolute URI of another scheme.
    @inline(__always) static func isURIChar(_ c: UInt8) -> Bool {
        isReserved(c) || isUnreserved(c) || c == UInt8(ascii: "%")
    }

    /// The bytes allowed inside a quoted string besides quoted pairs: qdtext = LWS / %x21 / %x23-5B /
    /// %x5D-7E / UTF8-NONASCII.
    @inline(__always) static func isQuotedText(_ c: UInt8) -> Bool {
        c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80 || isLinearWhitespace(c)
    }

    /// Bytes of a reason phrase or an unknown header value: anything printable, UTF-8, and LWS.
    @inline(__always) static func isText(_ c: UInt8) -> Bool { c >= 0x20 && c != 0x7F || c == 0x09 || c >= 0x80 }
}
