import ArgumentParser
import Foundation

/// `zvonokctl`: the operator's command-line tool. Each subcommand lives in its own file.
public struct ZvonokCtl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "zvonokctl",
        abstract: "Operate a Zvonok SIP server.",
        subcommands: [LintCommand.self, AccountCommand.self, TariffCommand.self, BalanceCommand.self, CDRCommand.self]
    )

    public init() {}

    /// Runs the command line and returns the exit status. Usage errors exit with 2 (as the
    /// subcommands document), not ArgumentParser's default 64.
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                return 0
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            return code == .validationFailure ? 2 : code.rawValue
        }
    }
}
