import Registrar
import Storage

/// `zvonokctl account import FILE.csv`: many accounts at once (load tests, migrations), all or
/// none. Each line is `username,password[,display_name[,phone]]`; a first line whose first field
/// is `username` is a header and skipped; blank lines are skipped; a field may be quoted with
/// `"` (RFC 4180: `""` inside is one quote), which a password or display name with a comma
/// needs. Every line is checked before anything is written (user name, password length, phone,
/// duplicates within the file and against the database) and every problem is reported with its
/// line number; then all accounts are inserted in one transaction, so a failure leaves the
/// database as it was.
public enum AccountImport {
    /// The most lines one import takes (a bound, as everywhere).
    public static let maximumRows = 1_000_000
    /// The most problems listed before the report is cut short.
    public static let maximumProblemsListed = 20

    /// One data line of the file.
    public struct Row: Sendable, Equatable {
        public var line: Int
        public var username: String
        public var password: String
        public var displayName: String?
        public var phoneNumber: String?
    }

    /// A problem with one line of the file.
    public struct Problem: Sendable, Equatable {
        public var line: Int
        public var text: String
    }

    /// Splits the file into rows; malformed lines come back as problems, with their numbers.
    public static func parse(_ text: String) throws(AccountOperations.Failure) -> (rows: [Row], problems: [Problem]) {
        var rows: [Row] = []
        var problems: [Problem] = []
        var sawData = false
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields: [String]
            switch splitFields(line) {
            case .success(let value): fields = value
            case .failure(let why):
                problems.append(Problem(line: lineNumber, text: why))
                continue
            }
            if !sawData, fields.first?.lowercased() == "username" {
                sawData = true
                continue
            }
            sawData = true
            guard (2...4).contains(fields.count) else {
                problems.append(Problem(line: lineNumber, text: "\(fields.count) field\(fields.count == 1 ? "" : "s"), expected username,password[,display_name[,phone]]"))
                continue
            }
            guard rows.count < maximumRows else {
                throw AccountOperations.Failure("line \(lineNumber): more than \(maximumRows) accounts in one import; split the file")
            }
            func optional(_ index: Int) -> String? {
                guard index < fields.count else { return nil }
                let value = fields[index].trimmingSpaces
                return value.isEmpty ? nil : value
            }
            rows.append(Row(line: lineNumber, username: fields[0].trimmingSpaces, password: fields[1],
                            displayName: optional(2), phoneNumber: optional(3)))
        }
        guard !rows.isEmpty || !problems.isEmpty else { throw AccountOperations.Failure("no accounts in the file") }
        return (rows, problems)
    }

    /// The accounts the rows describe, with their digests; every invalid or duplicate row is
    /// reported, with the parsing problems, in line order. `usernameTaken` and
    /// `phoneNumberTaken` say what the database already has.
    public static func accounts(from rows: [Row], parsingProblems: [Problem] = [], realm: String, nowUnixSeconds: Int64,
                                usernameTaken: (String) throws -> Bool,
                                phoneNumberTaken: (String) throws -> Bool) throws -> [Account] {
        var problems = parsingProblems
        var lineOfUsername: [String: Int] = [:]
        var lineOfPhone: [String: Int] = [:]
        var accounts: [Account] = []
        accounts.reserveCapacity(rows.count)
        for row in rows {
            var rowProblems: [String] = []
            do {
                try Account.validateUsername(row.username)
                if let first = lineOfUsername[row.username] {
                    rowProblems.append("user name \(row.username) is also on line \(first)")
                } else if try usernameTaken(row.username) {
                    rowProblems.append("user name \(row.username) is already taken")
                }
            } catch let error as AccountValidationError {
                rowProblems.append(error.description)
            }
            do {
                try AccountOperations.checkPassword(row.password)
            } catch let error as AccountOperations.Failure {
                rowProblems.append(error.message)
            }
            if let phone = row.phoneNumber {
                do {
                    try Account.validatePhoneNumber(phone)
                    if let first = lineOfPhone[phone] {
                        rowProblems.append("phone number \(phone) is also on line \(first)")
                    } else if try phoneNumberTaken(phone) {
                        rowProblems.append("phone number \(phone) is already taken")
                    }
                } catch let error as AccountValidationError {
                    rowProblems.append(error.description)
                }
            }
            lineOfUsername[row.username] = lineOfUsername[row.username] ?? row.line
            if let phone = row.phoneNumber { lineOfPhone[phone] = lineOfPhone[phone] ?? row.line }
            guard rowProblems.isEmpty else {
                problems.append(contentsOf: rowProblems.map { Problem(line: row.line, text: $0) })
                continue
            }
            let digests = AccountOperations.digests(username: row.username, realm: realm, password: row.password)
            accounts.append(Account(username: row.username, displayName: row.displayName ?? row.username,
                                    phoneNumber: row.phoneNumber, realm: realm, ha1MD5: digests.md5,
                                    ha1SHA256: digests.sha256, createdAtUnixSeconds: nowUnixSeconds))
        }
        try report(problems)
        return accounts
    }

    static func report(_ problems: [Problem]) throws(AccountOperations.Failure) {
        guard !problems.isEmpty else { return }
        let sorted = problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
        var listed = sorted.prefix(maximumProblemsListed).map { "line \($0.element.line): \($0.element.text)" }
        if problems.count > listed.count { listed.append("… and \(problems.count - listed.count) more") }
        throw AccountOperations.Failure("nothing imported: \(problems.count) problem\(problems.count == 1 ? "" : "s")\n"
                                        + listed.joined(separator: "\n"))
    }

    enum SplitResult { case success([String]), failure(String) }

    /// RFC 4180 fields of one line: separated by commas, optionally quoted.
    static func splitFields(_ line: Substring) -> SplitResult {
        var fields: [String] = []
        var field = ""
        var index = line.startIndex
        var quoted = false
        var atFieldStart = true
        while index < line.endIndex {
            let c = line[index]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        field.append("\"")
                        index = line.index(after: next)
                        continue
                    }
                    quoted = false
                    index = next
                    guard index == line.endIndex || line[index] == "," else {
                        return .failure("text after a closing quote")
                    }
                    continue
                }
                field.append(c)
            } else if c == "," {
                fields.append(field)
                field = ""
                atFieldStart = true
                index = line.index(after: index)
                continue
            } else if c == "\"" && atFieldStart && field.allSatisfy({ $0 == " " }) {
                quoted = true
                field = ""
            } else {
                field.append(c)
            }
            atFieldStart = false
            index = line.index(after: index)
        }
        if quoted { return .failure("a quote is not closed (a field cannot span lines)") }
        fields.append(field)
        return .success(fields)
    }
}

