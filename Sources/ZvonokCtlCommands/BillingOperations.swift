import Billing
import Numbering
import Registrar
import Storage

/// What `zvonokctl tariff|balance|cdr|account plan` do, apart from argument parsing: imports and
/// shows tariffs, shows and tops up balances, lists and exports CDRs, on the same SQLite file as a
/// running daemon. Every refusal is an `AccountOperations.Failure` naming the problem (exit 1).
public struct BillingOperations: Sendable {
    /// The database's accounts (a top-up needs an existing account).
    public let accounts: SQLiteAccountStore
    /// The ledger.
    public let ledger: SQLiteLedgerStore
    /// The plans.
    public let tariffs: SQLiteTariffStore
    /// The billing edge (top-ups go through it, as the daemon's calls do).
    public let service: BillingService
    /// The configuration's billing settings.
    public let settings: BillingSettings
    /// The clock: "now" for imports, top-ups and `tariff rate`.
    public let nowUnixSeconds: @Sendable () -> Int64
    let clock: BillingClock

    /// Operations on `database` with `settings`.
    public init(database: ZvonokDatabase, settings: BillingSettings, nowUnixSeconds: @escaping @Sendable () -> Int64) {
        accounts = SQLiteAccountStore(database: database)
        ledger = SQLiteLedgerStore(database: database)
        tariffs = SQLiteTariffStore(database: database)
        service = BillingService(ledger: ledger, tariffs: tariffs, settings: settings)
        self.settings = settings
        self.nowUnixSeconds = nowUnixSeconds
        clock = BillingClock(utcOffsetSeconds: settings.utcOffsetSeconds)
    }

    typealias Failure = AccountOperations.Failure

    // MARK: Tariffs

    /// `tariff import PLAN RATES.csv [--free-directions FREE.csv]`: all or nothing.
    public func importTariff(plan name: String, ratesFile: String, ratesText: String, freeFile: String?, freeText: String?) async throws -> String {
        do { try SQLiteTariffStore.checkName(name) } catch { throw Failure(error.description) }
        let rates: [Rate]
        do {
            rates = try TariffCSV.parse(ratesText, utcOffsetSeconds: settings.utcOffsetSeconds)
        } catch {
            throw Failure("\(ratesFile): \(error.description); nothing imported")
        }
        guard !rates.isEmpty else { throw Failure("\(ratesFile): no rates (a header row and one rate per line); nothing imported") }
        var directions: [FreeDirection]?
        if let freeFile, let freeText {
            do {
                directions = try FreeDirectionCSV.parse(freeText)
            } catch {
                throw Failure("\(freeFile): \(error.description); nothing imported")
            }
        }
        let existing = try await tariffs.plan(named: name)
        do {
            _ = try TariffPlan(name: name, rates: rates, freeDirections: directions ?? existing?.freeDirections ?? [],
                               trial: nil, utcOffsetSeconds: settings.utcOffsetSeconds)
        } catch {
            throw Failure("plan \(name): \(error.description); nothing imported")
        }
        let revision = try await tariffs.importPlan(name: name, rates: rates, freeDirections: directions, atUnixSeconds: nowUnixSeconds())
        let freeCount = directions?.count ?? existing?.freeDirections.count ?? 0
        let kept = directions == nil && freeCount > 0 ? " kept" : ""
        return "imported \(rates.count) rates into plan \(name) (revision \(revision), \(freeCount) free directions\(kept))"
    }

    /// `tariff list`: plan, rates, free directions, accounts, revision (tab-separated, with a header).
    public func listTariffs() async throws -> [String] {
        let plans = try await tariffs.plans()
        var lines = ["plan\trates\tfree directions\taccounts\trevision\timported"]
        for plan in plans {
            let trial = plan.name == TariffPlan.trialPlanName ? " (trial, \(settings.trialMinutes) min)" : ""
            lines.append("\(plan.name)\(trial)\t\(plan.rateCount)\t\(plan.freeDirectionCount)\t\(plan.accountCount)\t\(plan.revision)\t\(clock.format(BillingTime(unixSeconds: plan.importedAtUnixSeconds)))")
        }
        return lines
    }

