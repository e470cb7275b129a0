import Foundation
import GRDB

/// The embedded database (SQLite through GRDB, ARCHITECTURE "Storage"): one file, WAL mode so
/// that the daemon reads while `zvonokctl` writes, a busy timeout so that neither fails on the
/// other's lock, and the migrations, run on every open.
public final class ZvonokDatabase: Sendable {
    /// How hard a commit waits for the disk (SQLite's `synchronous` in WAL mode).
    public enum Durability: Sendable {
        /// `synchronous=NORMAL` (what GRDB sets for a pool): a commit is in the WAL file before it
        /// returns, and survives the process being killed (SIGKILL, a crash: `LedgerCrashTests`);
        /// the WAL is synced at checkpoints, so a power loss or kernel crash may roll back the
        /// last commits, never corrupt the file or split a transaction. About 13 times the
        /// commits per second of `.powerLoss` on this VM's disk (46,600 vs 3,580 bare commits).
        /// The default.
        case processCrash
        /// `synchronous=FULL`: every commit is synced to the disk before it returns.
        case powerLoss
    }

    /// The pool every store shares.
    public let writer: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating when needed) the database at `path` and migrates it to the current schema.
    public init(path: String, durability: Durability = .processCrash) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        configuration.label = "zvonok"
        writer = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        // GRDB sets NORMAL on the pool's one writing connection when it opens; only that
        // connection commits, so this is where FULL goes.
        if durability == .powerLoss {
            try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        try Self.migrator.migrate(writer)
    }

    /// The schema, one migration per change; never edit a shipped one, add the next.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 accounts") { db in
            try db.create(table: "account") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("username", .text).notNull().unique(onConflict: .abort)
                t.column("displayName", .text).notNull()
                t.column("phoneNumber", .text).unique(onConflict: .abort)
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("realm", .text).notNull()
                t.column("ha1MD5", .text).notNull()
                t.column("ha1SHA256", .text).notNull()
                t.column("createdAt", .integer).notNull()
            }
        }
        registerBillingMigrations(&migrator)
        migrator.registerMigration("v3 registrar bindings and secrets") { db in
            try db.create(table: "registrarBinding") { t in
                t.column("username", .text).notNull()
                t.column("contact", .text).notNull()
                t.column("qThousandths", .integer)
                t.column("expiresAt", .integer).notNull()
                t.column("callID", .text).notNull()
                t.column("cseq", .integer).notNull()
                t.column("peer", .text).notNull()
                t.primaryKey(["username", "contact"])
            }
            try db.create(table: "serverSecret") { t in
                t.primaryKey("name", .text)
                t.column("value", .blob).notNull()
            }
            // One row counting account changes, moved by triggers whoever writes (the daemon's
            // account cache polls it instead of rereading every account).
            try db.execute(sql: """
                CREATE TABLE accountRevision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
                INSERT INTO accountRevision (id, revision) VALUES (1, 0);
                CREATE TRIGGER accountInserted AFTER INSERT ON account BEGIN
                    UPDATE accountRevision SET revision = revision + 1 WHERE id = 1; END;
                CREATE TRIGGER accountUpdated AFTER UPDATE ON account BEGIN
                    UPDATE accountRevision SET revision = revision + 1 WHERE id = 1; END;
                CREATE TRIGGER accountDeleted AFTER DELETE ON account BEGIN
                    UPDATE accountRevision SET revision = revision + 1 WHERE id = 1; END;
                """)
        }
        migrator.registerMigration("v4 sms daily counts") { db in
            try db.execute(sql: """
                CREATE TABLE smsDailyCount (
                    account TEXT NOT NULL,
                    localDay INTEGER NOT NULL,
                    count INTEGER NOT NULL CHECK (count >= 0),
                    PRIMARY KEY (account, localDay)
                ) WITHOUT ROWID;
                CREATE INDEX smsDailyCountDay ON smsDailyCount(localDay);
                """)
        }
        return migrator
    }

    /// The server secret called `name` (e.g. the key of digest nonces): created at random on
    /// first use and kept, so that every process on this database agrees on it and a restart does
    /// not invalidate the nonces clients hold.
    public func serverSecret(named name: String, byteCount: Int = 32) throws -> [UInt8] {
        try writer.write { db in
            if let data = try Data.fetchOne(db, sql: "SELECT value FROM serverSecret WHERE name = ?", arguments: [name]) {
                return [UInt8](data)
            }
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            try db.execute(sql: "INSERT INTO serverSecret (name, value) VALUES (?, ?)", arguments: [name, Data(bytes)])
            return bytes
        }
    }

    /// The migrations applied so far, oldest first (for `zvonokctl` and tests).
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }
}
