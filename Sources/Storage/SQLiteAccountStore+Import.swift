import GRDB
import Registrar

extension SQLiteAccountStore {
    /// Inserts every account in one transaction: all of them or, when one fails (a user name or
    /// phone number taken meanwhile), none. For `zvonokctl account import`.
    public func insertAll(_ accounts: [Account]) throws {
        var current: Account?
        do {
            try database.writer.write { db in
                for account in accounts {
                    current = account
                    var row = AccountRow(account)
                    try row.insert(db)
                }
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            let account = current
            let what = (error.message ?? "").contains("phoneNumber")
                ? "phone number \(account?.phoneNumber ?? "")" : "user name \(account?.username ?? "")"
            throw AccountStoreError.duplicate(what)
        }
    }
}