    /// `tariff rate PLAN NUMBER [--at TIME]`: the matching prefix, the rate, free directions, and
    /// what 1, 30, 61 and 3600 seconds cost.
    public func rate(plan name: String, number: String, at atText: String?) async throws -> String {
        let instant = try instant(atText, option: "--at") ?? BillingTime(unixSeconds: nowUnixSeconds())
        let plan = try await builtPlan(name)
        let numbering: NumberingPlan
        do { numbering = try NumberingPlan.bundled() } catch { throw Failure("the numbering plan does not load: \(error)") }
        let destination: Destination
        switch DialledNumber(dialled: number, numbering: numbering) {
        case .incomplete(_, let reason): throw Failure("\"\(number)\": \(reason)")
        case .routable(let routable): destination = routable
        }
        let digits = destination.e164Digits
        let kind = destination.classification
        var lines = ["number:   +\(digits) (\(kind.countryISO.isEmpty ? "unknown country" : kind.countryISO) \(kind.kind.rawValue))",
                     "plan:     \(plan.name)"]
        if plan.isBarred(digits) { lines.append("barred:   calls to +\(digits) are refused with 403") }
        if let direction = plan.freeDirection(for: digits, at: instant) {
            let cap = direction.dailyCapSeconds.map { ", \($0 / 60) min a day" } ?? ""
            lines.append("free:     \(direction.name) (from \(direction.firstDate)\(direction.lastDate.map { " to \($0)" } ?? "")\(cap))")
        }
        if let trial = plan.trial, kind == trial.covers {
            lines.append("trial:    free for the first \(trial.limitSeconds / 60) min of each account")
        }
        guard let rate = plan.rate(for: digits, at: instant) else {
            throw Failure((lines + ["no rate for +\(digits) on plan \(plan.name) at \(clock.format(instant))"]).joined(separator: "\n"))
        }
        lines.append("prefix:   \(rate.prefix) (\(rate.description))")
        let fee = rate.connectionFeeMinor > 0 ? ", connection fee \(Money(amountMinor: rate.connectionFeeMinor))" : ""
        lines.append("rate:     \(Money(amountMinor: rate.pricePerMinuteMinor)) per minute, increment \(rate.increment)\(fee)")
        for seconds: Int64 in [1, 30, 61, 3600] {
            let label = "\(seconds) s:"
            lines.append(label + String(repeating: " ", count: max(1, 10 - label.count)) + "\(rate.cost(seconds: seconds)) (\(rate.increment.billedSeconds(for: seconds)) s billed)")
        }
        return lines.joined(separator: "\n")
    }

    /// `account plan ACCOUNT PLAN`.
    public func assignPlan(account: String, plan: String) async throws -> String {
        do {
            try await tariffs.assign(account: account, plan: plan, atUnixSeconds: nowUnixSeconds())
        } catch let error as TariffStoreError {
            throw Failure(error.description)
        }
        return "\(account) is on plan \(plan)"
    }

    // MARK: Balances

    /// `balance show ACCOUNT`.
    public func showBalance(account name: String) async throws -> String {
        let account = try await existing(name)
        let book = try await ledger.book(of: account)
        let (planName, revision) = try await tariffs.planOf(account: name)
        var lines = [
            "account:   \(name)",
            "plan:      \(planName)\(revision == nil ? " (not imported)" : "")",
            "balance:   \(book.balance)",
            "held:      \(Money(amountMinor: book.heldMinor, currency: book.currency)) by \(book.openReservations.count) calls in progress",
            "available: \(book.available)",
        ]
        if planName == TariffPlan.trialPlanName {
            let limit = settings.trialMinutes * 60
            lines.append("trial:     \(book.trialUsedSeconds) of \(limit) s used")
        }
        lines.append("entries:   \(book.entries.count), \(book.settlements.count) calls settled")
        return lines.joined(separator: "\n")
    }

