import GRDB
import Registrar

/// `AccountStore` on the embedded SQLite database.
public struct SQLiteAccountStore: AccountStore {
    let database: ZvonokDatabase

    public init(database: ZvonokDatabase) { self.database = database }

    public func account(username: String) throws -> Account? {
        try database.writer.read { db in try AccountRow.filter(Column("username") == username).fetchOne(db)?.account }
    }

    public func account(phoneNumber: String) throws -> Account? {
        try database.writer.read { db in try AccountRow.filter(Column("phoneNumber") == phoneNumber).fetchOne(db)?.account }
    }

    public func accounts() throws -> [Account] {
        try database.writer.read { db in try AccountRow.order(Column("username")).fetchAll(db).map(\.account) }
    }

    public func revision() throws -> Int64 {
        try database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT revision FROM accountRevision WHERE id = 1") ?? 0 }
    }

    public func insert(_ account: Account) throws -> Account {
        do {
            return try database.writer.write { db in
                var row = AccountRow(account)
                try row.insert(db)
                return row.account
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            let what = (error.message ?? "").contains("phoneNumber") ? "phone number \(account.phoneNumber ?? "")" : "user name \(account.username)"
            throw AccountStoreError.duplicate(what)
        }
    }

    public func update(_ account: Account) throws {
        guard account.id != nil else { throw AccountStoreError.notFound(account.username) }
        do {
            try database.writer.write { db in
                let row = AccountRow(account)
                guard try AccountRow.exists(db, key: row.id) else { throw AccountStoreError.notFound(account.username) }
                try row.update(db)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AccountStoreError.duplicate("phone number \(account.phoneNumber ?? "")")
        }
    }

    public func delete(username: String) throws -> Bool {
        try database.writer.write { db in try AccountRow.filter(Column("username") == username).deleteAll(db) > 0 }
    }
}

/// The `account` table's row.
struct AccountRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "account"
    var id: Int64?
    var username: String
    var displayName: String
    var phoneNumber: String?
    var enabled: Bool
    var realm: String
    var ha1MD5: String
    var ha1SHA256: String
    var createdAt: Int64

    init(_ a: Account) {
        id = a.id
        username = a.username
        displayName = a.displayName
        phoneNumber = a.phoneNumber
        enabled = a.enabled
        realm = a.realm
        ha1MD5 = a.ha1MD5
        ha1SHA256 = a.ha1SHA256
        createdAt = a.createdAtUnixSeconds
    }

    var account: Account {
        Account(id: id, username: username, displayName: displayName, phoneNumber: phoneNumber, enabled: enabled,
                realm: realm, ha1MD5: ha1MD5, ha1SHA256: ha1SHA256, createdAtUnixSeconds: createdAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
