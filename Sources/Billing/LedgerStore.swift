/// Why a `LedgerStore` refused an append.
public enum LedgerStoreError: Error, Hashable, Sendable {
    /// Another writer appended to the account since its book was read: the ledger's last sequence
    /// is `actualLastSequence`, not the one expected. Nothing was written; reload the book, decide
    /// again and retry.
    case conflict(account: AccountID, expectedLastSequence: UInt64, actualLastSequence: UInt64)
    /// The entries do not apply to the stored ledger (the store re-checks them with
    /// `AccountBook.apply` or an equivalent in the same transaction). Nothing was written.
    case refused(LedgerError)
}

/// The persistence seam Billing declares and `Storage` implements (SQLite through GRDB by default,
/// PostgreSQL for several nodes). Billing never sees SQL; the edge reads a book, asks the pure
/// core for a decision, and appends the decision's entries here.
///
/// Contract:
/// - `append` is one database transaction, all or nothing. In it the store checks that the
///   account's last stored sequence is `expectedLastSequence` (optimistic concurrency: two calls
///   of one account deciding on the same book cannot both write), re-checks the balance (available
///   credit never below zero, charges within their holds, releases closing exactly one
///   reservation, external payment ids unique) and only then writes the entries and the derived
///   balance together.
/// - Entries are immutable once written: no update, no delete.
/// - `book` replays the stored entries into an `AccountBook` (or loads a checked snapshot plus the
///   entries after it) and so re-checks the invariants on read.
/// - `openReservations` lists every reservation without a release, across accounts, for
///   `CrashRecovery` on start-up.
public protocol LedgerStore: Sendable {
    /// The book of `account` (empty if the account has no entries yet).
    func book(of account: AccountID) async throws -> AccountBook
    /// Appends `entries` (consecutive sequences starting at `expectedLastSequence + 1`) to
    /// `account`'s ledger atomically, or throws `LedgerStoreError` and writes nothing.
    func append(_ entries: [LedgerEntry], to account: AccountID, expectedLastSequence: UInt64) async throws
    /// Every open reservation of every account, oldest first.
    func openReservations() async throws -> [Reservation]
}