    /// `balance topup ACCOUNT AMOUNT --payment-id ID`: idempotent per payment id.
    public func topUp(account name: String, amount text: String, paymentID: String) async throws -> String {
        let account = try await existing(name)
        let amountMinor = try Self.parseAmount(text)
        let outcome: TopUpOutcome
        do {
            outcome = try await service.topUp(account: account, amountMinor: amountMinor, paymentID: paymentID, at: BillingTime(unixSeconds: nowUnixSeconds()))
        } catch let error as LedgerError {
            throw Failure(Self.describe(error))
        } catch LedgerStoreError.refused(let error) {
            throw Failure(Self.describe(error))
        }
        let balance = try await ledger.book(of: account).balance
        switch outcome {
        case .credited(let entry):
            return "credited \(Money(amountMinor: entry.amountMinor)) to \(name) (payment \(paymentID)); balance \(balance)"
        case .alreadyRecorded(let entry):
            return "payment \(paymentID) was already credited to \(name) (entry \(entry.id.sequence)); nothing changed; balance \(balance)"
        }
    }

    /// `balance history ACCOUNT`: one line per ledger entry with the balance after it.
    public func history(account name: String) async throws -> [String] {
        let account = try await existing(name)
        let book = try await ledger.book(of: account)
        var lines = ["#\ttime\tentry\tamount\tbalance\tdetails"]
        var balance: Int64 = 0
        for entry in book.entries {
            if entry.isPosted { balance += entry.amountMinor }
            let (kind, details) = Self.describe(entry)
            lines.append("\(entry.id.sequence)\t\(clock.format(entry.at))\t\(kind)\t\(Money(amountMinor: entry.amountMinor, currency: book.currency))\t\(Money(amountMinor: balance, currency: book.currency))\t\(details)")
        }
        return lines
    }

    // MARK: CDRs

    /// The CDR filter of `--account`, `--since`, `--until`.
    public func filter(account: String?, since: String?, until: String?) throws -> CallRecordFilter {
        let sinceInstant = try instant(since, option: "--since")
        let untilInstant = try instant(until, option: "--until")
        if let sinceInstant, let untilInstant, untilInstant <= sinceInstant { throw Failure("--until must be after --since") }
        return CallRecordFilter(account: account, sinceUnixSeconds: sinceInstant?.unixSeconds, untilUnixSeconds: untilInstant?.unixSeconds)
    }

    /// `cdr list`: one tab-separated line per call, with a header.
    public func listRecords(_ filter: CallRecordFilter) async throws -> [String] {
        var lines = ["started\taccount\tcallee\tanswered\tduration\tbilled\tcategory\tplan\trate\tcost\tend"]
        for r in try await ledger.callRecords(filter) {
            let category = r.freeDirection.map { "free (\($0))" } ?? r.category
            let rate = r.ratePrefix.map { prefix in "\(prefix) \(Money(amountMinor: r.ratePriceMinor ?? 0))/min \(r.rateIncrement ?? "")" } ?? "-"
            lines.append([clock.format(BillingTime(unixSeconds: r.startedAt)), r.account, "+\(r.calleeE164)",
                          r.answeredAt.map { clock.format(BillingTime(unixSeconds: $0)) } ?? "-", "\(r.durationSeconds) s", "\(r.billedSeconds) s",
                          category, r.plan, rate, "\(Money(amountMinor: r.costMinor))", r.endReason].joined(separator: "\t"))
        }
        return lines
    }

    /// `cdr export --format csv`: RFC 4180 CSV with a header, times in UTC (ISO 8601), money in
    /// major units with every minor digit.
    public func exportCSV(_ filter: CallRecordFilter) async throws -> [String] {
        var lines = ["account,call,caller,callee_dialled,callee_e164,callee_country,callee_kind,started_at,answered_at,ended_at,duration_seconds,free_seconds,billed_seconds,plan,rate_prefix,rate_per_minute,rate_increment,connection_fee,cost,currency,category,free_direction,end_reason"]
        func amount(_ minor: Int64?) -> String {
            guard let minor else { return "" }
            let text = Money(amountMinor: minor).description
            return String(text.prefix(while: { $0 != " " }))
        }
        for r in try await ledger.callRecords(filter) {
            let fields = [r.account, String(r.reservationSequence), r.caller, r.calleeDialled, "+" + r.calleeE164, r.calleeCountry, r.calleeKind,
                          BillingClock.formatUTC(BillingTime(unixSeconds: r.startedAt)), r.answeredAt.map { BillingClock.formatUTC(BillingTime(unixSeconds: $0)) } ?? "",
                          BillingClock.formatUTC(BillingTime(unixSeconds: r.endedAt)), String(r.durationSeconds), String(r.freeSeconds), String(r.billedSeconds),
                          r.plan, r.ratePrefix ?? "", amount(r.ratePriceMinor), r.rateIncrement ?? "", amount(r.rateFeeMinor), amount(r.costMinor), r.currency,
                          r.category, r.freeDirection ?? "", r.endReason]
            lines.append(fields.map(Self.csvField).joined(separator: ","))
        }
        return lines
    }

