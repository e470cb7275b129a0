/// The classification of ITU-T E.164 numbers by prefix: country and mobile or landline, read
/// from a data file (`Data/prefixes.tsv`, shipped with this target) rather than written in code.
///
/// Lookup is the longest-prefix match of `PrefixTable`, so detail overrides the country level:
/// `+7` is Russia, `+79` a Russian mobile, `+7495` Moscow; `+77` is Kazakhstan and `+7701` a
/// Kazakh mobile. A number under a spare country code (`+999…`) has no class.
///
/// The data format, one entry a line, four TAB-separated fields:
///
///     prefix<TAB>country<TAB>kind<TAB>description
///     7495	RU	landline	Moscow
///
/// `prefix` is 1 to 15 digits, unique in the file; `country` an ISO 3166-1 alpha-2 code in
/// upper case (`ZZ` for non-geographic codes); `kind` one of `mobile`, `landline`, `any`;
/// `description` printable ASCII. Lines starting with `#`, and blank lines, are comments.
public struct NumberingPlan: Sendable, CustomStringConvertible {
    /// Prefix → class; `NumberClass.prefix` is the entry's own prefix.
    public let table: PrefixTable<NumberClass>

    /// Parses the data format above; throws at the first malformed line or duplicate prefix,
    /// naming its line number (1-based).
    public init(parsing text: String) throws(NumberingPlanError) {
        var table = PrefixTable<NumberClass>()
        var firstLine: [String: Int] = [:]
        var lineNumber = 0
        // "\r\n" is one Character (one grapheme cluster) in Swift, so it is a separator of its own.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            if line.utf8.first == UInt8(ascii: "#") || line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let entry = try Self.parseEntry(line, lineNumber: lineNumber)
            if let first = firstLine[entry.prefix] {
                throw .duplicatePrefix(prefix: entry.prefix, line: lineNumber, firstLine: first)
            }
            firstLine[entry.prefix] = lineNumber
            do {
                try table.insert(entry, forPrefix: entry.prefix)
            } catch {
                throw .malformedLine(line: lineNumber, reason: error.description)
            }
        }
        self.table = table
    }

    /// The class of `number`: the entry of its longest listed prefix, or nil when none is
    /// listed (a spare country code).
    @inlinable
    public func classify(_ number: E164Number) -> NumberClass? {
        table.longestMatch(number.digits)?.value
    }

    /// How many prefixes the plan lists.
    public var count: Int { table.count }

    /// Every entry, in lexicographic order of the prefixes.
    public var classes: [NumberClass] { table.entries.map(\.value) }

    /// A summary (`NumberingPlan(498 prefixes)`), not the whole table.
    public var description: String { "NumberingPlan(\(count) prefixes)" }

    private static func parseEntry(_ line: Substring, lineNumber: Int) throws(NumberingPlanError) -> NumberClass {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 4 else {
            throw .malformedLine(line: lineNumber, reason: "expected 4 TAB-separated fields (prefix, country, kind, description), found \(fields.count)")
        }
        let prefix = fields[0], country = fields[1], kind = fields[2], description = fields[3]
        guard (1...E164Number.maximumDigits).contains(prefix.utf8.count),
              prefix.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 })
        else {
            throw .malformedLine(line: lineNumber, reason: "prefix \"\(prefix)\" is not 1 to \(E164Number.maximumDigits) digits")
        }
        guard country.utf8.count == 2,
              country.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })
        else {
            throw .malformedLine(line: lineNumber, reason: "country \"\(country)\" is not an ISO 3166-1 alpha-2 code in upper case")
        }
        let parsedKind: NumberClass.Kind
        switch kind {
        case "mobile": parsedKind = .mobile
        case "landline": parsedKind = .landline
        case "any": parsedKind = .unknown
        default:
            throw .malformedLine(line: lineNumber, reason: "kind \"\(kind)\" is not mobile, landline or any")
        }
        guard !description.isEmpty, description.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .malformedLine(line: lineNumber, reason: "description is empty or not printable ASCII")
        }
        return NumberClass(country: String(country), kind: parsedKind, prefix: String(prefix), description: String(description))
    }
}

/// Why a numbering plan could not be read.
public enum NumberingPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A line that is not `prefix<TAB>country<TAB>kind<TAB>description`; `line` is 1-based.
    case malformedLine(line: Int, reason: String)
    /// A prefix listed a second time, at `line`; first listed at `firstLine`.
    case duplicatePrefix(prefix: String, line: Int, firstLine: Int)
    /// The data file shipped with the target could not be found or read.
    case dataFileUnavailable(String)

    /// The line the error is on, if it is about a line.
    public var line: Int? {
        switch self {
        case .malformedLine(let line, _), .duplicatePrefix(_, let line, _): line
        case .dataFileUnavailable: nil
        }
    }

    public var description: String {
        switch self {
        case .malformedLine(let line, let reason):
            "line \(line): \(reason)"
        case .duplicatePrefix(let prefix, let line, let firstLine):
            "line \(line): prefix \(prefix) is already listed on line \(firstLine)"
        case .dataFileUnavailable(let why):
            "the numbering plan data file is unavailable: \(why)"
        }
    }
}
