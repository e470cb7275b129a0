import Configuration
import Foundation
import Yams

/// Builds a `ZvonokConfiguration` from a YAML file and `ZVONOK_…` environment variables with
/// swift-configuration, then validates it.
///
/// Precedence, highest first: the environment (`EnvironmentVariablesProvider`, keys prefixed
/// with `zvonok`), the YAML file (`FileProvider<YAMLSnapshot>`), `ZvonokConfiguration.defaults`.
/// Every problem is collected, not just the first: an unreadable or malformed file, an unknown
/// key in the file, an unknown `ZVONOK_<SECTION>…` variable, a value of the wrong type, a value
/// out of range, and the checks between keys. They are thrown together as one
/// `ConfigurationError`.
///
/// A key written in the file without a value (`advertisedAddress:` or `~`) takes its default.
/// An empty `ZVONOK_ADVERTISED_ADDRESS` removes an advertised address the file sets.
public enum ConfigurationLoader {
    /// Loads, resolves and validates the configuration.
    ///
    /// - Parameters:
    ///   - file: the YAML file; nil to use only the defaults and the environment. A path that
    ///     does not exist is an error naming it.
    ///   - environment: the process environment (`ProcessInfo.processInfo.environment`), or a
    ///     dictionary in tests. Only `ZVONOK_…` names are read.
    ///   - coreCount: what `workers: 0` becomes (`ProcessInfo.processInfo.activeProcessorCount`).
    /// - Throws: `ConfigurationError` listing every problem found.
    public static func load(file: String?, environment: [String: String], coreCount: Int) async throws
        -> ZvonokConfiguration
    {
        var problems: [ConfigurationProblem] = []
        var document = YAMLDocument.empty
        var fileProvider: FileProvider<YAMLSnapshot>?
        if let file {
            switch YAMLDocument.read(path: file) {
            case .failure(let problem):
                problems.append(problem)
            case .success(let read):
                document = read
                problems += read.problems
                if read.hasContent {
                    do {
                        fileProvider = try await FileProvider<YAMLSnapshot>(filePath: .init(file))
                    } catch {
                        // A structural problem the walk already reported makes the snapshot fail
                        // too; report its own message only when it is news.
                        if read.problems.isEmpty {
                            problems.append(ConfigurationProblem(key: file, message: "cannot be read as configuration: \(error)"))
                        }
                    }
                }
            }
        }
        problems += unknownEnvironmentVariables(in: environment, trunkNames: document.trunkNames)

        let environmentProvider = EnvironmentVariablesProvider(environmentVariables: environment)
            .prefixKeys(with: ConfigKey([ConfigurationKeys.environmentPrefix.lowercased()]))
        var providers: [any ConfigProvider] = [environmentProvider]
        if let fileProvider { providers.append(fileProvider) }
        var values = ValueReader(reader: ConfigReader(providers: providers), environment: environment,
                                 file: file, nullKeysInFile: document.nullKeys)

        var configuration = ZvonokConfiguration.defaults
        if let listen = values.listenPoints() { configuration.listen = listen }
        if let domain = values.string("domain") { configuration.domain = domain }
        configuration.realm = values.string("realm") ?? configuration.domain
        if let advertised = values.string("advertisedAddress") {
            configuration.advertisedAddress = advertised.isEmpty ? nil : advertised
        }
        if let workers = values.int("workers") { configuration.workers = workers }
        if let v = values.int("timers.t1Milliseconds") { configuration.timers.t1Milliseconds = v }
        if let v = values.int("timers.t2Milliseconds") { configuration.timers.t2Milliseconds = v }
        if let v = values.int("timers.t4Milliseconds") { configuration.timers.t4Milliseconds = v }
        if let v = values.int("limits.maxMessageBytes") { configuration.limits.maxMessageBytes = v }
        if let v = values.int("limits.maxConnectionsPerIP") { configuration.limits.maxConnectionsPerIP = v }
        if let v = values.int("limits.maxConnections") { configuration.limits.maxConnections = v }
        if let v = values.int("limits.tcpIdleTimeoutSeconds") { configuration.limits.tcpIdleTimeoutSeconds = v }
        if let v = values.int("limits.maxTransactions") { configuration.limits.maxTransactions = v }
        if let v = values.int("limits.udpMTUBytes") { configuration.limits.udpMTUBytes = v }
        if let v = values.int("limits.overloadQueueDelayMilliseconds") { configuration.limits.overloadQueueDelayMilliseconds = v }
        if let level = values.string("log.level") {
            if let parsed = ZvonokConfiguration.Log.Level(rawValue: level.lowercased()) {
                configuration.log.level = parsed
            } else {
                let known = ZvonokConfiguration.Log.Level.allCases.map(\.rawValue).joined(separator: ", ")
                values.fail("log.level", "\"\(level)\" is not one of \(known)")
            }
        }
        if let path = values.string("database.path") { configuration.database.path = path }
        if let address = values.string("metrics.address") { configuration.metrics.address = address }
        if let port = values.int("metrics.port") { configuration.metrics.port = port }
        if let grace = values.int("shutdown.gracePeriodSeconds") { configuration.shutdown.gracePeriodSeconds = grace }
        if let v = values.int("registrar.minExpiresSeconds") { configuration.registrar.minExpiresSeconds = v }
        if let v = values.int("registrar.maxExpiresSeconds") { configuration.registrar.maxExpiresSeconds = v }
        if let v = values.int("registrar.defaultExpiresSeconds") { configuration.registrar.defaultExpiresSeconds = v }
        if let v = values.int("registrar.maxBindingsPerUser") { configuration.registrar.maxBindingsPerUser = v }
        if let v = values.list("authentication.algorithms") { configuration.authentication.algorithms = v.map { $0.lowercased() } }
        if let v = values.int("authentication.nonceLifetimeSeconds") { configuration.authentication.nonceLifetimeSeconds = v }
        if let v = values.int("authentication.maxFailures") { configuration.authentication.maxFailures = v }
        if let v = values.int("authentication.failureWindowSeconds") { configuration.authentication.failureWindowSeconds = v }
        if let v = values.int("authentication.banSeconds") { configuration.authentication.banSeconds = v }
        if let v = values.int("proxy.timerCSeconds") { configuration.proxy.timerCSeconds = v }
        values.readBilling(into: &configuration)
        values.readTrunks(named: document.trunkNames, into: &configuration)

        // Range checks apply to what was written, so `workers` is resolved only afterwards.
        problems += values.problems
        problems += configuration.validate(skipping: values.failedKeys)
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration.resolvingWorkers(coreCount: coreCount)
    }

