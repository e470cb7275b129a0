import Registrar
import SIPCore

/// What `zvonokctl account …` does, apart from argument parsing and terminals: creating,
/// changing and listing accounts in an `AccountStore`, with HA1 digests computed here (RFC 7616
/// §3.4.2, RFC 8760) so that no password is ever stored.
public struct AccountOperations {
    public let store: any AccountStore
    public let realm: String
    public let nowUnixSeconds: () -> Int64

    public init(store: any AccountStore, realm: String, nowUnixSeconds: @escaping () -> Int64) {
        self.store = store
        self.realm = realm
        self.nowUnixSeconds = nowUnixSeconds
    }

    /// The shortest password accepted.
    public static let minimumPasswordLength = 8

    /// Why an operation is refused; the CLI prints it and exits 1.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    public func add(username: String, displayName: String?, phoneNumber: String?, password: String) throws -> Account {
        do {
            try Account.validateUsername(username)
            if let phoneNumber { try Account.validatePhoneNumber(phoneNumber) }
        } catch {
            throw Failure(error.description)
        }
        try Self.checkPassword(password)
        let digests = Self.digests(username: username, realm: realm, password: password)
        let account = Account(username: username, displayName: displayName ?? username, phoneNumber: phoneNumber,
                              realm: realm, ha1MD5: digests.md5, ha1SHA256: digests.sha256,
                              createdAtUnixSeconds: nowUnixSeconds())
        do {
            return try store.insert(account)
        } catch let error as AccountStoreError {
            throw Failure(error.description)
        }
    }

    public func setPassword(username: String, password: String) throws {
        try Self.checkPassword(password)
        var account = try existing(username)
        let digests = Self.digests(username: username, realm: realm, password: password)
        account.realm = realm
        account.ha1MD5 = digests.md5
        account.ha1SHA256 = digests.sha256
        try store.update(account)
    }

    public func setEnabled(username: String, _ enabled: Bool) throws {
        var account = try existing(username)
        account.enabled = enabled
        try store.update(account)
    }

    public func delete(username: String) throws {
        guard try store.delete(username: username) else { throw Failure("no account \(username)") }
    }

    public func show(username: String) throws -> String {
        let a = try existing(username)
        return """
            username:     \(a.username)
            display name: \(a.displayName)
            phone:        \(a.phoneNumber ?? "-")
            enabled:      \(a.enabled ? "yes" : "no")
            realm:        \(a.realm)\(a.realm == realm ? "" : " (the server's realm is \(realm): set the password again)")
            created:      \(a.createdAtUnixSeconds)
            """
    }

    /// One line per account: user name, enabled, phone, display name, tab-separated.
    public func list() throws -> [String] {
        try store.accounts().map { a in
            [a.username, a.enabled ? "enabled" : "disabled", a.phoneNumber ?? "-", a.displayName].joined(separator: "\t")
        }
    }

    private func existing(_ username: String) throws -> Account {
        guard let account = try store.account(username: username) else { throw Failure("no account \(username)") }
        return account
    }

    static func checkPassword(_ password: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw Failure("the password must have at least \(minimumPasswordLength) characters")
        }
        guard !password.contains(where: { $0 == "\n" || $0 == "\r" }) else { throw Failure("the password must be one line") }
    }

    /// HA1 for both algorithms a registrar offers (RFC 8760 §2).
    public static func digests(username: String, realm: String, password: String) -> (md5: String, sha256: String) {
        (Digest.ha1(username: username, realm: realm, password: password, algorithm: .md5),
         Digest.ha1(username: username, realm: realm, password: password, algorithm: .sha256))
    }
}
