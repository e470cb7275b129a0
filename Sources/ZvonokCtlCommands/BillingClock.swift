import Billing

/// How `zvonokctl` reads and writes instants: in the billing zone (a fixed UTC offset,
/// `billing.timeZone`), as `YYYY-MM-DD HH:MM:SS+03:00`; arguments as `YYYY-MM-DD` (local midnight),
/// `YYYY-MM-DDTHH:MM[:SS]` (local) or the same with `Z` (UTC).
struct BillingClock: Sendable {
    /// The billing zone's offset from UTC, seconds.
    let utcOffsetSeconds: Int32

    /// `instant` as local date and time with the offset: "2025-10-01 12:00:00+03:00".
    func format(_ instant: BillingTime) -> String {
        let local = instant.unixSeconds + Int64(utcOffsetSeconds)
        let day = instant.localDay(utcOffsetSeconds: utcOffsetSeconds)
        let secondOfDay = local - day * 86_400
        let offset = Int64(utcOffsetSeconds)
        let sign = offset < 0 ? "-" : "+"
        return "\(Self.date(fromDay: day)) \(Self.two(secondOfDay / 3600)):\(Self.two(secondOfDay / 60 % 60)):\(Self.two(secondOfDay % 60))"
            + "\(sign)\(Self.two(abs(offset) / 3600)):\(Self.two(abs(offset) / 60 % 60))"
    }

    /// `instant` in UTC, ISO 8601: "2025-10-01T09:00:00Z" (for CSV export).
    static func formatUTC(_ instant: BillingTime) -> String {
        let day = instant.localDay(utcOffsetSeconds: 0)
        let second = instant.unixSeconds - day * 86_400
        return "\(date(fromDay: day))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))Z"
    }

    /// Parses an argument as documented above; nil when it is none of those forms.
    func parse(_ text: String) -> BillingTime? {
        var text = Substring(text)
        var utc = false
        if text.hasSuffix("Z") {
            utc = true
            text = text.dropLast()
        }
        let parts = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        guard let date = CivilDate(iso: String(parts[0])) else { return nil }
        var seconds: Int64 = 0
        if parts.count == 2 {
            let fields = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(fields.count),
                  fields.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
                  let hour = Int64(fields[0]), let minute = Int64(fields[1]), hour < 24, minute < 60
            else { return nil }
            let second = fields.count == 3 ? Int64(fields[2]) ?? 60 : 0
            guard second < 60 else { return nil }
            seconds = hour * 3600 + minute * 60 + second
        } else if utc {
            return nil
        }
        return BillingTime(date, utcOffsetSeconds: utc ? 0 : utcOffsetSeconds).adding(seconds: seconds)
    }

    /// The civil date of day number `day` (days since 1970-01-01; H. Hinnant's `civil_from_days`).
    static func date(fromDay day: Int64) -> String {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let digits = String(year)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "-" + two(month) + "-" + two(dayOfMonth)
    }

    static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