    /// `ZVONOK_<SECTION>…` variables that are not a key's variable: a misspelt override would
    /// otherwise be ignored without a word. Variables whose first word after `ZVONOK_` is not a
    /// section or top-level key (`ZVONOK_FUZZ_SEED`) belong to something else and are left alone.
    static func unknownEnvironmentVariables(in environment: [String: String], trunkNames: [String] = []) -> [ConfigurationProblem] {
        let known = ConfigurationKeys.all.map(ConfigurationKeys.environmentVariableName(forKey:))
            + ConfigurationKeys.trunkVariableNames(for: trunkNames)
        let prefix = ConfigurationKeys.environmentPrefix + "_"
        let firstWords = Set(known.map { $0.dropFirst(prefix.count).split(separator: "_").first.map(String.init) ?? "" })
            .union([ConfigurationKeys.trunksSection.uppercased()])
        return environment.keys.sorted().compactMap { name -> ConfigurationProblem? in
            guard name.hasPrefix(prefix), !known.contains(name),
                  let firstWord = name.dropFirst(prefix.count).split(separator: "_").first,
                  firstWords.contains(String(firstWord)) else { return nil }
            var message = "unknown configuration variable"
            if let suggestion = ConfigurationKeys.suggestion(for: name, among: known) {
                message += "; did you mean \(suggestion)?"
            }
            return ConfigurationProblem(key: name, message: message)
        }
    }
}

