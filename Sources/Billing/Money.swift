/// An ISO 4217 currency: its three-letter code and how many decimal digits its minor unit has
/// (RUB: 2, a kopeck is 1/100 of a rouble). Two amounts can be added or compared only in the same
/// currency.
public struct CurrencyCode: Hashable, Sendable, CustomStringConvertible {
    /// The three upper-case letters, e.g. `RUB`.
    public let code: String
    /// Decimal digits of the minor unit: 2 for RUB, USD and EUR, 0 for JPY.
    public let minorUnitDigits: Int

    /// The Russian rouble, minor unit the kopeck. The default currency of every plan and account.
    public static let rub = CurrencyCode(code: "RUB", minorUnitDigits: 2)
    /// The US dollar, minor unit the cent.
    public static let usd = CurrencyCode(code: "USD", minorUnitDigits: 2)
    /// The euro, minor unit the cent.
    public static let eur = CurrencyCode(code: "EUR", minorUnitDigits: 2)

    /// A currency from its code; the code must be three ASCII upper-case letters and the minor
    /// unit at most 4 digits (a precondition: currencies are configuration, checked on load).
    public init(code: String, minorUnitDigits: Int) {
        precondition(code.utf8.count == 3 && code.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }, "currency code must be three upper-case letters: \(code)")
        precondition((0...4).contains(minorUnitDigits), "minor unit digits out of range: \(minorUnitDigits)")
        self.code = code
        self.minorUnitDigits = minorUnitDigits
    }

    /// 10^minorUnitDigits: how many minor units make one major unit.
    public var minorUnitsPerMajor: Int64 {
        var result: Int64 = 1
        for _ in 0..<minorUnitDigits { result *= 10 }
        return result
    }

    public var description: String { code }
}

/// An amount of money as a whole number of minor units (kopecks for RUB) and its currency. There
/// is no floating point anywhere in money.
///
/// Overflow rule: arithmetic is checked, and an overflow is a `precondition` failure (a crash in
/// release builds too), never a wrap-around. Amounts reaching this type are bounded where they
/// enter (top-ups by `AccountBook.maximumTopUpMinor`, prices by `Rate.maximumPricePerMinuteMinor`,
/// durations by `Rate.maximumBilledSeconds`), so an overflow can only be a programming error.
/// Mixing currencies in one operation is a precondition failure as well.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The amount in minor units; negative for a debt or a debit.
    public let amountMinor: Int64
    /// The currency of `amountMinor`.
    public let currency: CurrencyCode

    /// `amountMinor` minor units of `currency` (roubles by default).
    public init(amountMinor: Int64, currency: CurrencyCode = .rub) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    /// Zero in `currency`.
    public static func zero(_ currency: CurrencyCode = .rub) -> Money { Money(amountMinor: 0, currency: currency) }

    /// Sum; precondition: same currency, no overflow.
    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        let (sum, overflow) = lhs.amountMinor.addingReportingOverflow(rhs.amountMinor)
        precondition(!overflow, "money overflow: \(lhs.amountMinor) + \(rhs.amountMinor)")
        return Money(amountMinor: sum, currency: lhs.currency)
    }

    /// Difference; precondition: same currency, no overflow.
    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        let (difference, overflow) = lhs.amountMinor.subtractingReportingOverflow(rhs.amountMinor)
        precondition(!overflow, "money overflow: \(lhs.amountMinor) - \(rhs.amountMinor)")
        return Money(amountMinor: difference, currency: lhs.currency)
    }

    /// The amount times a whole count; precondition: no overflow.
    public static func * (lhs: Money, count: Int64) -> Money {
        let (product, overflow) = lhs.amountMinor.multipliedReportingOverflow(by: count)
        precondition(!overflow, "money overflow: \(lhs.amountMinor) * \(count)")
        return Money(amountMinor: product, currency: lhs.currency)
    }

    /// The opposite amount; precondition: not `Int64.min`.
    public static prefix func - (value: Money) -> Money {
        precondition(value.amountMinor != .min, "money overflow: negating Int64.min")
        return Money(amountMinor: -value.amountMinor, currency: value.currency)
    }

    /// Ordering within one currency; precondition: same currency.
    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.amountMinor < rhs.amountMinor
    }

    /// "12.34 RUB", "-0.05 RUB", "7 JPY": the major units, a dot and every minor digit, then the code.
    public var description: String {
        let perMajor = currency.minorUnitsPerMajor
        let negative = amountMinor < 0
        // Work in UInt64 so that Int64.min formats too.
        let magnitude = amountMinor.magnitude
        let major = magnitude / UInt64(perMajor)
        let minor = magnitude % UInt64(perMajor)
        var text = negative ? "-" : ""
        text += String(major)
        if currency.minorUnitDigits > 0 {
            let digits = String(minor)
            text += "." + String(repeating: "0", count: currency.minorUnitDigits - digits.count) + digits
        }
        return text + " " + currency.code
    }

    /// Parses a decimal amount in major units as an operator writes it ("1.50", "12", "0.5",
    /// "-3.20") into minor units exactly, without floating point. Returns nil for anything else,
    /// for more fraction digits than the currency has (no sub-kopeck amounts) and for amounts
    /// beyond ±10^15 minor units.
    public static func parse(_ text: String, currency: CurrencyCode = .rub) -> Money? {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 24 else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") {
            negative = true
            bytes.removeFirst()
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let wholeDigits = parts[0]
        let fractionDigits = parts.count == 2 ? parts[1] : []
        guard !wholeDigits.isEmpty, parts.count == 1 || !fractionDigits.isEmpty else { return nil }
        guard fractionDigits.count <= currency.minorUnitDigits else { return nil }
        guard (wholeDigits + fractionDigits).allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard wholeDigits.count <= 13 else { return nil }
        var amount: Int64 = 0
        for digit in wholeDigits { amount = amount * 10 + Int64(digit - 48) }
        amount *= currency.minorUnitsPerMajor
        var scale = currency.minorUnitsPerMajor
        for digit in fractionDigits {
            scale /= 10
            amount += Int64(digit - 48) * scale
        }
        guard amount <= 1_000_000_000_000_000 else { return nil }
        return Money(amountMinor: negative ? -amount : amount, currency: currency)
    }
}
