import Billing
import GRDB

/// Why the tariff store refused a request; the message names the plan or account.
public enum TariffStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No plan of this name has been imported.
    case noSuchPlan(String)
    /// No account of this user name exists.
    case noSuchAccount(String)
    /// A plan name that is empty, too long or has control characters.
    case invalidPlanName(String)

    public var description: String {
        switch self {
        case .noSuchPlan(let name): "no tariff plan \"\(name)\" (zvonokctl tariff list shows the plans; tariff import adds one)"
        case .noSuchAccount(let name): "no account \(name)"
        case .invalidPlanName(let name): "\"\(name)\" is not a plan name: 1 to 100 bytes, no control characters"
        }
    }
}

/// One line of `zvonokctl tariff list`.
public struct TariffPlanSummary: Hashable, Sendable {
    /// The plan's name.
    public let name: String
    /// Its currency code.
    public let currency: String
    /// How many times it was imported.
    public let revision: Int64
    /// Its rates.
    public let rateCount: Int
    /// Its free directions.
    public let freeDirectionCount: Int
    /// Accounts assigned to it explicitly (accounts without a plan are on the trial plan).
    public let accountCount: Int
    /// When it was last imported, Unix seconds.
    public let importedAtUnixSeconds: Int64
}

/// A plan as stored: what `TariffPlan` is built from, with the revision that identifies this import.
public struct StoredTariffPlan: Hashable, Sendable {
    /// The plan's name.
    public let name: String
    /// Grows by one with every import of the plan.
    public let revision: Int64
    /// Its rates, in file order.
    public let rates: [Rate]
    /// Its free directions, in file order.
    public let freeDirections: [FreeDirection]
    /// Prefixes refused with 403.
    public let barredPrefixes: [String]

    /// The `TariffPlan`: the trial rule (`trialMinutes`) applies to the plan named
    /// `TariffPlan.trialPlanName` only; days are counted `utcOffsetSeconds` ahead of UTC.
    public func tariffPlan(trialMinutes: Int64, utcOffsetSeconds: Int32) throws(TariffError) -> TariffPlan {
        try TariffPlan(name: name, rates: rates, barredPrefixes: barredPrefixes, freeDirections: freeDirections,
                       trial: name == TariffPlan.trialPlanName ? TrialSettings(limitMinutes: trialMinutes) : nil,
                       utcOffsetSeconds: utcOffsetSeconds)
    }
}

/// Tariff plans, their rates and free directions, and which plan each account is on, in the
/// embedded database. An import replaces a plan's rates (and, when given, its free directions) in
/// one transaction: all or nothing. An account without an assignment is on the trial plan
/// "Пробный", so every new account starts there.
public struct SQLiteTariffStore: Sendable {
    /// The longest plan name.
    public static let maximumPlanNameBytes = 100

    /// The database.
    public let database: ZvonokDatabase

    /// A store on `database`.
    public init(database: ZvonokDatabase) {
        self.database = database
    }

    /// Replaces plan `name`'s rates with `rates` and, unless nil, its free directions with
    /// `freeDirections`, creating the plan if it is new; returns the plan's new revision. Check the
    /// plan first (`TariffPlan(...)` throws for overlapping rates); this only stores it.
    @discardableResult
    public func importPlan(name: String, rates: [Rate], freeDirections: [FreeDirection]?, barredPrefixes: [String]? = nil,
                           atUnixSeconds now: Int64) async throws -> Int64 {
        try Self.checkName(name)
        return try await database.writer.write { db in
            let revision = (try Int64.fetchOne(db, sql: "SELECT revision FROM tariff_plan WHERE name = ?", arguments: [name]) ?? 0) + 1
            try db.execute(sql: """
                INSERT INTO tariff_plan (name, currency, revision, importedAt) VALUES (?, 'RUB', ?, ?)
                ON CONFLICT(name) DO UPDATE SET revision = excluded.revision, importedAt = excluded.importedAt
                """, arguments: [name, revision, now])
            try db.execute(sql: "DELETE FROM tariff_rate WHERE plan = ?", arguments: [name])
            let insertRate = try db.cachedStatement(sql: """
                INSERT INTO tariff_rate (plan, position, prefix, description, priceMinor, firstSeconds, nextSeconds, feeMinor, validFrom, validUntil)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (position, rate) in rates.enumerated() {
                try insertRate.execute(arguments: [name, position, rate.prefix, rate.description, rate.pricePerMinuteMinor, rate.increment.firstSeconds,
                                                   rate.increment.nextSeconds, rate.connectionFeeMinor, rate.validity.from?.unixSeconds, rate.validity.until?.unixSeconds])
            }
            if let freeDirections {
                try db.execute(sql: "DELETE FROM tariff_free_direction WHERE plan = ?", arguments: [name])
                for (position, direction) in freeDirections.enumerated() {
                    try db.execute(sql: "INSERT INTO tariff_free_direction (plan, position, name, firstDate, lastDate, dailyCapSeconds) VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [name, position, direction.name, direction.firstDate.description, direction.lastDate?.description, direction.dailyCapSeconds])
                    for prefix in direction.prefixes {
                        try db.execute(sql: "INSERT INTO tariff_free_prefix (plan, direction, prefix) VALUES (?, ?, ?)", arguments: [name, direction.name, prefix])
                    }
                }
            }
            if let barredPrefixes {
                try db.execute(sql: "DELETE FROM tariff_barred_prefix WHERE plan = ?", arguments: [name])
                for prefix in barredPrefixes {
                    try db.execute(sql: "INSERT INTO tariff_barred_prefix (plan, prefix) VALUES (?, ?)", arguments: [name, prefix])
                }
            }
            return revision
        }
    }

    /// Every plan, by name.
    public func plans() async throws -> [TariffPlanSummary] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.name, p.currency, p.revision, p.importedAt,
                    (SELECT COUNT(*) FROM tariff_rate r WHERE r.plan = p.name),
                    (SELECT COUNT(*) FROM tariff_free_direction f WHERE f.plan = p.name),
                    (SELECT COUNT(*) FROM account_plan a WHERE a.plan = p.name)
                FROM tariff_plan p ORDER BY p.name
                """).map { row in
                TariffPlanSummary(name: row[0], currency: row[1], revision: row[2], rateCount: row[4], freeDirectionCount: row[5],
                                  accountCount: row[6], importedAtUnixSeconds: row[3])
            }
        }
    }

