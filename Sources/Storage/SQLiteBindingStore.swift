import GRDB
import Registrar

/// `BindingStore` on the embedded SQLite database: one row per (user, contact).
public struct SQLiteBindingStore: BindingStore {
    let database: ZvonokDatabase

    public init(database: ZvonokDatabase) { self.database = database }

    public func loadBindings() throws -> [Binding<String>] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT username, contact, qThousandths, expiresAt, callID, cseq, peer FROM registrarBinding
                ORDER BY username, contact
                """).map { row in
                Binding(username: row["username"], contact: row["contact"], qThousandths: row["qThousandths"],
                        expiresAtUnixSeconds: row["expiresAt"], callID: row["callID"],
                        cseq: UInt32(clamping: row["cseq"] as Int64), peer: row["peer"])
            }
        }
    }

    public func apply(_ changes: [BindingChange<String>]) throws {
        guard !changes.isEmpty else { return }
        try database.writer.write { db in
            for change in changes {
                switch change {
                case .upsert(let b):
                    // Cached: compiled once per connection, not once per REGISTER.
                    try db.cachedStatement(sql: """
                        INSERT INTO registrarBinding (username, contact, qThousandths, expiresAt, callID, cseq, peer)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (username, contact) DO UPDATE SET qThousandths = excluded.qThousandths,
                          expiresAt = excluded.expiresAt, callID = excluded.callID, cseq = excluded.cseq, peer = excluded.peer
                        """).execute(arguments: [b.username, b.contact, b.qThousandths, b.expiresAtUnixSeconds, b.callID,
                                                 Int64(b.cseq), b.peer])
                case .remove(let username, let contact):
                    try db.cachedStatement(sql: "DELETE FROM registrarBinding WHERE username = ? AND contact = ?")
                        .execute(arguments: [username, contact])
                }
            }
        }
    }
}
