import ArgumentParser
import Foundation

extension AccountCommand {
    /// `zvonokctl account import FILE.csv` (see `AccountImport` for the format and the rules).
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Add accounts from a CSV file: username,password[,display_name[,phone]] per line; all or none.",
            discussion: """
                A first line starting with "username" is a header. Quote a field that holds a comma with \
                "…" ("" for a quote inside). Every line is checked first and each problem is reported with \
                its line number; then all accounts are added in one transaction, or none. "-" reads \
                standard input. The file holds passwords: keep it private and delete it afterwards.
                """)
        @OptionGroup var options: DatabaseOptions
        @Argument(help: "The CSV file, or - for standard input.") var file: String

        func run() async throws {
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw AccountOperations.Failure("cannot read \(file)")
                }
                text = String(decoding: data, as: UTF8.self)
            }
            let operations = try await options.operations()
            let count = try operations.importAccounts(csv: text)
            print("imported \(count) account\(count == 1 ? "" : "s") (realm \(operations.realm))")
        }
    }
}
