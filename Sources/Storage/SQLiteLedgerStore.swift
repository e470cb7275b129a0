import Billing
import GRDB
import Synchronization

/// `LedgerStore` on the embedded SQLite database, keeping the protocol's contract:
///
/// - `append` is one write transaction. In it: the account's `ledger_account.lastSequence` must be
///   the expected one (else `LedgerStoreError.conflict`, nothing written); the batch is re-checked
///   by `AccountBook.apply` on the stored book (else `.refused`); then the entries are inserted,
///   the derived row (balance, held, trial seconds used, last sequence) and the open-reservation
///   index are written, and each release's CDR goes into `call_record` — all in that transaction.
/// - Entries are immutable: triggers in the schema abort any UPDATE or DELETE of `ledger_entry`.
/// - A payment id is unique across all accounts (a unique index), so one payment cannot credit
///   two accounts either.
/// - `book` replays the stored entries (checking every one and then the invariants, and that the
///   derived row agrees). Books already read are kept in memory and brought up to date with the
///   entries after them — a checked snapshot plus the entries since — so a read costs one lookup
///   of the last sequence when nothing changed. Other processes (zvonokctl beside the daemon)
///   write to the same file; the sequence check makes that safe.
public final class SQLiteLedgerStore: LedgerStore {
    /// The most books kept in memory; past it the cache is emptied and refilled as accounts call.
    public static let maximumCachedBooks = 100_000

    /// The database.
    public let database: ZvonokDatabase
    private let cache = Mutex<[AccountID: AccountBook]>([:])

    /// A store on `database`.
    public init(database: ZvonokDatabase) {
        self.database = database
    }

    public func book(of account: AccountID) async throws -> AccountBook {
        try await database.writer.read { db in try self.currentBook(account, db) }
    }

    /// The same, blocking the calling thread (for tools and tests that are not async).
    public func bookSynchronously(of account: AccountID) throws -> AccountBook {
        try database.writer.read { db in try self.currentBook(account, db) }
    }

    public func append(_ entries: [LedgerEntry], to account: AccountID, expectedLastSequence: UInt64) async throws {
        let book = try await database.writer.write { db in
            try self.append(entries, to: account, expectedLastSequence: expectedLastSequence, db)
        }
        remember(book)
    }

    /// Reads the book, decides and appends in one write transaction: the edge's loop without the
    /// optimistic retry, since no other writer can append between the read and the write (SQLite
    /// has one writer at a time, across processes too). `decide` runs while the write lock is
    /// held, so it must be quick and pure (the credit-control core is: microseconds). The
    /// contract of `append` holds unchanged: the same checks, the same rows.
    public func commit<T: Sendable>(_ account: AccountID, _ decide: @escaping @Sendable (AccountBook) throws -> LedgerDecision<T>) async throws -> T {
        try await commit(account) { book, _ in try decide(book) }
    }

    /// `commit`, with the transaction's connection passed to `decide` (for reads that belong with
    /// the decision, such as the account's plan).
    func commit<T: Sendable>(_ account: AccountID, _ decide: @escaping @Sendable (AccountBook, Database) throws -> LedgerDecision<T>) async throws -> T {
        let (outcome, book) = try await database.writer.write { db -> (T, AccountBook?) in
            let last = try self.lastSequence(of: account, db)
            let book = try self.currentBook(account, db, lastSequence: last)
            let decision = try decide(book, db)
            if decision.entries.isEmpty { return (decision.outcome, nil) }
            // The book just read is current: this transaction holds the write lock.
            return (decision.outcome, try self.write(decision.entries, onto: book, db))
        }
        if let book { remember(book) }
        return outcome
    }

    public func openReservations() async throws -> [Reservation] {
        try await database.writer.read { db in
            let accounts = try String.fetchAll(db, sql: "SELECT DISTINCT account FROM ledger_open_reservation ORDER BY account")
            var open: [Reservation] = []
            for name in accounts where !name.isEmpty {
                open += try self.currentBook(AccountID(name), db).openReservations
            }
            return open.sorted { $0.id < $1.id }
        }
    }