    /// The stored plan `name`, or nil.
    public func plan(named name: String) async throws -> StoredTariffPlan? {
        try await database.writer.read { db in try Self.plan(named: name, db) }
    }

    /// The name and revision of the plan `account` is on (the trial plan when none is assigned);
    /// revision nil when that plan has not been imported.
    public func planOf(account: String) async throws -> (name: String, revision: Int64?) {
        try await database.writer.read { db in
            let name = try String.fetchOne(db.cachedStatement(sql: "SELECT plan FROM account_plan WHERE account = ?"), arguments: [account]) ?? TariffPlan.trialPlanName
            let revision = try Int64.fetchOne(db.cachedStatement(sql: "SELECT revision FROM tariff_plan WHERE name = ?"), arguments: [name])
            return (name, revision)
        }
    }

    /// Puts `account` on plan `plan`; both must exist.
    public func assign(account: String, plan: String, atUnixSeconds now: Int64) async throws {
        try await database.writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM account WHERE username = ?)", arguments: [account]) == true else {
                throw TariffStoreError.noSuchAccount(account)
            }
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tariff_plan WHERE name = ?)", arguments: [plan]) == true else {
                throw TariffStoreError.noSuchPlan(plan)
            }
            try db.execute(sql: """
                INSERT INTO account_plan (account, plan, assignedAt) VALUES (?, ?, ?)
                ON CONFLICT(account) DO UPDATE SET plan = excluded.plan, assignedAt = excluded.assignedAt
                """, arguments: [account, plan, now])
        }
    }

    /// Checks a plan name: 1 to `maximumPlanNameBytes` bytes, no control characters.
    public static func checkName(_ name: String) throws(TariffStoreError) {
        guard !name.isEmpty, name.utf8.count <= maximumPlanNameBytes, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidPlanName(name)
        }
    }

    static func plan(named name: String, _ db: Database) throws -> StoredTariffPlan? {
        guard let revision = try Int64.fetchOne(db, sql: "SELECT revision FROM tariff_plan WHERE name = ?", arguments: [name]) else { return nil }
        let rates = try Row.fetchAll(db, sql: """
            SELECT prefix, description, priceMinor, firstSeconds, nextSeconds, feeMinor, validFrom, validUntil
            FROM tariff_rate WHERE plan = ? ORDER BY position
            """, arguments: [name]).map { row in
            Rate(prefix: row[0], description: row[1], pricePerMinuteMinor: row[2],
                 increment: BillingIncrement(firstSeconds: row[3], nextSeconds: row[4]), connectionFeeMinor: row[5],
                 validity: ValidityPeriod(from: (row[6] as Int64?).map(BillingTime.init(unixSeconds:)), until: (row[7] as Int64?).map(BillingTime.init(unixSeconds:))))
        }
        var prefixes: [String: [String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT direction, prefix FROM tariff_free_prefix WHERE plan = ? ORDER BY rowid", arguments: [name]) {
            prefixes[row[0], default: []].append(row[1])
        }
        let directions = try Row.fetchAll(db, sql: "SELECT name, firstDate, lastDate, dailyCapSeconds FROM tariff_free_direction WHERE plan = ? ORDER BY position",
                                          arguments: [name]).map { row -> FreeDirection in
            let directionName: String = row[0]
            guard let first = CivilDate(iso: row[1]) else { throw TariffStoreError.noSuchPlan(name) }
            let cap: Int64? = row[3]
            return FreeDirection(name: directionName, prefixes: prefixes[directionName] ?? [], firstDate: first,
                                 lastDate: (row[2] as String?).flatMap(CivilDate.init(iso:)), dailyCapMinutes: cap.map { $0 / 60 })
        }
        let barred = try String.fetchAll(db, sql: "SELECT prefix FROM tariff_barred_prefix WHERE plan = ? ORDER BY prefix", arguments: [name])
        return StoredTariffPlan(name: name, revision: revision, rates: rates, freeDirections: directions, barredPrefixes: barred)
    }
}
