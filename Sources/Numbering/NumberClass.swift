/// What a number is, by the longest prefix of the numbering plan that matches it: the
/// country (ISO 3166-1 alpha-2) and whether it is a mobile or a landline number.
///
/// The class of `+74951112233` is `RU`, `.landline`, prefix `7495`, "Moscow"; of
/// `+77011234567` it is `KZ`, `.mobile`, prefix `7701` (Kazakhstan shares country code 7
/// with Russia). Non-geographic ITU-T E.164 codes (international freephone 800, satellite 881,
/// international networks 882/883…) have the country `ZZ`.
public struct NumberClass: Sendable, Hashable {
    /// Whether numbers under a prefix are mobile or landline.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A mobile network (Russia's DEF codes 9xx, Kazakh 70x/747/77x…): free SMS goes here.
        case mobile
        /// A fixed line with a geographic code (Moscow 495, St Petersburg 812…).
        case landline
        /// Not known at this prefix: the country has both, or it is a service number.
        /// Written `any` in the data file.
        case unknown
    }

    /// ISO 3166-1 alpha-2 country code (`RU`, `KZ`, `CN`), or `ZZ` for a non-geographic code.
    public let country: String
    /// Mobile, landline, or unknown.
    public let kind: Kind
    /// The digits of the matched prefix (`7495`): the number starts with them.
    public let prefix: String
    /// What the prefix is (`Moscow`, `Kazakhstan, mobile (Kcell)`).
    public let description: String

    public init(country: String, kind: Kind, prefix: String, description: String) {
        self.country = country
        self.kind = kind
        self.prefix = prefix
        self.description = description
    }
}
