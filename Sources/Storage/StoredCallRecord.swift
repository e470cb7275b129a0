import Billing
import GRDB

/// A CDR as stored in `call_record` and read back by `zvonokctl cdr`: the `CallDetailRecord` of
/// a settled call, flattened into the columns an operator filters and exports.
public struct StoredCallRecord: Hashable, Sendable, FetchableRecord {
    /// The account billed.
    public let account: String
    /// The sequence of the reservation's opening entry in the account's ledger (the call's id).
    public let reservationSequence: Int64
    /// Who called.
    public let caller: String
    /// The callee as dialled.
    public let calleeDialled: String
    /// The callee as E.164 digits without `+`.
    public let calleeE164: String
    /// The callee's country (ISO 3166-1 alpha-2, "" when unknown).
    public let calleeCountry: String
    /// mobile, landline or unknown.
    public let calleeKind: String
    /// Authorisation time, Unix seconds.
    public let startedAt: Int64
    /// Answer time, Unix seconds, or nil when never answered.
    public let answeredAt: Int64?
    /// End time, Unix seconds.
    public let endedAt: Int64
    /// Talk time, seconds.
    public let durationSeconds: Int64
    /// Seconds that were free (trial or free direction).
    public let freeSeconds: Int64
    /// Seconds billed for the paid part.
    public let billedSeconds: Int64
    /// The plan the call was rated on.
    public let plan: String
    /// The matching rate's prefix, if the destination had a rate.
    public let ratePrefix: String?
    /// Its price per minute, minor units.
    public let ratePriceMinor: Int64?
    /// Its increment, "first/next".
    public let rateIncrement: String?
    /// Its connection fee, minor units.
    public let rateFeeMinor: Int64?
    /// What was charged, minor units.
    public let costMinor: Int64
    /// The currency code.
    public let currency: String
    /// paid, trial or free.
    public let category: String
    /// The free direction's name when `category` is free.
    public let freeDirection: String?
    /// Why the call ended, in words.
    public let endReason: String

    /// The columns in the order of the fields above.
    static let columns = [
        "account", "reservationSequence", "caller", "calleeDialled", "calleeE164", "calleeCountry", "calleeKind",
        "startedAt", "answeredAt", "endedAt", "durationSeconds", "freeSeconds", "billedSeconds", "plan",
        "ratePrefix", "ratePriceMinor", "rateIncrement", "rateFeeMinor", "costMinor", "currency", "category",
        "freeDirection", "endReason",
    ]
    static let insertSQL = "INSERT INTO call_record (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"

    /// The stored form of `record`.
    init(_ record: CallDetailRecord) {
        account = record.account.name
        reservationSequence = Int64(record.reservationID.openingEntry.sequence)
        caller = record.caller
        calleeDialled = record.calleeDialled
        calleeE164 = record.calleeE164Digits
        calleeCountry = record.calleeClass.countryISO
        calleeKind = record.calleeClass.kind.rawValue
        startedAt = record.startedAt.unixSeconds
        answeredAt = record.answeredAt?.unixSeconds
        endedAt = record.endedAt.unixSeconds
        durationSeconds = record.durationSeconds
        freeSeconds = record.freeSeconds
        billedSeconds = record.billedSeconds
        plan = record.planName
        ratePrefix = record.rate?.prefix
        ratePriceMinor = record.rate?.pricePerMinuteMinor
        rateIncrement = record.rate.map { $0.increment.description }
        rateFeeMinor = record.rate?.connectionFeeMinor
        costMinor = record.cost.amountMinor
        currency = record.cost.currency.code
        switch record.category {
        case .paid: (category, freeDirection) = ("paid", nil)
        case .trial: (category, freeDirection) = ("trial", nil)
        case .free(let direction): (category, freeDirection) = ("free", direction)
        }
        endReason = LedgerEntryCoding.describe(record.endReason)
    }

    /// A row of `call_record` selected with `columns`.
    public init(row: Row) {
        account = row["account"]
        reservationSequence = row["reservationSequence"]
        caller = row["caller"]
        calleeDialled = row["calleeDialled"]
        calleeE164 = row["calleeE164"]
        calleeCountry = row["calleeCountry"]
        calleeKind = row["calleeKind"]
        startedAt = row["startedAt"]
        answeredAt = row["answeredAt"]
        endedAt = row["endedAt"]
        durationSeconds = row["durationSeconds"]
        freeSeconds = row["freeSeconds"]
        billedSeconds = row["billedSeconds"]
        plan = row["plan"]
        ratePrefix = row["ratePrefix"]
        ratePriceMinor = row["ratePriceMinor"]
        rateIncrement = row["rateIncrement"]
        rateFeeMinor = row["rateFeeMinor"]
        costMinor = row["costMinor"]
        currency = row["currency"]
        category = row["category"]
        freeDirection = row["freeDirection"]
        endReason = row["endReason"]
    }

    var arguments: StatementArguments {
        [account, reservationSequence, caller, calleeDialled, calleeE164, calleeCountry, calleeKind, startedAt, answeredAt, endedAt,
         durationSeconds, freeSeconds, billedSeconds, plan, ratePrefix, ratePriceMinor, rateIncrement, rateFeeMinor, costMinor, currency,
         category, freeDirection, endReason]
    }
}

/// A filter of `SQLiteLedgerStore.callRecords`: an account and a time window on the start time.
public struct CallRecordFilter: Hashable, Sendable {
    /// Only this account's calls, or every account's.
    public var account: String?
    /// Calls started at or after this Unix second.
    public var sinceUnixSeconds: Int64?
    /// Calls started before this Unix second.
    public var untilUnixSeconds: Int64?
    /// At most this many, oldest first.
    public var limit: Int

    /// A filter; by default every call, at most 1,000,000.
    public init(account: String? = nil, sinceUnixSeconds: Int64? = nil, untilUnixSeconds: Int64? = nil, limit: Int = 1_000_000) {
        self.account = account
        self.sinceUnixSeconds = sinceUnixSeconds
        self.untilUnixSeconds = untilUnixSeconds
        self.limit = limit
    }
}
