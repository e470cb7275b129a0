import ArgumentParser
import Billing
import Foundation
import Storage
import ZvonokConfig

/// Where the billing commands find the database and the billing settings: the daemon's
/// configuration file (database.path and the billing: section, with its ZVONOK_… environment), or
/// an explicit `--database` (then the billing settings come from `--config` if given, else their
/// defaults: Europe/Moscow, 10 trial minutes).
struct BillingOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's configuration file (database.path and billing:). Default: /etc/zvonok/zvonok.yaml.")
    var config: String?

    @Option(name: .long, help: "The SQLite database, instead of the configuration's database.path.")
    var database: String?

    /// Opens the database and builds the operations.
    func operations() async throws -> BillingOperations {
        var billing = ZvonokConfiguration.defaults.billing
        var path = database
        if config != nil || database == nil {
            let configuration = try await ConfigurationLoader.load(
                file: config ?? "/etc/zvonok/zvonok.yaml", environment: ProcessInfo.processInfo.environment,
                coreCount: ProcessInfo.processInfo.activeProcessorCount)
            billing = configuration.billing
            path = path ?? configuration.database.path
        }
        guard let offset = billing.utcOffsetSeconds else {
            throw AccountOperations.Failure("billing.timeZone \"\(billing.timeZone)\" is not a time zone name")
        }
        let settings = BillingSettings(
            creditControl: CreditControlSettings(sliceSeconds: Int64(billing.sliceSeconds), maximumCallSeconds: Int64(billing.maxCallSeconds),
                                                 maximumConcurrentCalls: billing.maxConcurrentCalls),
            trialMinutes: Int64(billing.trialMinutes), utcOffsetSeconds: offset)
        return BillingOperations(database: try ZvonokDatabase(path: path!), settings: settings,
                                 nowUnixSeconds: { Int64(Date().timeIntervalSince1970) })
    }
}

/// Reads a text file for an import, with a message naming the file when it cannot.
func readTextFile(_ path: String) throws -> String {
    do {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let text = String(data: data, encoding: .utf8) else { throw AccountOperations.Failure("\(path) is not UTF-8 text") }
        return text
    } catch let failure as AccountOperations.Failure {
        throw failure
    } catch {
        throw AccountOperations.Failure("cannot read \(path): \((error as NSError).localizedDescription)")
    }
}