/// A store that can insert many accounts in one transaction (all or none).
public protocol BatchAccountInserting {
    func insertAll(_ accounts: [Account]) throws
}

extension SQLiteAccountStore: BatchAccountInserting {}

extension AccountOperations {
    /// Imports the CSV text; returns how many accounts were added. Nothing is added when any
    /// line is wrong.
    public func importAccounts(csv text: String) throws -> Int {
        let (rows, problems) = try AccountImport.parse(text)
        let accounts = try AccountImport.accounts(
            from: rows, parsingProblems: problems, realm: realm, nowUnixSeconds: nowUnixSeconds(),
            usernameTaken: { try store.account(username: $0) != nil },
            phoneNumberTaken: { try store.account(phoneNumber: $0) != nil })
        do {
            if let batch = store as? any BatchAccountInserting {
                try batch.insertAll(accounts)
            } else {
                var inserted: [String] = []
                do {
                    for account in accounts {
                        _ = try store.insert(account)
                        inserted.append(account.username)
                    }
                } catch {
                    for username in inserted { _ = try? store.delete(username: username) }
                    throw error
                }
            }
        } catch let error as AccountStoreError {
            // Taken between the check and the insert (another zvonokctl at the same time).
            throw Failure("nothing imported: \(error.description)")
        }
        return accounts.count
    }
}
