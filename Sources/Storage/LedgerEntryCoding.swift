import Billing
import GRDB

/// How a `LedgerEntry` is laid out in a `ledger_entry` row (`BillingSchema.swift`): the common
/// columns, then the kind's own columns, the others NULL. Decoding rebuilds exactly the value that
/// was encoded; `AccountBook` then re-checks every decoded entry as it replays them.
enum LedgerEntryCoding {
    static let columns = [
        "account", "sequence", "kind", "amountMinor", "reservationSequence", "at", "paymentID", "note",
        "caller", "dialled", "e164", "country", "lineKind", "plan",
        "ratePrefix", "rateDescription", "ratePriceMinor", "rateFirstSeconds", "rateNextSeconds", "rateFeeMinor", "rateValidFrom", "rateValidUntil",
        "allowanceKind", "allowanceName", "allowanceLocalDay", "allowanceCapSeconds", "allowanceLimitSeconds",
        "allowanceSeconds", "paidSeconds", "reportedUsedSeconds",
        "answeredAt", "endedAt", "durationSeconds", "billedSeconds", "endReason", "endStatus",
    ]

    static let insertSQL = "INSERT INTO ledger_entry (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    static let selectSQL = "SELECT \(columns.joined(separator: ", ")) FROM ledger_entry"

    /// Why a stored row could not be read back as an entry.
    struct CorruptRow: Error, CustomStringConvertible {
        let account: String
        let sequence: Int64
        let reason: String
        var description: String { "ledger entry \(account)#\(sequence) cannot be read: \(reason)" }
    }

    /// The row's values in `columns` order.
    static func arguments(_ entry: LedgerEntry) -> StatementArguments {
        var values: [(any DatabaseValueConvertible)?] = Array(repeating: nil, count: columns.count)
        values[0] = entry.account.name
        values[1] = Int64(entry.id.sequence)
        values[3] = entry.amountMinor
        values[4] = entry.reservationID.map { Int64($0.openingEntry.sequence) }
        values[5] = entry.at.unixSeconds
        switch entry.kind {
        case .topUp(let payment):
            values[2] = "topUp"
            values[6] = payment
        case .adjustment(let reason):
            values[2] = "adjustment"
            values[7] = reason
        case .reservation(.open(let r)):
            values[2] = "open"
            values[8] = r.caller
            values[9] = r.destination.dialled
            values[10] = r.destination.e164Digits
            values[11] = r.destination.classification.countryISO
            values[12] = r.destination.classification.kind.rawValue
            values[13] = r.planName
            values[20] = nil
            if let rate = r.rate {
                values[14] = rate.prefix
                values[15] = rate.description
                values[16] = rate.pricePerMinuteMinor
                values[17] = rate.increment.firstSeconds
                values[18] = rate.increment.nextSeconds
                values[19] = rate.connectionFeeMinor
                values[20] = rate.validity.from?.unixSeconds
                values[21] = rate.validity.until?.unixSeconds
            }
            switch r.allowance {
            case .trial(let limit):
                values[22] = "trial"
                values[26] = limit
            case .freeDirection(let name, let day, let cap):
                values[22] = "free"
                values[23] = name
                values[24] = day
                values[25] = cap
            case nil:
                break
            }
            values[27] = r.allowanceSeconds
            values[28] = r.paidSeconds
            // `openedAt` is the entry's `at`; a new reservation has no report yet.
        case .reservation(.extend(let slice)):
            values[2] = "extend"
            values[27] = slice.allowanceSeconds
            values[28] = slice.paidSeconds
            values[29] = slice.reportedUsedSeconds
        case .charge(let details):
            values[2] = "charge"
            values[27] = details.allowanceUsedSeconds
            values[30] = details.answeredAt?.unixSeconds
            values[31] = details.endedAt.unixSeconds
            values[32] = details.durationSeconds
            values[33] = details.billedSeconds
            let (reason, status, text) = encode(details.endReason)
            values[34] = reason
            values[35] = status
            values[7] = text
        case .release:
            values[2] = "release"
        }
        return StatementArguments(values)
    }

