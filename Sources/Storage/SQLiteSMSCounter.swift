import GRDB

/// How many SMS each account has sent per billing day (PRODUCT.md: free SMS, with a daily limit
/// per account against spam). The B2BUA asks before handing an SMS to the trunk; the count lives in
/// the database so that the limit holds across workers, restarts and several daemons on one file.
public final class SQLiteSMSCounter: Sendable {
    /// Days kept: today and the day before (a clock near midnight, a day boundary moved by a
    /// configuration change); older rows are pruned.
    public static let keptDays: Int64 = 2

    private let database: ZvonokDatabase

    /// A counter on `database`.
    public init(database: ZvonokDatabase) {
        self.database = database
    }

    /// Counts one more SMS of `account` on `localDay` (days since 1970-01-01 in the billing zone)
    /// and returns that day's count including this one, in one write transaction, so that two
    /// workers counting at once cannot both see the last free place. Rows of days before
    /// `localDay - keptDays + 1` are removed in the same transaction when the day has none yet.
    public func countOne(account: String, localDay: Int64) async throws -> Int {
        try await database.writer.write { db in
            let isFirstOfDay = try Int.fetchOne(db, sql: "SELECT 1 FROM smsDailyCount WHERE localDay = ? LIMIT 1",
                                                arguments: [localDay]) == nil
            if isFirstOfDay {
                try db.execute(sql: "DELETE FROM smsDailyCount WHERE localDay <= ?", arguments: [localDay - Self.keptDays])
            }
            try db.execute(sql: """
                INSERT INTO smsDailyCount (account, localDay, count) VALUES (?, ?, 1)
                ON CONFLICT (account, localDay) DO UPDATE SET count = count + 1
                """, arguments: [account, localDay])
            return try Int.fetchOne(db, sql: "SELECT count FROM smsDailyCount WHERE account = ? AND localDay = ?",
                                    arguments: [account, localDay]) ?? 0
        }
    }

    /// The SMS `account` has sent on `localDay` (for `zvonokctl` and tests).
    public func count(account: String, localDay: Int64) async throws -> Int {
        try await database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count FROM smsDailyCount WHERE account = ? AND localDay = ?",
                             arguments: [account, localDay]) ?? 0
        }
    }
}
