/// The configuration's keys: their names in the YAML file, their environment variables, and
/// whether a change to them can be applied on SIGHUP or needs a restart. One table, so that the
/// loader, the reload diff and the documentation cannot disagree about which keys exist.
public enum ConfigurationKeys {
    /// The prefix of every environment variable the loader reads.
    public static let environmentPrefix = "ZVONOK"

    /// Every key, in the order the example file and README list them.
    public static let all: [String] = table.map(\.name)

    /// The keys whose change needs a restart: the bound sockets, the worker count, the domain and
    /// realm (stored password hashes and live bindings depend on them), the nonce lifetime, Timer C,
    /// the database file and the metrics endpoint. Everything else is applied live on SIGHUP.
    public static let restartRequired: Set<String> = Set(table.filter(\.restartRequired).map(\.name))

    /// The environment variable that overrides `key`, by swift-configuration's
    /// `EnvironmentVariablesProvider` rule applied to `ZVONOK.` + key: components joined by `_`,
    /// a `_` inserted where a lowercase letter is followed by an uppercase one, everything else
    /// upper-cased and any character other than a letter or digit turned into `_`. So
    /// `limits.maxMessageBytes` is `ZVONOK_LIMITS_MAX_MESSAGE_BYTES`, but `timers.t1Milliseconds`
    /// is `ZVONOK_TIMERS_T1MILLISECONDS` (a digit is not lowercase) and `limits.udpMTUBytes` is
    /// `ZVONOK_LIMITS_UDP_MTUBYTES`.
    public static func environmentVariableName(forKey key: String) -> String {
        let components = [environmentPrefix.lowercased()] + key.split(separator: ".").map(String.init)
        return components.map { component -> String in
            var marked = ""
            var previous: Character?
            for character in component {
                if let previous, previous.isLowercase, character.isUppercase { marked.append("_") }
                marked.append(character)
                previous = character
            }
            return String(marked.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        }.joined(separator: "_")
    }

    struct Key: Sendable {
        let name: String
        let restartRequired: Bool
        let differs: @Sendable (ZvonokConfiguration, ZvonokConfiguration) -> Bool
    }

    static let table: [Key] = [
        Key(name: "listen", restartRequired: true) { $0.listen != $1.listen },
        Key(name: "domain", restartRequired: true) { $0.domain != $1.domain },
        Key(name: "realm", restartRequired: true) { $0.realm != $1.realm },
        Key(name: "advertisedAddress", restartRequired: false) { $0.advertisedAddress != $1.advertisedAddress },
        Key(name: "workers", restartRequired: true) { $0.workers != $1.workers },
        Key(name: "timers.t1Milliseconds", restartRequired: false) { $0.timers.t1Milliseconds != $1.timers.t1Milliseconds },
        Key(name: "timers.t2Milliseconds", restartRequired: false) { $0.timers.t2Milliseconds != $1.timers.t2Milliseconds },
        Key(name: "timers.t4Milliseconds", restartRequired: false) { $0.timers.t4Milliseconds != $1.timers.t4Milliseconds },
        Key(name: "limits.maxMessageBytes", restartRequired: false) { $0.limits.maxMessageBytes != $1.limits.maxMessageBytes },
        Key(name: "limits.maxConnectionsPerIP", restartRequired: false) {
            $0.limits.maxConnectionsPerIP != $1.limits.maxConnectionsPerIP
        },
        Key(name: "limits.maxConnections", restartRequired: false) { $0.limits.maxConnections != $1.limits.maxConnections },
        Key(name: "limits.tcpIdleTimeoutSeconds", restartRequired: false) {
            $0.limits.tcpIdleTimeoutSeconds != $1.limits.tcpIdleTimeoutSeconds
        },
        Key(name: "limits.maxTransactions", restartRequired: false) { $0.limits.maxTransactions != $1.limits.maxTransactions },
        Key(name: "limits.udpMTUBytes", restartRequired: false) { $0.limits.udpMTUBytes != $1.limits.udpMTUBytes },
        Key(name: "limits.overloadQueueDelayMilliseconds", restartRequired: false) {
            $0.limits.overloadQueueDelayMilliseconds != $1.limits.overloadQueueDelayMilliseconds
        },
        Key(name: "log.level", restartRequired: false) { $0.log.level != $1.log.level },
        Key(name: "database.path", restartRequired: true) { $0.database.path != $1.database.path },
        Key(name: "metrics.address", restartRequired: true) { $0.metrics.address != $1.metrics.address },
        Key(name: "metrics.port", restartRequired: true) { $0.metrics.port != $1.metrics.port },
        Key(name: "shutdown.gracePeriodSeconds", restartRequired: false) {
            $0.shutdown.gracePeriodSeconds != $1.shutdown.gracePeriodSeconds
        },
        Key(name: "registrar.minExpiresSeconds", restartRequired: false) {
            $0.registrar.minExpiresSeconds != $1.registrar.minExpiresSeconds
        },
        Key(name: "registrar.maxExpiresSeconds", restartRequired: false) {
            $0.registrar.maxExpiresSeconds != $1.registrar.maxExpiresSeconds
        },
        Key(name: "registrar.defaultExpiresSeconds", restartRequired: false) {
            $0.registrar.defaultExpiresSeconds != $1.registrar.defaultExpiresSeconds
        },
        Key(name: "registrar.maxBindingsPerUser", restartRequired: false) {
            $0.registrar.maxBindingsPerUser != $1.registrar.maxBindingsPerUser
        },
        Key(name: "authentication.algorithms", restartRequired: false) {
            $0.authentication.algorithms != $1.authentication.algorithms
        },
        Key(name: "authentication.nonceLifetimeSeconds", restartRequired: true) {
            $0.authentication.nonceLifetimeSeconds != $1.authentication.nonceLifetimeSeconds
        },
        Key(name: "authentication.maxFailures", restartRequired: false) {
            $0.authentication.maxFailures != $1.authentication.maxFailures
        },
        Key(name: "authentication.failureWindowSeconds", restartRequired: false) {
            $0.authentication.failureWindowSeconds != $1.authentication.failureWindowSeconds
        },
        Key(name: "authentication.banSeconds", restartRequired: false) {
            $0.authentication.banSeconds != $1.authentication.banSeconds
        },
        Key(name: "proxy.timerCSeconds", restartRequired: true) { $0.proxy.timerCSeconds != $1.proxy.timerCSeconds },
        Key(name: "billing.trialMinutes", restartRequired: false) { $0.billing.trialMinutes != $1.billing.trialMinutes },
        Key(name: "billing.timeZone", restartRequired: false) { $0.billing.timeZone != $1.billing.timeZone },
        Key(name: "billing.sliceSeconds", restartRequired: false) { $0.billing.sliceSeconds != $1.billing.sliceSeconds },
        Key(name: "billing.maxCallSeconds", restartRequired: false) { $0.billing.maxCallSeconds != $1.billing.maxCallSeconds },
        Key(name: "billing.maxConcurrentCalls", restartRequired: false) { $0.billing.maxConcurrentCalls != $1.billing.maxConcurrentCalls },
        Key(name: "sms.dailyLimitPerAccount", restartRequired: false) { $0.sms.dailyLimitPerAccount != $1.sms.dailyLimitPerAccount },
    ]

    /// The section of named trunks (`trunks.<name>.<field>`): its entries are named by the file,
    /// so its keys are not in `table`; a change to any trunk is applied on SIGHUP.
    public static let trunksSection = "trunks"

    /// The environment variables that may override a field of the trunks named `names`.
    static func trunkVariableNames(for names: [String]) -> [String] {
        names.flatMap { name in
            ZvonokConfiguration.Trunk.keys.map { environmentVariableName(forKey: "\(trunksSection).\(name).\($0)") }
        }
    }

    /// The sections (`timers`, `limits`, …) with their keys' last components.
    static let sections: [String: [String]] = {
        var result: [String: [String]] = [:]
        for key in all {
            let parts = key.split(separator: ".")
            if parts.count == 2 { result[String(parts[0]), default: []].append(String(parts[1])) }
        }
        return result
    }()

    /// The known name nearest to `name` by edit distance (case-insensitive), if close enough to
    /// be a likely misspelling.
    static func suggestion(for name: String, among candidates: [String]) -> String? {
        let lowered = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, Array(candidate.lowercased()))
            if distance <= max(2, candidate.count / 4), distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension ZvonokConfiguration {
    /// The keys whose values differ between this configuration and `new`, in table order.
    public func changedKeys(to new: ZvonokConfiguration) -> [String] {
        ConfigurationKeys.table.filter { $0.differs(self, new) }.map(\.name)
            + (trunks != new.trunks ? [ConfigurationKeys.trunksSection] : [])
    }

    /// The changed keys that a SIGHUP reload cannot apply (`ConfigurationKeys.restartRequired`).
    /// The daemon keeps running with the old values of these and logs that a restart is needed;
    /// every other key takes effect live.
    public func restartRequiredChanges(to new: ZvonokConfiguration) -> [String] {
        changedKeys(to: new).filter { ConfigurationKeys.restartRequired.contains($0) }
    }
}
