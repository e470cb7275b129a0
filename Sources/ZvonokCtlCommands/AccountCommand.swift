import ArgumentParser
import Foundation
import Registrar
import Storage
import ZvonokConfig

/// Where the account commands find the database and the realm: the daemon's configuration file
/// (and its ZVONOK_… environment), or an explicit `--database` and `--realm`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's configuration file (for database.path and realm).")
    var config: String = "/etc/zvonok/zvonok.yaml"

    @Option(name: .long, help: "The SQLite database, instead of the configuration's database.path.")
    var database: String?

    @Option(name: .long, help: "The digest realm, instead of the configuration's realm.")
    var realm: String?

    /// Opens the store and works out the realm.
    func operations() async throws -> AccountOperations {
        var path = database
        var realm = self.realm
        if path == nil || realm == nil {
            let configuration = try await ConfigurationLoader.load(
                file: config, environment: ProcessInfo.processInfo.environment,
                coreCount: ProcessInfo.processInfo.activeProcessorCount)
            path = path ?? configuration.database.path
            realm = realm ?? configuration.realm
        }
        let store = SQLiteAccountStore(database: try ZvonokDatabase(path: path!))
        return AccountOperations(store: store, realm: realm!, nowUnixSeconds: { Int64(Date().timeIntervalSince1970) })
    }
}

/// `zvonokctl account`: manage the users who register and call (works beside a running daemon:
/// the database is shared in WAL mode).
public struct AccountCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Manage accounts: add, list, show, passwd, enable, disable, delete, plan.",
        discussion: "Passwords are read from the terminal (asked twice, not echoed) or, with --password-stdin, from the first line of standard input; never from the command line. Only their digests (MD5 and SHA-256 HA1) are stored.",
        subcommands: [Add.self, List.self, Show.self, Passwd.self, Enable.self, Disable.self, Delete.self, Import.self, Plan.self])

    public init() {}

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account.")
        @OptionGroup var options: DatabaseOptions
        @Argument(help: "User name (the user part of sip:USER@domain).") var username: String
        @Option(name: .long, help: "Display name.") var displayName: String?
        @Option(name: .long, help: "E.164 phone number the account is also reached by, e.g. +74951112233.") var phone: String?
        @Flag(name: .long, help: "Read the password from standard input.") var passwordStdin = false

        func run() async throws {
            let operations = try await options.operations()
            let password = try PasswordInput.read(fromStandardInput: passwordStdin)
            let account = try operations.add(username: username, displayName: displayName, phoneNumber: phone, password: password)
            print("added \(account.username) (realm \(account.realm))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts: user, state, phone, display name (tab-separated).")
        @OptionGroup var options: DatabaseOptions
        func run() async throws {
            for line in try await options.operations().list() { print(line) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one account.")
        @OptionGroup var options: DatabaseOptions
        @Argument var username: String
        func run() async throws { print(try await options.operations().show(username: username)) }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set an account's password.")
        @OptionGroup var options: DatabaseOptions
        @Argument var username: String
        @Flag(name: .long, help: "Read the password from standard input.") var passwordStdin = false
        func run() async throws {
            let operations = try await options.operations()
            try operations.setPassword(username: username, password: try PasswordInput.read(fromStandardInput: passwordStdin))
            print("password of \(username) changed")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let an account register and call again.")
        @OptionGroup var options: DatabaseOptions
        @Argument var username: String
        func run() async throws {
            try await options.operations().setEnabled(username: username, true)
            print("\(username) enabled")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop an account from registering, calling and being called.")
        @OptionGroup var options: DatabaseOptions
        @Argument var username: String
        func run() async throws {
            try await options.operations().setEnabled(username: username, false)
            print("\(username) disabled")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account.")
        @OptionGroup var options: DatabaseOptions
        @Argument var username: String
        func run() async throws {
            try await options.operations().delete(username: username)
            print("\(username) deleted")
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put an account on a tariff plan (new accounts are on the trial plan Пробный).")
        @OptionGroup var options: BillingOptions
        @Argument var username: String
        @Argument(help: "The plan, as tariff list shows it.") var plan: String
        func run() async throws {
            print(try await options.operations().assignPlan(account: username, plan: plan))
        }
    }
}
