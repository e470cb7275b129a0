import ArgumentParser

/// `zvonokctl balance`: show an account's balance, top it up, list its ledger.
public struct BalanceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Show balances, top them up, read the ledger: show, topup, history.",
        discussion: "Amounts are roubles with at most two decimals (150.25 is 15025 kopecks). A top-up carries the payment system's id: the same id again credits nothing.",
        subcommands: [Show.self, TopUp.self, History.self])

    public init() {}

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Balance, held and available credit, plan and trial minutes.")
        @OptionGroup var options: BillingOptions
        @Argument var account: String
        func run() async throws { print(try await options.operations().showBalance(account: account)) }
    }

    struct TopUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "topup", abstract: "Credit a payment to an account (idempotent per payment id).")
        @OptionGroup var options: BillingOptions
        @Argument var account: String
        @Argument(help: "Roubles, e.g. 150.25.") var amount: String
        @Option(name: .long, help: "The payment's id in the payment system.") var paymentID: String

        func validate() throws {
            guard !paymentID.isEmpty else { throw ValidationError("--payment-id must not be empty") }
        }

        func run() async throws {
            print(try await options.operations().topUp(account: account, amount: amount, paymentID: paymentID))
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every ledger entry of an account with the balance after it (tab-separated).")
        @OptionGroup var options: BillingOptions
        @Argument var account: String
        func run() async throws {
            for line in try await options.operations().history(account: account) { print(line) }
        }
    }
}
