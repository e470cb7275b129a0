import ArgumentParser

/// `zvonokctl tariff`: import tariff plans from CSV, list them, and show what a number costs.
public struct TariffCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tariff",
        abstract: "Manage tariff plans: import, list, rate.",
        discussion: "Rates file columns: prefix,description,price_per_minute,increment[,connection_fee,valid_from,valid_until]. Free directions file columns: direction,prefix,first_date[,last_date,daily_cap_minutes]. A line with an error stops the import with its line number, and nothing is imported. The plan named Пробный is the trial plan every new account starts on.",
        subcommands: [Import.self, List.self, RateCommand.self])

    public init() {}

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import (or replace) a plan's rates, and optionally its free directions.")
        @OptionGroup var options: BillingOptions
        @Argument(help: "The plan's name, e.g. Пробный or Provider.") var plan: String
        @Argument(help: "The rates CSV file.") var file: String
        @Option(name: .long, help: "A free-directions CSV file; replaces the plan's free directions (left out: they are kept).") var freeDirections: String?

        func run() async throws {
            let operations = try await options.operations()
            let rates = try readTextFile(file)
            let free = try freeDirections.map(readTextFile)
            print(try await operations.importTariff(plan: plan, ratesFile: file, ratesText: rates, freeFile: freeDirections, freeText: free))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the plans (tab-separated).")
        @OptionGroup var options: BillingOptions
        func run() async throws {
            for line in try await options.operations().listTariffs() { print(line) }
        }
    }

    struct RateCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rate", abstract: "Show the rate a plan applies to a number and what 1, 30, 61 and 3600 seconds cost.")
        @OptionGroup var options: BillingOptions
        @Argument(help: "The plan.") var plan: String
        @Argument(help: "The number in international form, e.g. +74951112233.") var number: String
        @Option(name: .long, help: "The time to rate at (YYYY-MM-DD or YYYY-MM-DDTHH:MM in the billing zone); default now.") var at: String?
        func run() async throws {
            print(try await options.operations().rate(plan: plan, number: number, at: at))
        }
    }
}