/// Reads one key at a time through swift-configuration and turns a value of the wrong type into
/// a problem naming the key and where the value came from, instead of a silent default.
struct ValueReader {
    let reader: ConfigReader
    let environment: [String: String]
    let file: String?
    let nullKeysInFile: Set<String>
    private(set) var problems: [ConfigurationProblem] = []
    private(set) var failedKeys: Set<String> = []

    init(reader: ConfigReader, environment: [String: String], file: String?, nullKeysInFile: Set<String>) {
        self.reader = reader
        self.environment = environment
        self.file = file
        self.nullKeysInFile = nullKeysInFile
    }

    mutating func fail(_ key: String, _ message: String) {
        problems.append(ConfigurationProblem(key: key, message: message))
        failedKeys.insert(key)
    }

    /// Where a key's value comes from, for messages about its type.
    private func source(of key: String) -> String {
        let variable = ConfigurationKeys.environmentVariableName(forKey: key)
        if environment[variable] != nil { return "environment variable \(variable)" }
        return file.map { "in \($0)" } ?? "default"
    }

    /// True when the file gives the key no value (and the environment does not set it).
    private func isNull(_ key: String) -> Bool {
        nullKeysInFile.contains(key) && environment[ConfigurationKeys.environmentVariableName(forKey: key)] == nil
    }

    mutating func int(_ key: String) -> Int? {
        guard !isNull(key) else { return nil }
        let configKey = ConfigKey(key)
        if let value = reader.int(forKey: configKey) { return value }
        if let text = reader.string(forKey: configKey) {
            fail(key, "\"\(text)\" is not an integer (\(source(of: key)))")
        } else if reader.stringArray(forKey: configKey) != nil {
            fail(key, "expected an integer, found a list (\(source(of: key)))")
        }
        return nil
    }

    mutating func bool(_ key: String) -> Bool? {
        guard !isNull(key) else { return nil }
        let configKey = ConfigKey(key)
        if let value = reader.bool(forKey: configKey) { return value }
        if let text = reader.string(forKey: configKey) {
            switch text.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: fail(key, "\"\(text)\" is not true or false (\(source(of: key)))")
            }
        }
        return nil
    }

    mutating func string(_ key: String) -> String? {
        guard !isNull(key) else { return nil }
        let configKey = ConfigKey(key)
        if let value = reader.string(forKey: configKey) { return value }
        if reader.stringArray(forKey: configKey) != nil {
            fail(key, "expected a single value, found a list (\(source(of: key)))")
        }
        return nil
    }

    /// A YAML list of strings, or one comma-separated string (as an environment variable writes it).
    mutating func list(_ key: String) -> [String]? {
        guard !isNull(key) else { return nil }
        if let list = reader.stringArray(forKey: ConfigKey(key)) { return list }
        guard let text = reader.string(forKey: ConfigKey(key)) else { return nil }
        return text.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// `listen`: a YAML list of strings, or one comma-separated string (how the environment
    /// variable writes it, and accepted in the file too).
    mutating func listenPoints() -> [ListenPoint]? {
        let key = "listen"
        guard !isNull(key) else { return nil }
        let entries: [String]
        if let list = reader.stringArray(forKey: ConfigKey(key)) {
            entries = list
        } else if let text = reader.string(forKey: ConfigKey(key)) {
            entries = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0.trimmingCharacters(in: .whitespaces)) }
        } else {
            return nil
        }
        var points: [ListenPoint] = []
        for (index, entry) in entries.enumerated() {
            do {
                points.append(try ListenPoint(parsing: entry))
            } catch {
                problems.append(ConfigurationProblem(key: "\(key)[\(index)]", message: "\"\(entry)\": \(error.reason)"))
                failedKeys.insert(key)
            }
        }
        return failedKeys.contains(key) ? nil : points
    }
}
