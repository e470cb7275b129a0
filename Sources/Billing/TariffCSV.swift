/// An error in a tariff CSV file, with the 1-based line it is on (the header is line 1) and the
/// column, so that the operator can fix the file. Nothing of the file is imported.
public struct TariffCSVError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number; the header is line 1.
    public let line: Int
    /// The column's header name, when the error is in one field.
    public let column: String?
    /// What is wrong and what is expected.
    public let message: String

    /// An error on `line`.
    public init(line: Int, column: String? = nil, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let column { return "line \(line), \(column): \(message)" }
        return "line \(line): \(message)"
    }
}

/// The tariff import format (`zvonokctl tariff import PLAN FILE.csv`): comma-separated, UTF-8,
/// a header row naming the columns (any order), one rate per line.
///
/// ```
/// prefix,description,price_per_minute,increment,connection_fee,valid_from,valid_until
/// 7495,Moscow landline,1.50,60/60,,,
/// +79,Russia mobile,2.95,1/1,0.50,2025-10-01,
/// 86,"China, all",4.00,30/6,,,2026-01-01
/// ```
///
/// Required columns: `prefix` (E.164 digits, a leading `+` allowed), `description`,
/// `price_per_minute` (major units with at most the currency's minor digits: "1.50" is 150
/// kopecks; "1.505" is an error, never rounded), `increment` (`first/next` seconds). Optional:
/// `connection_fee` (major units, empty = none), `valid_from` and `valid_until` (`YYYY-MM-DD`,
/// local midnight in the plan's zone; the period is `[valid_from, valid_until)`). Fields may be
/// quoted with `"` (a doubled `""` inside is a quote); a quoted field may not span lines. Blank
/// lines are skipped. Two rates of one prefix whose periods overlap are an error.
public enum TariffCSV {
    /// The most data lines one file may have.
    public static let maximumLines = 1_000_000
    static let requiredColumns = ["prefix", "description", "price_per_minute", "increment"]
    static let optionalColumns = ["connection_fee", "valid_from", "valid_until"]

    /// All the rates of `text`, or the first error with its line number: nothing is half-imported.
    public static func parse(
        _ text: String,
        currency: CurrencyCode = .rub,
        utcOffsetSeconds: Int32 = TariffPlan.moscowUTCOffsetSeconds
    ) throws(TariffCSVError) -> [Rate] {
        // "\r\n" is one Character in Swift, so split on all three line ends.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        guard lines.count <= maximumLines + 1 else { throw TariffCSVError(line: maximumLines + 2, message: "more than \(maximumLines) lines") }
        guard let headerLine = lines.first, !headerLine.allSatisfy(\.isWhitespace) else {
            throw TariffCSVError(line: 1, message: "missing header row (\((requiredColumns + optionalColumns).joined(separator: ",")))")
        }
        let columns = try header(try fields(of: headerLine, line: 1))
        var rates: [Rate] = []
        var firstLineOfPrefix: [String: [(period: ValidityPeriod, line: Int)]] = [:]
        for (index, line) in lines.enumerated().dropFirst() where !line.allSatisfy(\.isWhitespace) {
            let lineNumber = index + 1
            let values = try fields(of: line, line: lineNumber)
            guard values.count == columns.count else {
                throw TariffCSVError(line: lineNumber, message: "expected \(columns.count) fields, found \(values.count)")
            }
            var row: [String: String] = [:]
            for (column, value) in zip(columns, values) { row[column] = value }
            let rate = try self.rate(row, line: lineNumber, currency: currency, utcOffsetSeconds: utcOffsetSeconds)
            for earlier in firstLineOfPrefix[rate.prefix, default: []] where earlier.period.overlaps(rate.validity) {
                throw TariffCSVError(line: lineNumber, column: "prefix", message: "prefix \(rate.prefix) already has a rate for this period on line \(earlier.line)")
            }
            firstLineOfPrefix[rate.prefix, default: []].append((rate.validity, lineNumber))
            rates.append(rate)
        }
        assert(rates.count <= maximumLines)
        return rates
    }

    private static func header(_ names: [String]) throws(TariffCSVError) -> [String] {
        let columns = names.map { $0.trimmingSpaces.lowercased() }
        for column in columns where !(requiredColumns + optionalColumns).contains(column) {
            throw TariffCSVError(line: 1, message: "unknown column \"\(column)\"; expected \((requiredColumns + optionalColumns).joined(separator: ","))")
        }
        for required in requiredColumns where !columns.contains(required) {
            throw TariffCSVError(line: 1, message: "missing column \"\(required)\"")
        }
        guard Set(columns).count == columns.count else { throw TariffCSVError(line: 1, message: "a column is named twice") }
        return columns
    }

