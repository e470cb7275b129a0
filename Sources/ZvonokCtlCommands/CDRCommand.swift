import ArgumentParser

/// `zvonokctl cdr`: the call detail records of settled calls.
public struct CDRCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cdr",
        abstract: "Read call detail records: list, export.",
        discussion: "--since and --until take YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] in the billing time zone, or with a Z for UTC; they select by the call's start, --until excluded.",
        subcommands: [List.self, Export.self])

    public init() {}

    /// The filter options both subcommands take.
    struct Filter: ParsableArguments {
        @Option(name: .long, help: "Only this account's calls.") var account: String?
        @Option(name: .long, help: "Calls started at or after this time.") var since: String?
        @Option(name: .long, help: "Calls started before this time.") var until: String?
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List calls, oldest first (tab-separated).")
        @OptionGroup var options: BillingOptions
        @OptionGroup var filter: Filter
        func run() async throws {
            let operations = try await options.operations()
            for line in try await operations.listRecords(try operations.filter(account: filter.account, since: filter.since, until: filter.until)) {
                print(line)
            }
        }
    }

    /// The export formats.
    enum Format: String, ExpressibleByArgument, CaseIterable { case csv }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export calls to standard output.")
        @OptionGroup var options: BillingOptions
        @OptionGroup var filter: Filter
        @Option(name: .long, help: "Output format: csv.") var format: Format
        func run() async throws {
            let operations = try await options.operations()
            for line in try await operations.exportCSV(try operations.filter(account: filter.account, since: filter.since, until: filter.until)) {
                print(line)
            }
        }
    }
}
