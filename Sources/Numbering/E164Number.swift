/// An international public telecommunication number of ITU-T E.164: a country code of one to
/// three digits and the national significant number, at most 15 digits in all (E.164 §6.1),
/// written with a leading `+` (the global-number form of RFC 3966 §5.1.4 and ITU-T E.123).
///
/// `digits` holds the digits without `+` (`74951112233`); `description` is the written form
/// (`+74951112233`). Values are only made by the validating initialisers and factories below,
/// so every `E164Number` has 7 to 15 digits and a first digit that is not 0.
///
/// Three inputs are accepted:
/// - what a user dialled (`init(dialled:)`): spaces, dashes, dots and brackets are removed,
///   `00` in front is the international prefix and means `+`;
/// - the user part of a `sip:`/`sips:` URI (`fromSIPUserPart(_:)`), the telephone-subscriber
///   of RFC 3261 §19.1.6 when the URI carries `;user=phone`, and the same digits without it;
/// - the number of a `tel:` URI (`fromTelURI(_:)`, RFC 3966 §3), global numbers only.
///
/// Numbering imports nothing: it takes these as `String`s, not as SIPCore URI values.
public struct E164Number: Hashable, Sendable, CustomStringConvertible {
    /// ITU-T E.164 §6.1: an international number has at most 15 digits (country code included).
    public static let maximumDigits = 15

    /// The fewest digits (country code included) accepted: 7. The shortest international
    /// numbers in service have 7 digits: Niue's and Tokelau's four-digit fixed lines
    /// (`+683 4002`, `+690 3xxx`); anything shorter is only a country code and a fragment
    /// (`+7495`), so it is refused as incomplete before it costs a trunk attempt.
    public static let minimumDigits = 7

    /// The digits without the leading `+`: `"74951112233"`.
    public let digits: String

    /// The written international form with `+`: `"+74951112233"`.
    public var description: String { "+" + digits }

    /// The number as a global `tel:` URI (RFC 3966): `"tel:+74951112233"`.
    public var telURI: String { "tel:+" + digits }

    /// How many digits the number has (country code included), 7 to 15.
    public var digitCount: Int { digits.utf8.count }

    /// Normalises what a user dialled into E.164.
    ///
    /// Removes spaces (also no-break and other Unicode spaces), dashes (`-` and the Unicode
    /// dashes and minus), dots, round and square brackets; drops a national trunk prefix
    /// written `(0)` after the country code (`+44 (0)20 7946 0018`, ITU-T E.123 asks not
    /// to write it, people do); reads a leading `00` (the international prefix of most
    /// countries) as `+`; then requires a leading `+` followed by
    /// 7 to 15 digits, the first not 0. Anything else throws a `NumberingError` whose
    /// `reasonPhrase` says how to dial: `"8 495 111-22-33"` has no country code,
    /// `"*100#"` is a service code, `"alice"` is not a number.
    ///
    ///     try E164Number(dialled: "+7 (495) 111-22-33").description   // "+74951112233"
    ///     try E164Number(dialled: "00 44 20 7946 0018").description  // "+442079460018"
    public init(dialled: String) throws(NumberingError) {
        let scan = try Scanner.scan(dialled[...], separators: .dialled)
        self = try Scanner.finish(scan, allowInternationalPrefix: true)
    }

    /// Reads canonical digits without `+` (as stored in a CDR or a database): digits only,
    /// no separators, 7 to 15 of them, the first not 0.
    public init(digits: String) throws(NumberingError) {
        let scan = try Scanner.scan(digits[...], separators: .none)
        if scan.sawPlus { throw .misplacedPlus }
        self = try Scanner.finish(Scanner.Scan(sawPlus: true, digits: scan.digits), allowInternationalPrefix: false)
    }

    /// Validated by `Scanner.finish`.
    fileprivate init(validated digits: String) {
        self.digits = digits
    }

    /// Reads the number from the user part of a `sip:` or `sips:` Request-URI.
    ///
    /// `userPart` is the userinfo before `@` without the password, escaped as written or
    /// already decoded (percent escapes such as `%2B` for `+` are decoded here; RFC 3261
    /// §19.1.2). With `;user=phone` on the URI (RFC 3261 §19.1.6) the user part is an RFC 3966
    /// telephone-subscriber: the number, with the visual separators `-` `.` `(` `)` of RFC 3966
    /// §5.1.1, then `;`-parameters. The same is accepted without `;user=phone`, as most
    /// softphones send it. Parameters (`isub`, `ext`, `postd`…) are ignored, except that a
    /// `phone-context` on a number without `+` makes it a local number, which cannot be
    /// routed (`.localNumber`). Spaces are not allowed (they are not in a URI), `00` in front
    /// is read as `+`, and the number must then be global.
    ///
    ///     try E164Number.fromSIPUserPart("+7-495-111-22-33").description   // "+74951112233"
    ///     try E164Number.fromSIPUserPart("%2B74951112233")                 // the same
    ///     try E164Number.fromSIPUserPart("1112233;phone-context=+7495")    // throws .localNumber
    public static func fromSIPUserPart(_ userPart: String) throws(NumberingError) -> E164Number {
        if userPart.utf8.contains(UInt8(ascii: "%")) {
            return try telephoneSubscriber(try Scanner.percentDecoded(userPart)[...], isTelURI: false)
        }
        return try telephoneSubscriber(userPart[...], isTelURI: false)
    }

