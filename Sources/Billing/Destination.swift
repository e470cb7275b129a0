// The seam where `Numbering` plugs in. Billing does not normalise or classify numbers: it takes
// what Numbering made of the dialled string. Until the Numbering target lands, callers (and the
// tests) build these values themselves; when it lands, Numbering's normaliser produces a
// `DialledNumber` (or Billing gains a small adapter from Numbering's result type) and nothing
// else in Billing changes.

/// What kind of line a number reaches. Numbering knows it for Russia, Ukraine, Kazakhstan,
/// Uzbekistan and China; elsewhere it is `.unknown`.
public enum LineKind: String, Hashable, Sendable {
    /// A mobile number (Russia: +79…).
    case mobile
    /// A fixed line (Moscow: +7495…).
    case landline
    /// Not known.
    case unknown
}

/// Numbering's classification of a destination: its country (ISO 3166-1 alpha-2, e.g. "RU") and
/// line kind. The trial tariff covers `DestinationClass(countryISO: "RU", kind: .landline)` only.
public struct DestinationClass: Hashable, Sendable {
    /// ISO 3166-1 alpha-2 country code, upper case ("RU", "KZ", "CN"); "" when unknown.
    public let countryISO: String
    /// Mobile, landline or unknown.
    public let kind: LineKind

    /// A classification as Numbering reports it.
    public init(countryISO: String, kind: LineKind) {
        self.countryISO = countryISO
        self.kind = kind
    }

    /// A Russian landline: what the trial tariff makes free.
    public static let russianLandline = DestinationClass(countryISO: "RU", kind: .landline)
    /// A Russian mobile.
    public static let russianMobile = DestinationClass(countryISO: "RU", kind: .mobile)
    /// Nothing known about the destination.
    public static let unknown = DestinationClass(countryISO: "", kind: .unknown)
}

/// A routable destination: the string the user dialled, its E.164 form as digits without the
/// `+` (already normalised by Numbering) and its classification.
public struct Destination: Hashable, Sendable {
    /// The most digits an E.164 number has (ITU-T E.164 §6).
    public static let maximumDigits = 15

    /// What the user dialled, as received (for the CDR): "+7 (495) 111-22-33".
    public let dialled: String
    /// The E.164 number as ASCII digits without `+`: "74951112233".
    public let e164Digits: String
    /// Country and line kind.
    public let classification: DestinationClass

    /// A destination; precondition: `e164Digits` is 1...15 ASCII digits (Numbering has
    /// normalised it; anything else here is a programming error).
    public init(dialled: String, e164Digits: String, classification: DestinationClass) {
        precondition(Destination.isE164Digits(e164Digits), "not normalised E.164 digits: \(e164Digits)")
        self.dialled = dialled
        self.e164Digits = e164Digits
        self.classification = classification
    }

    /// Whether `text` is 1...15 ASCII digits.
    public static func isE164Digits(_ text: String) -> Bool {
        let utf8 = text.utf8
        return (1...maximumDigits).contains(utf8.count) && utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}

/// What Numbering made of the dialled string: a routable number, or a refusal that Billing passes
/// through as `484 Address Incomplete` with Numbering's reason ("dial the full international
/// number, e.g. +74951112233").
public enum DialledNumber: Hashable, Sendable {
    /// A normalised, classified number.
    case routable(Destination)
    /// Numbering could not make an E.164 number of `dialled`; `reason` says how to dial.
    case incomplete(dialled: String, reason: String)
}
