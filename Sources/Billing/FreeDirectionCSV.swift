/// The free-direction import format (`zvonokctl tariff import PLAN RATES.csv --free-directions
/// FILE.csv`): comma-separated, UTF-8, a header row naming the columns (any order), one prefix
/// per line; the lines of one direction (same `direction` name) share its dates and cap.
///
/// ```
/// direction,prefix,first_date,last_date,daily_cap_minutes
/// Moscow and St Petersburg,7495,2025-10-01,,
/// Moscow and St Petersburg,7812,2025-10-01,,
/// China weekend,86,2025-10-04,2025-10-05,60
/// ```
///
/// Required columns: `direction` (the name usage is counted under and CDRs show), `prefix` (E.164
/// digits, a leading `+` allowed), `first_date` (`YYYY-MM-DD`, local date in the billing zone).
/// Optional: `last_date` (inclusive; empty = no end), `daily_cap_minutes` (1 to 1440 per account
/// and local day; empty = no cap). Quoting as in `TariffCSV`. Errors carry their line number and
/// nothing is imported.
public enum FreeDirectionCSV {
    /// The most data lines one file may have.
    public static let maximumLines = 100_000
    static let requiredColumns = ["direction", "prefix", "first_date"]
    static let optionalColumns = ["last_date", "daily_cap_minutes"]

    /// The free directions of `text`, in the order their names first appear, or the first error.
    public static func parse(_ text: String) throws(TariffCSVError) -> [FreeDirection] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        guard lines.count <= maximumLines + 1 else { throw TariffCSVError(line: maximumLines + 2, message: "more than \(maximumLines) lines") }
        let known = requiredColumns + optionalColumns
        guard let headerLine = lines.first, !headerLine.allSatisfy(\.isWhitespace) else {
            throw TariffCSVError(line: 1, message: "missing header row (\(known.joined(separator: ",")))")
        }
        let columns = try TariffCSV.fields(of: headerLine, line: 1).map { $0.trimmingSpaces.lowercased() }
        for column in columns where !known.contains(column) {
            throw TariffCSVError(line: 1, message: "unknown column \"\(column)\"; expected \(known.joined(separator: ","))")
        }
        for required in requiredColumns where !columns.contains(required) {
            throw TariffCSVError(line: 1, message: "missing column \"\(required)\"")
        }
        guard Set(columns).count == columns.count else { throw TariffCSVError(line: 1, message: "a column is named twice") }

        var order: [String] = []
        var terms: [String: (first: CivilDate, last: CivilDate?, cap: Int64?, line: Int)] = [:]
        var prefixes: [String: [String]] = [:]
        var prefixLine: [String: [String: Int]] = [:]
        for (index, line) in lines.enumerated().dropFirst() where !line.allSatisfy(\.isWhitespace) {
            let number = index + 1
            let values = try TariffCSV.fields(of: line, line: number)
            guard values.count == columns.count else {
                throw TariffCSVError(line: number, message: "expected \(columns.count) fields, found \(values.count)")
            }
            var row: [String: String] = [:]
            for (column, value) in zip(columns, values) { row[column] = value.trimmingSpaces }
            let name = row["direction", default: ""]
            guard !name.isEmpty, name.utf8.count <= 200 else {
                throw TariffCSVError(line: number, column: "direction", message: "a direction needs a name of 1 to 200 bytes")
            }
            var prefix = row["prefix", default: ""]
            if prefix.hasPrefix("+") { prefix.removeFirst() }
            guard Destination.isE164Digits(prefix) else {
                throw TariffCSVError(line: number, column: "prefix", message: "\"\(prefix)\" is not 1 to 15 digits")
            }
            let firstText = row["first_date", default: ""]
            guard let first = CivilDate(iso: firstText) else {
                throw TariffCSVError(line: number, column: "first_date", message: "\"\(firstText)\" is not a date YYYY-MM-DD")
            }
            var last: CivilDate?
            let lastText = row["last_date", default: ""]
            if !lastText.isEmpty {
                guard let date = CivilDate(iso: lastText) else {
                    throw TariffCSVError(line: number, column: "last_date", message: "\"\(lastText)\" is not a date YYYY-MM-DD")
                }
                guard date >= first else {
                    throw TariffCSVError(line: number, column: "last_date", message: "\(date) is before first_date \(first)")
                }
                last = date
            }
            var cap: Int64?
            let capText = row["daily_cap_minutes", default: ""]
            if !capText.isEmpty {
                guard capText.utf8.count <= 4, capText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let minutes = Int64(capText), (1...1440).contains(minutes) else {
                    throw TariffCSVError(line: number, column: "daily_cap_minutes", message: "\"\(capText)\" is not a number of minutes from 1 to 1440 (empty: no cap)")
                }
                cap = minutes
            }
            if let earlier = terms[name] {
                guard earlier.first == first, earlier.last == last, earlier.cap == cap else {
                    throw TariffCSVError(line: number, message: "direction \"\(name)\" has other dates or cap on line \(earlier.line); its lines must agree")
                }
            } else {
                terms[name] = (first, last, cap, number)
                order.append(name)
            }
            if let duplicate = prefixLine[name, default: [:]][prefix] {
                throw TariffCSVError(line: number, column: "prefix", message: "prefix \(prefix) of \"\(name)\" is already on line \(duplicate)")
            }
            prefixLine[name, default: [:]][prefix] = number
            prefixes[name, default: []].append(prefix)
        }
        guard order.count <= TariffPlan.maximumFreeDirections else {
            throw TariffCSVError(line: lines.count, message: "more than \(TariffPlan.maximumFreeDirections) directions")
        }
        return order.map { name in
            let term = terms[name]!
            return FreeDirection(name: name, prefixes: prefixes[name]!, firstDate: term.first, lastDate: term.last, dailyCapMinutes: term.cap)
        }
    }
}
