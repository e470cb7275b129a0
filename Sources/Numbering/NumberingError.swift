/// Why a dialled number, SIP user part or `tel:` URI is not a routable ITU-T E.164 number.
///
/// The B2BUA answers every one of these with `484 Address Incomplete` (RFC 3261 §21.4.22) and
/// `reasonPhrase` as the response's reason phrase, so the caller's phone shows how to dial.
/// Each phrase is printable ASCII with no CR or LF and uses only characters the
/// `Reason-Phrase` production of RFC 3261 §25.1 allows unescaped (no `#`, `"` or `%`).
public enum NumberingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A character that is neither a digit, a leading `+` nor an allowed separator.
    public enum CharacterKind: Sendable, Hashable {
        /// A letter (of any script): a user name, not a number.
        case letter
        /// `*`: a service code, not an E.164 number.
        case asterisk
        /// `#`: a service code, not an E.164 number.
        case hash
        /// Anything else (`/`, `,`, `%` outside an escape, an emoji, a space inside a URI…).
        case other
    }

    /// Nothing but separators, or nothing at all.
    case empty
    /// Digits without `+` or `00`: a national or local number, which cannot be routed.
    case missingCountryCode
    /// `+0…` (or `000…`): no ITU-T E.164 country code starts with 0.
    case invalidCountryCode
    /// A character that cannot be part of a number.
    case invalidCharacter(CharacterKind)
    /// `+` after a digit, or more than one `+`.
    case misplacedPlus
    /// Fewer digits after `+` than `E164Number.minimumDigits`.
    case tooShort(digits: Int)
    /// More digits after `+` than ITU-T E.164 §6.1 allows (`E164Number.maximumDigits`, 15).
    case tooLong(digits: Int)
    /// A local number (RFC 3966 §5.1.5): a `tel:` URI or telephone-subscriber without `+`,
    /// or with a `phone-context`. Only global numbers are routed.
    case localNumber

    /// The SIP status code the B2BUA answers with: always 484 Address Incomplete.
    public var statusCode: Int { 484 }

    /// How to dial, ending every phrase that is about a missing part.
    static let howToDial = "dial the full international number with the country code, e.g. +74951112233"

    /// The reason phrase of the 484 response: says what is wrong and how to dial.
    public var reasonPhrase: String {
        switch self {
        case .empty:
            "No number: " + Self.howToDial
        case .missingCountryCode:
            "No country code: " + Self.howToDial
        case .invalidCountryCode:
            "No country code starts with 0: " + Self.howToDial
        case .invalidCharacter(.letter):
            "Letters are not allowed in a phone number: " + Self.howToDial
        case .invalidCharacter(.asterisk):
            "* is not allowed in a phone number: " + Self.howToDial
        case .invalidCharacter(.hash):
            "The hash sign is not allowed in a phone number: " + Self.howToDial
        case .invalidCharacter(.other):
            "Only digits, + and separators are allowed in a phone number: " + Self.howToDial
        case .misplacedPlus:
            "+ may only start the number: " + Self.howToDial
        case .tooShort(let digits):
            "Number too short (\(digits) digits, at least \(E164Number.minimumDigits)): " + Self.howToDial
        case .tooLong(let digits):
            "Number too long (\(digits) digits, at most \(E164Number.maximumDigits) by ITU-T E.164)"
        case .localNumber:
            "Local numbers cannot be routed: " + Self.howToDial
        }
    }

    public var description: String { "\(statusCode) \(reasonPhrase)" }
}