    private static func rate(_ row: [String: String], line: Int, currency: CurrencyCode, utcOffsetSeconds: Int32) throws(TariffCSVError) -> Rate {
        var prefix = row["prefix", default: ""].trimmingSpaces
        if prefix.hasPrefix("+") { prefix.removeFirst() }
        guard Destination.isE164Digits(prefix) else {
            throw TariffCSVError(line: line, column: "prefix", message: "\"\(prefix)\" is not 1 to 15 digits")
        }
        let price = try amount(row["price_per_minute", default: ""], column: "price_per_minute", line: line, currency: currency, maximumMinor: Rate.maximumPricePerMinuteMinor, required: true)
        let fee = try amount(row["connection_fee", default: ""], column: "connection_fee", line: line, currency: currency, maximumMinor: Rate.maximumConnectionFeeMinor, required: false)
        let incrementText = row["increment", default: ""].trimmingSpaces
        guard let increment = BillingIncrement(parsing: incrementText) else {
            throw TariffCSVError(line: line, column: "increment", message: "\"\(incrementText)\" is not first/next seconds, each 1 to 3600 (e.g. 60/60)")
        }
        let from = try date(row["valid_from", default: ""], column: "valid_from", line: line, utcOffsetSeconds: utcOffsetSeconds)
        let until = try date(row["valid_until", default: ""], column: "valid_until", line: line, utcOffsetSeconds: utcOffsetSeconds)
        if let from, let until, until <= from {
            throw TariffCSVError(line: line, column: "valid_until", message: "must be after valid_from")
        }
        return Rate(
            prefix: prefix,
            description: row["description", default: ""].trimmingSpaces,
            pricePerMinuteMinor: price,
            increment: increment,
            connectionFeeMinor: fee,
            validity: ValidityPeriod(from: from, until: until)
        )
    }

    private static func amount(_ raw: String, column: String, line: Int, currency: CurrencyCode, maximumMinor: Int64, required: Bool) throws(TariffCSVError) -> Int64 {
        let text = raw.trimmingSpaces
        if text.isEmpty && !required { return 0 }
        guard let money = Money.parse(text, currency: currency), money.amountMinor >= 0 else {
            throw TariffCSVError(line: line, column: column, message: "\"\(text)\" is not an amount like 1.50 (at most \(currency.minorUnitDigits) decimals, not negative)")
        }
        guard money.amountMinor <= maximumMinor else {
            throw TariffCSVError(line: line, column: column, message: "\(money) is more than the maximum \(Money(amountMinor: maximumMinor, currency: currency))")
        }
        return money.amountMinor
    }

    private static func date(_ raw: String, column: String, line: Int, utcOffsetSeconds: Int32) throws(TariffCSVError) -> BillingTime? {
        let text = raw.trimmingSpaces
        if text.isEmpty { return nil }
        guard let date = CivilDate(iso: text) else {
            throw TariffCSVError(line: line, column: column, message: "\"\(text)\" is not a date YYYY-MM-DD")
        }
        return BillingTime(date, utcOffsetSeconds: utcOffsetSeconds)
    }

    /// Splits one line into fields: commas separate, `"…"` quotes, `""` is a quote inside quotes.
    static func fields(of line: Substring, line number: Int) throws(TariffCSVError) -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var quotedFieldEnded = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            if inQuotes {
                if character == "\"" {
                    // Either the closing quote or the first of a doubled quote.
                    var lookahead = characters
                    if lookahead.next() == "\"" {
                        current.append("\"")
                        characters = lookahead
                    } else {
                        inQuotes = false
                        quotedFieldEnded = true
                    }
                } else {
                    current.append(character)
                }
            } else if character == "," {
                fields.append(current)
                current = ""
                quotedFieldEnded = false
            } else if character == "\"" {
                guard current.allSatisfy(\.isWhitespace), !quotedFieldEnded else {
                    throw TariffCSVError(line: number, message: "a quote in the middle of a field (quote the whole field and double the quote)")
                }
                current = ""
                inQuotes = true
            } else {
                guard !quotedFieldEnded || character.isWhitespace else {
                    throw TariffCSVError(line: number, message: "text after a closing quote")
                }
                current.append(character)
            }
        }
        guard !inQuotes else { throw TariffCSVError(line: number, message: "unterminated quote (a field may not span lines)") }
        fields.append(current)
        return fields
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
