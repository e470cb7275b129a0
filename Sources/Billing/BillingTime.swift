/// An instant as whole seconds since the Unix epoch (UTC). Billing never reads a clock: every
/// instant is passed in by the caller (the B2BUA's clock, a test's fake clock, a CDR on recovery).
/// Whole seconds are the resolution of billing: increments are whole seconds.
public struct BillingTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let unixSeconds: Int64

    /// The instant `unixSeconds` seconds after the epoch.
    public init(unixSeconds: Int64) {
        self.unixSeconds = unixSeconds
    }

    /// Midnight that starts `date` in a zone `utcOffsetSeconds` ahead of UTC
    /// (Moscow: +10800, so 1 October 00:00 MSK is 30 September 21:00 UTC).
    public init(_ date: CivilDate, utcOffsetSeconds: Int32) {
        self.unixSeconds = date.daysSinceEpoch * 86_400 - Int64(utcOffsetSeconds)
    }

    /// The instant `seconds` later (earlier when negative); precondition: no overflow.
    public func adding(seconds: Int64) -> BillingTime {
        let (sum, overflow) = unixSeconds.addingReportingOverflow(seconds)
        precondition(!overflow, "time overflow")
        return BillingTime(unixSeconds: sum)
    }

    /// Whole seconds from `earlier` to `self` (negative when `earlier` is later).
    public func seconds(since earlier: BillingTime) -> Int64 {
        unixSeconds - earlier.unixSeconds
    }

    /// The number of the local calendar day (days since 1970-01-01 in that zone) in a zone
    /// `utcOffsetSeconds` ahead of UTC. Floor division, so instants before 1970 work too.
    public func localDay(utcOffsetSeconds: Int32) -> Int64 {
        let local = unixSeconds + Int64(utcOffsetSeconds)
        let (quotient, remainder) = local.quotientAndRemainder(dividingBy: 86_400)
        return remainder < 0 ? quotient - 1 : quotient
    }

    public static func < (lhs: BillingTime, rhs: BillingTime) -> Bool { lhs.unixSeconds < rhs.unixSeconds }

    public var description: String { "@\(unixSeconds)" }
}

/// A calendar date (proleptic Gregorian) without a zone: "1 October 2025". Turned into an instant
/// with a plan's UTC offset (`BillingTime(_:utcOffsetSeconds:)`).
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The year, e.g. 2025.
    public let year: Int
    /// 1...12.
    public let month: Int
    /// 1...31, valid for the month.
    public let day: Int

    /// A valid date; nil for 31 February and the like, or a year outside 1970...9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1970...9999).contains(year), (1...12).contains(month) else { return nil }
        guard (1...CivilDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil for anything else.
    public init?(iso text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to this date (H. Hinnant's `days_from_civil`).
    public var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// A half-open interval of instants `[from, until)`; `until == nil` means open-ended. Used for a
/// rate's validity and a free direction's dates.
public struct ValidityPeriod: Hashable, Sendable {
    /// The first instant inside, or nil for "since always".
    public let from: BillingTime?
    /// The first instant no longer inside, or nil for "for ever".
    public let until: BillingTime?

    /// Always valid.
    public static let always = ValidityPeriod(from: nil, until: nil)

    /// `[from, until)`; precondition: `from < until` when both are given.
    public init(from: BillingTime?, until: BillingTime?) {
        if let from, let until { precondition(from < until, "empty validity period \(from)..<\(until)") }
        self.from = from
        self.until = until
    }

    /// Whether `instant` lies in `[from, until)`.
    public func contains(_ instant: BillingTime) -> Bool {
        if let from, instant < from { return false }
        if let until, instant >= until { return false }
        return true
    }

    /// Whether some instant lies in both periods.
    public func overlaps(_ other: ValidityPeriod) -> Bool {
        // [a, b) and [c, d) overlap unless b <= c or d <= a (nil bounds are infinite).
        if let until, let otherFrom = other.from, until <= otherFrom { return false }
        if let otherUntil = other.until, let from, otherUntil <= from { return false }
        return true
    }
}