    /// The entry of `row` (selected with `selectSQL`).
    static func entry(_ row: Row) throws -> LedgerEntry {
        let accountName: String = row[0]
        let sequence: Int64 = row[1]
        func corrupt(_ reason: String) -> CorruptRow { CorruptRow(account: accountName, sequence: sequence, reason: reason) }
        guard !accountName.isEmpty, sequence >= 1 else { throw corrupt("no account or sequence") }
        let account = AccountID(accountName)
        let id = LedgerEntryID(account: account, sequence: UInt64(sequence))
        let at = BillingTime(unixSeconds: row[5])
        let reservationSequence: Int64? = row[4]
        let reservationID = try reservationSequence.map { value -> ReservationID in
            guard value >= 1 else { throw corrupt("reservation sequence \(value)") }
            return ReservationID(openingEntry: LedgerEntryID(account: account, sequence: UInt64(value)))
        }
        let kindName: String = row[2]
        let kind: LedgerEntry.Kind
        switch kindName {
        case "topUp":
            guard let payment: String = row[6] else { throw corrupt("top-up without a payment id") }
            kind = .topUp(externalPaymentID: payment)
        case "adjustment":
            kind = .adjustment(reason: row[7] ?? "")
        case "open":
            guard let id = reservationID, let e164: String = row[10], Destination.isE164Digits(e164) else { throw corrupt("reservation without a reservation id or number") }
            let destination = Destination(dialled: row[9] ?? "", e164Digits: e164,
                                          classification: DestinationClass(countryISO: row[11] ?? "", kind: LineKind(rawValue: row[12] ?? "") ?? .unknown))
            var rate: Rate?
            if let prefix: String = row[14] {
                guard Destination.isE164Digits(prefix), let price: Int64 = row[16], let first: Int64 = row[17], let next: Int64 = row[18], let fee: Int64 = row[19],
                      BillingIncrement.allowedSeconds.contains(first), BillingIncrement.allowedSeconds.contains(next),
                      (0...Rate.maximumPricePerMinuteMinor).contains(price), (0...Rate.maximumConnectionFeeMinor).contains(fee)
                else { throw corrupt("rate out of range") }
                let from = (row[20] as Int64?).map(BillingTime.init(unixSeconds:))
                let until = (row[21] as Int64?).map(BillingTime.init(unixSeconds:))
                if let from, let until, from >= until { throw corrupt("empty rate validity") }
                rate = Rate(prefix: prefix, description: row[15] ?? "", pricePerMinuteMinor: price,
                            increment: BillingIncrement(firstSeconds: first, nextSeconds: next), connectionFeeMinor: fee,
                            validity: ValidityPeriod(from: from, until: until))
            }
            var allowance: Allowance?
            switch row[22] as String? {
            case "trial"?:
                guard let limit: Int64 = row[26] else { throw corrupt("trial without a limit") }
                allowance = .trial(limitSeconds: limit)
            case "free"?:
                guard let name: String = row[23], let day: Int64 = row[24] else { throw corrupt("free direction without a name or day") }
                allowance = .freeDirection(name: name, localDay: day, dailyCapSeconds: row[25])
            case nil:
                allowance = nil
            case let other?:
                throw corrupt("unknown allowance \(other)")
            }
            guard let allowanceSeconds: Int64 = row[27], let paidSeconds: Int64 = row[28] else { throw corrupt("reservation without its seconds") }
            kind = .reservation(.open(Reservation(
                id: id, caller: row[8] ?? "", destination: destination, planName: row[13] ?? "", openedAt: at, rate: rate,
                allowance: allowance, allowanceSeconds: allowanceSeconds, paidSeconds: paidSeconds, amountMinor: -(row[3] as Int64))))
        case "extend":
            guard let allowanceSeconds: Int64 = row[27], let paidSeconds: Int64 = row[28], let reported: Int64 = row[29] else { throw corrupt("extension without its seconds") }
            kind = .reservation(.extend(ReservationExtension(allowanceSeconds: allowanceSeconds, paidSeconds: paidSeconds, reportedUsedSeconds: reported)))
        case "charge":
            guard let allowanceUsed: Int64 = row[27], let ended: Int64 = row[31], let duration: Int64 = row[32], let billed: Int64 = row[33],
                  let reasonName: String = row[34], let reason = decodeEndReason(reasonName, status: row[35], text: row[7])
            else { throw corrupt("charge without its details") }
            kind = .charge(ChargeDetails(answeredAt: (row[30] as Int64?).map(BillingTime.init(unixSeconds:)), endedAt: BillingTime(unixSeconds: ended),
                                         durationSeconds: duration, allowanceUsedSeconds: allowanceUsed, billedSeconds: billed, endReason: reason))
        case "release":
            kind = .release
        default:
            throw corrupt("unknown kind \(kindName)")
        }
        return LedgerEntry(id: id, kind: kind, amountMinor: row[3], reservationID: reservationID, at: at)
    }

    /// An end reason as (name, status code, text).
    static func encode(_ reason: EndReason) -> (String, Int?, String?) {
        switch reason {
        case .callerHungUp: ("callerHungUp", nil, nil)
        case .calleeHungUp: ("calleeHungUp", nil, nil)
        case .creditExhausted: ("creditExhausted", nil, nil)
        case .unanswered(let status): ("unanswered", status, nil)
        case .failed(let text): ("failed", nil, text)
        case .recoveredAfterCrash: ("recoveredAfterCrash", nil, nil)
        }
    }

    static func decodeEndReason(_ name: String, status: Int?, text: String?) -> EndReason? {
        switch name {
        case "callerHungUp": .callerHungUp
        case "calleeHungUp": .calleeHungUp
        case "creditExhausted": .creditExhausted
        case "unanswered": status.map { .unanswered(statusCode: $0) }
        case "failed": .failed(text ?? "")
        case "recoveredAfterCrash": .recoveredAfterCrash
        default: nil
        }
    }

    /// How the CDR and `zvonokctl` write an end reason: "caller hung up", "unanswered (486)"…
    static func describe(_ reason: EndReason) -> String {
        switch reason {
        case .callerHungUp: "caller hung up"
        case .calleeHungUp: "callee hung up"
        case .creditExhausted: "credit exhausted"
        case .unanswered(let status): "unanswered (\(status))"
        case .failed(let text): "failed: \(text)"
        case .recoveredAfterCrash: "recovered after a crash"
        }
    }
}