    // MARK: Helpers

    /// An amount in roubles as an operator types it ("150.25", "150", "150.25 RUB") in kopecks,
    /// without floating point; positive, at most two decimals.
    static func parseAmount(_ text: String) throws -> Int64 {
        var trimmed = text.trimmingSpaces
        if trimmed.hasSuffix(" RUB") { trimmed = String(trimmed.dropLast(4)).trimmingSpaces }
        guard let money = Money.parse(trimmed, currency: .rub) else {
            throw Failure("\"\(text)\" is not an amount in roubles like 150.25 (digits, at most 2 decimals after a dot)")
        }
        guard money.amountMinor > 0 else { throw Failure("the amount must be more than 0, not \(money)") }
        guard money.amountMinor <= AccountBook.maximumAmountMinor else {
            throw Failure("\(money) is more than the largest top-up, \(Money(amountMinor: AccountBook.maximumAmountMinor))")
        }
        return money.amountMinor
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrencesOfQuote() + "\""
    }

    static func describe(_ error: LedgerError) -> String {
        switch error {
        case .duplicatePayment(let payment): "payment \(payment) is already recorded for another account; nothing changed"
        case .paymentIDReusedWithDifferentAmount(let payment, let recorded, let requested):
            "payment \(payment) was recorded for \(Money(amountMinor: recorded)), not \(Money(amountMinor: requested)); nothing changed"
        case .rejected(_, let reason): reason
        default: error.description
        }
    }

    static func describe(_ entry: LedgerEntry) -> (String, String) {
        let call = entry.reservationID.map { "call #\($0.openingEntry.sequence)" } ?? ""
        switch entry.kind {
        case .topUp(let payment): return ("top-up", "payment \(payment)")
        case .adjustment(let reason): return ("adjustment", reason)
        case .reservation(.open(let r)):
            let what = r.rate.map { "\(r.paidSeconds) s at \(Money(amountMinor: $0.pricePerMinuteMinor))/min" } ?? ""
            let free = r.allowanceSeconds > 0 ? "\(r.allowanceSeconds) s free" : ""
            return ("reservation", "\(call) to +\(r.destination.e164Digits): " + [free, what].filter { !$0.isEmpty }.joined(separator: ", "))
        case .reservation(.extend(let slice)):
            return ("renewal", "\(call): +\(slice.allowanceSeconds + slice.paidSeconds) s after \(slice.reportedUsedSeconds) s of talk")
        case .charge(let details):
            return ("charge", "\(call): \(details.durationSeconds) s talked, \(details.billedSeconds) s billed, \(details.allowanceUsedSeconds) s free")
        case .release: return ("release", "\(call): the rest of the hold returned")
        }
    }

    func existing(_ name: String) async throws -> AccountID {
        guard !name.isEmpty, try accounts.account(username: name) != nil else { throw Failure("no account \(name)") }
        return AccountID(name)
    }

    func builtPlan(_ name: String) async throws -> TariffPlan {
        guard let stored = try await tariffs.plan(named: name) else { throw Failure(TariffStoreError.noSuchPlan(name).description) }
        do {
            return try stored.tariffPlan(trialMinutes: settings.trialMinutes, utcOffsetSeconds: settings.utcOffsetSeconds)
        } catch {
            throw Failure("plan \(name): \(error.description)")
        }
    }

    func instant(_ text: String?, option: String) throws -> BillingTime? {
        guard let text else { return nil }
        guard let instant = clock.parse(text) else {
            throw Failure("\(option) \"\(text)\" is not a time: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (billing time zone) or with Z for UTC")
        }
        return instant
    }
}

extension String {
    /// Leading and trailing spaces and tabs removed.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    /// Every `"` doubled (CSV quoting).
    func replacingOccurrencesOfQuote() -> String {
        var result = ""
        for character in self {
            if character == "\"" { result.append("\"") }
            result.append(character)
        }
        return result
    }
}