    /// The accounts that have ledger entries, in name order.
    public func accounts() async throws -> [AccountID] {
        try await database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT account FROM ledger_account ORDER BY account").filter { !$0.isEmpty }.map(AccountID.init)
        }
    }

    /// The CDRs `filter` selects, oldest start first.
    public func callRecords(_ filter: CallRecordFilter) async throws -> [StoredCallRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let account = filter.account {
            conditions.append("account = ?")
            _ = arguments.append(contentsOf: [account])
        }
        if let since = filter.sinceUnixSeconds {
            conditions.append("startedAt >= ?")
            _ = arguments.append(contentsOf: [since])
        }
        if let until = filter.untilUnixSeconds {
            conditions.append("startedAt < ?")
            _ = arguments.append(contentsOf: [until])
        }
        _ = arguments.append(contentsOf: [max(0, filter.limit)])
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(StoredCallRecord.columns.joined(separator: ", ")) FROM call_record \(whereClause) ORDER BY startedAt, account, reservationSequence LIMIT ?"
        let finalArguments = arguments
        return try await database.writer.read { db in try StoredCallRecord.fetchAll(db, sql: sql, arguments: finalArguments) }
    }

    // MARK: In a transaction

    private func append(_ entries: [LedgerEntry], to account: AccountID, expectedLastSequence: UInt64, _ db: Database) throws -> AccountBook {
        let stored = try lastSequence(of: account, db)
        guard stored == expectedLastSequence else {
            throw LedgerStoreError.conflict(account: account, expectedLastSequence: expectedLastSequence, actualLastSequence: stored)
        }
        return try write(entries, onto: try currentBook(account, db, lastSequence: stored), db)
    }

    /// Applies `entries` to `book` (the account's current book, read in this transaction) and
    /// writes them with the derived rows.
    private func write(_ entries: [LedgerEntry], onto current: AccountBook, _ db: Database) throws -> AccountBook {
        var book = current
        let account = book.account
        do throws(LedgerError) {
            try book.apply(entries)
        } catch {
            throw LedgerStoreError.refused(error)
        }
        guard !entries.isEmpty else { return book }
        let insert = try db.cachedStatement(sql: LedgerEntryCoding.insertSQL)
        for entry in entries {
            do {
                try insert.execute(arguments: LedgerEntryCoding.arguments(entry))
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                if case .topUp(let payment) = entry.kind { throw LedgerStoreError.refused(.duplicatePayment(externalPaymentID: payment)) }
                throw error
            }
            switch entry.kind {
            case .reservation(.open):
                try db.cachedStatement(sql: "INSERT INTO ledger_open_reservation (account, sequence) VALUES (?, ?)")
                    .execute(arguments: [account.name, Int64(entry.id.sequence)])
            case .release:
                guard let id = entry.reservationID, let settlement = book.settlement(of: id) else {
                    throw LedgerStoreError.refused(.invariantViolated("release \(entry.id) without a settlement"))
                }
                try db.cachedStatement(sql: "DELETE FROM ledger_open_reservation WHERE account = ? AND sequence = ?")
                    .execute(arguments: [account.name, Int64(id.openingEntry.sequence)])
                try db.cachedStatement(sql: StoredCallRecord.insertSQL).execute(arguments: StoredCallRecord(settlement.record).arguments)
            default:
                break
            }
        }
        try db.cachedStatement(sql: """
            INSERT INTO ledger_account (account, currency, lastSequence, balanceMinor, heldMinor, trialUsedSeconds) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(account) DO UPDATE SET lastSequence = excluded.lastSequence, balanceMinor = excluded.balanceMinor,
                heldMinor = excluded.heldMinor, trialUsedSeconds = excluded.trialUsedSeconds
            """).execute(arguments: [account.name, book.currency.code, Int64(book.lastSequence), book.balanceMinor, book.heldMinor, book.trialUsedSeconds])
        return book
    }

    private func lastSequence(of account: AccountID, _ db: Database) throws -> UInt64 {
        let value = try Int64.fetchOne(db.cachedStatement(sql: "SELECT lastSequence FROM ledger_account WHERE account = ?"), arguments: [account.name]) ?? 0
        guard value >= 0 else { throw LedgerStoreError.refused(.invariantViolated("negative last sequence for \(account)")) }
        return UInt64(value)
    }

    private func currentBook(_ account: AccountID, _ db: Database) throws -> AccountBook {
        try currentBook(account, db, lastSequence: try lastSequence(of: account, db))
    }

    /// The book at `last`: the cached one if it is there, else the cached one advanced by the
    /// entries after it, else a full replay (checked, and compared with the derived row).
    private func currentBook(_ account: AccountID, _ db: Database, lastSequence last: UInt64) throws -> AccountBook {
        var book = cache.withLock { $0[account] } ?? AccountBook(account: account)
        if book.lastSequence == last { return book }
        if book.lastSequence > last { book = AccountBook(account: account) }
        let rows = try Row.fetchCursor(db.cachedStatement(sql: LedgerEntryCoding.selectSQL + " WHERE account = ? AND sequence > ? ORDER BY sequence"),
                                       arguments: [account.name, Int64(book.lastSequence)])
        var entries: [LedgerEntry] = []
        while let row = try rows.next() { entries.append(try LedgerEntryCoding.entry(row)) }
        if book.lastSequence == 0 {
            book = try AccountBook(account: account, replaying: entries)
            try checkDerivedRow(of: book, db)
        } else {
            try book.apply(entries)
        }
        guard book.lastSequence == last else {
            throw LedgerStoreError.refused(.invariantViolated("\(account): ledger_account says \(last) entries, the ledger has \(book.lastSequence)"))
        }
        remember(book)
        return book
    }

    private func checkDerivedRow(of book: AccountBook, _ db: Database) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT balanceMinor, heldMinor, trialUsedSeconds FROM ledger_account WHERE account = ?", arguments: [book.account.name]) else {
            guard book.entries.isEmpty else { throw LedgerStoreError.refused(.invariantViolated("\(book.account) has entries but no ledger_account row")) }
            return
        }
        let balance: Int64 = row[0]
        let held: Int64 = row[1]
        let trialUsed: Int64 = row[2]
        guard balance == book.balanceMinor, held == book.heldMinor, trialUsed == book.trialUsedSeconds else {
            throw LedgerStoreError.refused(.invariantViolated(
                "\(book.account): stored balance \(balance)/held \(held)/trial \(trialUsed), entries say \(book.balanceMinor)/\(book.heldMinor)/\(book.trialUsedSeconds)"))
        }
    }

    private func remember(_ book: AccountBook) {
        cache.withLock { books in
            if let cached = books[book.account], cached.lastSequence >= book.lastSequence { return }
            if books.count >= Self.maximumCachedBooks { books.removeAll(keepingCapacity: true) }
            books[book.account] = book
        }
    }

    /// Forgets the books kept in memory (tests use it to force a replay from the file).
    public func forgetCachedBooks() {
        cache.withLock { $0.removeAll() }
    }
}
