/// What the registrar and the proxy need from account storage (ARCHITECTURE: a domain target
/// declares its store protocol; `Storage` implements it for SQLite and, later, PostgreSQL).
/// Calls may block on the database: the daemon makes them off its workers.
public protocol AccountStore: Sendable {
    /// The account with this user name, or nil.
    func account(username: String) throws -> Account?
    /// The account reached by this E.164 number, or nil.
    func account(phoneNumber: String) throws -> Account?
    /// Every account, by user name.
    func accounts() throws -> [Account]
    /// A number that changes whenever any account is added, changed or deleted, by any process:
    /// a cache reloads `accounts()` only when it moved.
    func revision() throws -> Int64
    /// Stores a new account; throws `AccountStoreError.duplicate` when the user name or the
    /// phone number is taken. Returns it with its id.
    func insert(_ account: Account) throws -> Account
    /// Replaces the stored account with the same id; throws `.notFound` when there is none.
    func update(_ account: Account) throws
    /// Deletes the account; returns whether there was one.
    func delete(username: String) throws -> Bool
}

/// Failures an account store reports in its domain's terms.
public enum AccountStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case duplicate(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .duplicate(let what): "\(what) is already taken"
        case .notFound(let what): "no account \(what)"
        }
    }
}