    /// Reads the number of a `tel:` URI (RFC 3966 §3).
    ///
    /// `telNumber` is what follows `tel:` up to the parameters (`+7-495-111-22-33`); a leading
    /// `tel:` and trailing `;`-parameters are tolerated too. Only a global number (`+` and
    /// digits, with the visual separators `-` `.` `(` `)`) is accepted; a local number
    /// (no `+`, with or without `;phone-context=`; RFC 3966 §5.1.5) throws `.localNumber`.
    ///
    ///     try E164Number.fromTelURI("+7-495-111-22-33").description   // "+74951112233"
    ///     try E164Number.fromTelURI("1112233;phone-context=+7495")    // throws .localNumber
    public static func fromTelURI(_ telNumber: String) throws(NumberingError) -> E164Number {
        var text = telNumber[...]
        if text.utf8.count >= 4, text.utf8.prefix(4).elementsEqual("tel:".utf8, by: { Scanner.lowercasedASCII($0) == $1 }) {
            text = text.dropFirst(4)
        }
        return try telephoneSubscriber(text, isTelURI: true)
    }

    /// RFC 3966 §3 `telephone-subscriber`: a number, then `;`-parameters.
    private static func telephoneSubscriber(_ text: Substring, isTelURI: Bool) throws(NumberingError) -> E164Number {
        let semicolon = text.utf8.firstIndex(of: UInt8(ascii: ";")) ?? text.endIndex
        let number = text[..<semicolon]
        let isGlobal = number.utf8.first == UInt8(ascii: "+")
        if !isGlobal, !number.isEmpty {
            if isTelURI { throw .localNumber }
            if hasPhoneContext(text[semicolon...]) { throw .localNumber }
        }
        let scan = try Scanner.scan(number, separators: .visual)
        return try Scanner.finish(scan, allowInternationalPrefix: !isTelURI)
    }

    /// Whether `;`-parameters include `phone-context` (names are case-insensitive, RFC 3966 §3).
    private static func hasPhoneContext(_ parameters: Substring) -> Bool {
        let name = "phone-context".utf8
        for parameter in parameters.utf8.split(separator: UInt8(ascii: ";")) {
            let key = parameter.prefix { $0 != UInt8(ascii: "=") }
            if key.count == name.count, key.elementsEqual(name, by: { Scanner.lowercasedASCII($0) == $1 }) { return true }
        }
        return false
    }
}

/// The character-level work of normalisation, without allocation for inputs of any length.
enum Scanner {
    /// Which characters are skipped as separators.
    enum Separators {
        /// What users type: spaces, dashes, dots, round and square brackets, and their
        /// common Unicode look-alikes (no-break space, en dash, minus sign…).
        case dialled
        /// RFC 3966 §5.1.1 visual separators only: `-` `.` `(` `)`.
        case visual
        /// None: canonical digits.
        case none
    }

    /// Up to 32 digits packed four bits each; `count` keeps counting past that.
    struct Digits {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var count = 0

        @inline(__always)
        mutating func removeLast() {
            count -= 1
            if count < 16 {
                low &= ~(0xF << UInt64(4 * count))
            } else if count < 32 {
                high &= ~(0xF << UInt64(4 * (count - 16)))
            }
        }

        @inline(__always)
        mutating func append(_ digit: UInt8) {
            if count < 16 {
                low |= UInt64(digit) << UInt64(4 * count)
            } else if count < 32 {
                high |= UInt64(digit) << UInt64(4 * (count - 16))
            }
            count += 1
        }

        @inline(__always)
        func digit(at index: Int) -> UInt8 {
            index < 16 ? UInt8(truncatingIfNeeded: low >> UInt64(4 * index)) & 0xF
                : UInt8(truncatingIfNeeded: high >> UInt64(4 * (index - 16))) & 0xF
        }
    }

    /// What `scan` found: whether a leading `+` was written, and the digits.
    struct Scan {
        var sawPlus: Bool
        var digits: Digits
    }

