import Logging
import Synchronization
import ZvonokConfig

/// SIGHUP: re-reads the configuration file and environment and applies what can change while
/// running (log level, timers, limits, registrar and ban settings, trunks, billing and SMS rules); what needs a restart (listen
/// addresses, workers, domain, realm, the database, metrics, Timer C) is logged as such and left as it is. A file that does not validate leaves
/// the running configuration in place, and the log says why.
actor ConfigurationReloader {
    private var current: ZvonokConfiguration
    private let file: String?
    private let environment: [String: String]
    private let coreCount: Int
    private let server: SIPServer
    private let registrar: RegistrarService?
    /// The trunks and the billing edge of the B2BUA, when the server runs one.
    private let calls: (trunks: TrunkDirectory, billing: BillingEdge)?
    private let logLevel: LogLevelControl
    private let notifier: SystemdNotifier
    private let logger: Logger

    init(current: ZvonokConfiguration, file: String?, environment: [String: String], coreCount: Int,
         server: SIPServer, registrar: RegistrarService?, calls: (trunks: TrunkDirectory, billing: BillingEdge)? = nil,
         logLevel: LogLevelControl, notifier: SystemdNotifier, logger: Logger) {
        self.registrar = registrar
        self.calls = calls
        self.current = current
        self.file = file
        self.environment = environment
        self.coreCount = coreCount
        self.server = server
        self.logLevel = logLevel
        self.notifier = notifier
        self.logger = logger
    }

    func reload() async {
        try? notifier.reloading()
        defer { try? notifier.ready() }
        logger.notice("reloading configuration", metadata: ["file": "\(file ?? "(none)")"])
        let next: ZvonokConfiguration
        do {
            next = try await ConfigurationLoader.load(file: file, environment: environment, coreCount: coreCount)
        } catch {
            logger.error("reload failed; the running configuration stays", metadata: ["error": "\(error)"])
            return
        }
        let restartOnly = current.restartRequiredChanges(to: next)
        for key in restartOnly {
            logger.warning("configuration change needs a restart; not applied", metadata: ["key": "\(key)"])
        }
        var applied = next
        // Keep the running values of what cannot change live.
        applied.listen = current.listen
        applied.workers = current.workers
        applied.database = current.database
        applied.metrics = current.metrics
        applied.domain = current.domain
        applied.realm = current.realm
        applied.authentication.nonceLifetimeSeconds = current.authentication.nonceLifetimeSeconds
        applied.proxy = current.proxy
        registrar?.reconfigure(policy: ServerAssembly.registrarPolicy(for: applied),
                               maxFailures: applied.authentication.maxFailures,
                               windowSeconds: Int64(applied.authentication.failureWindowSeconds),
                               banSeconds: Int64(applied.authentication.banSeconds))
        logLevel.level = LogLevels.logger(applied.log.level)
        server.reload(worker: ServerAssembly.workerSettings(for: applied),
                      connectionLimits: ServerAssembly.connectionLimits(for: applied))
        if let calls {
            if applied.trunks != current.trunks {
                calls.trunks.load(applied.trunks)
                server.deliver(serviceAnswer: SynchronizeTrunkRegistrations(), toWorker: 0)
            }
            if let settings = ServerAssembly.billingSettings(for: applied) { calls.billing.reconfigure(settings) }
            server.deliverToEveryWorker(serviceAnswer: ServerAssembly.b2buaSettings(for: applied))
        }
        let changed = current.changedKeys(to: applied)
        current = applied
        logger.notice("configuration reloaded", metadata: ["changed": "\(changed.isEmpty ? "nothing" : changed.joined(separator: ", "))"])
    }
}

/// The configuration's log levels as swift-log's.
enum LogLevels {
    static func logger(_ level: ZvonokConfiguration.Log.Level) -> Logger.Level {
        Logger.Level(rawValue: level.rawValue) ?? .info
    }
}