    /// Reads `+`, digits and separators; throws at the first character that is none of them
    /// and at a `+` that does not come first. Works on the UTF-8 bytes in place (ASCII
    /// directly, other scalars decoded), which is what keeps normalisation allocation-free.
    static func scan(_ text: Substring, separators: Separators) throws(NumberingError) -> Scan {
        if let result = text.utf8.withContiguousStorageIfAvailable({ scan(utf8: $0, separators: separators) }) {
            return try result.get()
        }
        var contiguous = String(text)  // only a bridged, non-contiguous string gets here
        contiguous.makeContiguousUTF8()
        return try contiguous.utf8.withContiguousStorageIfAvailable { scan(utf8: $0, separators: separators) }!.get()
    }

    private static func scan(utf8 bytes: UnsafeBufferPointer<UInt8>, separators: Separators) -> Result<Scan, NumberingError> {
        var result = Scan(sawPlus: false, digits: Digits())
        // Where the last "(" was, in digits, to drop a national trunk prefix written "(0)"
        // after the country code (`+44 (0)20 7946 0018`): it is not dialled from abroad.
        var digitsAtOpenBracket = -1
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            var v = UInt32(lead)
            if lead < 0x80 {
                i &+= 1
            } else {
                // Valid UTF-8 (it comes from a String): 2, 3 or 4 bytes by the lead byte.
                let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
                guard i + length <= bytes.count else { return .failure(.invalidCharacter(.other)) }
                v = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                for k in 1..<length { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
                i &+= length
            }
            if v &- 0x30 < 10 {
                result.digits.append(UInt8(truncatingIfNeeded: v &- 0x30))
            } else if v == 0x2B {  // +
                if result.sawPlus || result.digits.count > 0 { return .failure(.misplacedPlus) }
                result.sawPlus = true
            } else if isSeparator(v, separators) {
                if separators == .dialled {
                    if v == 0x28 {  // (
                        digitsAtOpenBracket = result.digits.count
                    } else if v == 0x29, digitsAtOpenBracket >= 0 {  // )
                        let before = digitsAtOpenBracket
                        digitsAtOpenBracket = -1
                        let countryCodeWritten = result.sawPlus ? before >= 1 : before >= 3  // "+4" or "004"
                        if countryCodeWritten, result.digits.count == before + 1, result.digits.digit(at: before) == 0 {
                            result.digits.removeLast()
                        }
                    }
                }
            } else {
                return .failure(.invalidCharacter(kind(of: v)))
            }
        }
        return .success(result)
    }

    @inline(__always)
    static func isSeparator(_ v: UInt32, _ separators: Separators) -> Bool {
        switch separators {
        case .none:
            return false
        case .visual:
            return v == 0x2D || v == 0x2E || v == 0x28 || v == 0x29  // - . ( )
        case .dialled:
            switch v {
            case 0x20, 0x09, 0x2D, 0x2E, 0x28, 0x29, 0x5B, 0x5D:  // space tab - . ( ) [ ]
                return true
            case 0xA0, 0x2000...0x200B, 0x202F, 0x205F, 0x3000:  // no-break and other Unicode spaces
                return true
            case 0x2010...0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D:  // hyphens, dashes, minus signs
                return true
            default:
                return false
            }
        }
    }

    static func kind(of value: UInt32) -> NumberingError.CharacterKind {
        switch value {
        case 0x2A: .asterisk
        case 0x23: .hash
        default: (Unicode.Scalar(value)?.properties.isAlphabetic ?? false) ? .letter : .other
        }
    }

    /// Applies the rules after the characters: the international prefix, the country code,
    /// the length limits of ITU-T E.164.
    static func finish(_ scan: Scan, allowInternationalPrefix: Bool) throws(NumberingError) -> E164Number {
        let digits = scan.digits
        if digits.count == 0 { throw .empty }
        var offset = 0
        if !scan.sawPlus {
            guard allowInternationalPrefix, digits.count >= 2, digits.digit(at: 0) == 0, digits.digit(at: 1) == 0 else {
                throw .missingCountryCode
            }
            offset = 2
        }
        let count = digits.count - offset
        if count == 0 { throw .empty }
        if digits.digit(at: offset) == 0 { throw .invalidCountryCode }
        if count > E164Number.maximumDigits { throw .tooLong(digits: count) }
        if count < E164Number.minimumDigits { throw .tooShort(digits: count) }
        // At most 15 bytes: a small string, stored inline without a heap allocation.
        let text = String(unsafeUninitializedCapacity: count) { buffer in
            for i in 0..<count { buffer[i] = 0x30 | digits.digit(at: offset + i) }
            return count
        }
        return E164Number(validated: text)
    }

    /// Decodes `%XX` escapes (RFC 3261 §19.1.2, RFC 3986 §2.1); a malformed escape is an
    /// invalid character.
    static func percentDecoded(_ text: String) throws(NumberingError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .invalidCharacter(.other)
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
