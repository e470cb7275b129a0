import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import B2BUA
import Billing
import Numbering
import Registrar
import SIPTransaction
import SIPTransport
import Storage
import ZvonokConfig

/// `zvonokd`: the Zvonok SIP server daemon. Reads the configuration, binds the listening
/// points, serves until SIGTERM (graceful: open transactions finish within
/// `shutdown.gracePeriodSeconds`) and re-reads the configuration on SIGHUP. Logs go to standard
/// error in the journal's format; readiness, reloads and stopping are told to systemd through
/// `NOTIFY_SOCKET` when it is set.
///
/// Exit status: 0 after a clean shutdown or a valid `--check-config`; 78 (EX_CONFIG) for a
/// configuration that does not validate; 1 when the server cannot start (an address in use);
/// 2 for a usage error.
public struct ZvonokDaemon: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "zvonokd",
        abstract: "The Zvonok SIP server: registrar, proxy and billing B2BUA.",
        discussion: "Every setting can be overridden from the environment: ZVONOK_<SECTION>_<KEY>, e.g. ZVONOK_LISTEN=udp:127.0.0.1:5070 or ZVONOK_TIMERS_T1MILLISECONDS=250 (see the README).")

    @Option(name: .long, help: "The configuration file.")
    var config: String = "/etc/zvonok/zvonok.yaml"

    @Option(name: .customLong("check-config"), help: ArgumentHelp("Validate this configuration file and exit without starting.", valueName: "file"))
    var checkConfig: String?

    @Flag(name: .long, help: "Prefix log lines with a UTC timestamp (for a terminal; the journal adds its own).")
    var logTimestamps = false

    public init() {}

    /// Runs the daemon with `arguments` (without the program name) and returns the exit status.
    public static func run(arguments: [String]) async -> Int32 {
        let command: ZvonokDaemon
        do {
            command = try parse(arguments)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                return 0
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            return 2
        }
        return await command.serve()
    }

    private func serve() async -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        let coreCount = ProcessInfo.processInfo.activeProcessorCount
        let file = checkConfig ?? config
        let configuration: ZvonokConfiguration
        do {
            configuration = try await ConfigurationLoader.load(file: file, environment: environment, coreCount: coreCount)
        } catch {
            FileHandle.standardError.write(Data("zvonokd: \(file): the configuration is not valid:\n\(error)\n".utf8))
            return 78
        }
        if checkConfig != nil {
            print("zvonokd: \(file): configuration is valid (\(configuration.listen.count) listening points, \(configuration.workers) workers)")
            return 0
        }

        let logLevel = JournalLogHandler.bootstrap(level: LogLevels.logger(configuration.log.level),
                                                   includeTimestamp: logTimestamps)
        let logger = Logger(label: "zvonokd")
        let registry = MetricsBootstrap.bootstrapPrometheus()
        let metrics = ServerMetrics(workerCount: configuration.workers)
        let notifier = SystemdNotifier.fromEnvironment()

        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let options = ServerAssembly.options(for: configuration)
        let registrar: RegistrarService
        let billingEdge: BillingEdge
        do {
            let database = try ZvonokDatabase(path: configuration.database.path)
            registrar = try Self.openRegistrar(configuration, database: database, logger: logger)
            let billing = try await Self.recoverBilling(configuration, database: database, logger: logger)
            billingEdge = BillingEdge(service: billing, smsCounter: SQLiteSMSCounter(database: database), logger: logger)
        } catch {
            logger.critical("cannot open the database \(configuration.database.path): \(error)")
            return 1
        }
        let numbering: NumberingPlan
        do {
            numbering = try NumberingPlan.bundled()
        } catch {
            logger.critical("cannot load the bundled numbering plan: \(error)")
            return 1
        }
        let trunks = TrunkDirectory(configuration: configuration.trunks, logger: logger)
        let proxyPolicy = ServerAssembly.proxyPolicy(for: configuration)
        let b2buaSettings = ServerAssembly.b2buaSettings(for: configuration)
        let wallClockOffset = RegistrarService.unixNow() * 1_000_000_000 - MonotonicClock.now().nanoseconds
        let workerCount = options.workerCount
        let server = SIPServer(options: options, metrics: metrics, logger: logger) { index, addresses in
            ZvonokTransactionUser(registrar: registrar, addresses: addresses, proxyPolicy: proxyPolicy,
                                  calls: CallsSetup(trunks: trunks, billing: billingEdge, numbering: numbering,
                                                    settings: b2buaSettings, workerIndex: index, workerCount: workerCount,
                                                    wallClockOffsetNanoseconds: wallClockOffset))
        }
        billingEdge.connect { [weak server] worker, answer in server?.deliver(serviceAnswer: answer, toWorker: worker) }
        server.onConnectionClosed { registrar.connectionClosed($0) }
        do {
            try server.start()
        } catch {
            logger.critical("cannot start: \(error)")
            return 1
        }
        registrar.accounts.start()
        registrar.startSweeping()
        server.deliver(serviceAnswer: SynchronizeTrunkRegistrations(), toWorker: 0)
        defer {
            registrar.accounts.stop()
            registrar.stop()
        }
        var endpoint: MetricsEndpoint?
        if configuration.metrics.port != 0 {
            do {
                guard let address = SocketAddress(ip: configuration.metrics.address, port: UInt16(clamping: configuration.metrics.port)) else {
                    throw SystemError("bind", errno: EINVAL, context: configuration.metrics.address)
                }
                endpoint = try MetricsEndpoint(registry: registry, configuration: .init(address: address))
                endpoint?.start()
                logger.info("metrics on http://\(address)/metrics")
                if configuration.metrics.isExposedBeyondLoopback {
                    logger.warning("metrics are served beyond loopback, without authentication",
                                   metadata: ["metrics.address": "\(configuration.metrics.address)"])
                }
            } catch {
                logger.critical("cannot start the metrics endpoint: \(error)")
                server.stop()
                return 1
            }
        }
        let reloader = ConfigurationReloader(current: configuration, file: file, environment: environment,
                                             coreCount: coreCount, server: server, registrar: registrar,
                                             calls: (trunks, billingEdge), logLevel: logLevel,
                                             notifier: notifier, logger: logger)
        let service = SIPService(server: server, reloader: reloader, notifier: notifier,
                                 gracePeriod: .seconds(configuration.shutdown.gracePeriodSeconds),
                                 hangups: hangups, logger: logger)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try notifier.ready()
        } catch {
            logger.warning("could not notify systemd of readiness: \(error)")
        }
        logger.notice("zvonokd ready", metadata: ["workers": "\(configuration.workers)", "domain": "\(configuration.domain)"])
        do {
            try await group.run()
        } catch {
            logger.error("stopped on error: \(error)")
            endpoint?.stop()
            return 1
        }
        endpoint?.stop()
        return 0
    }

    /// Opens the database (migrating it), loads the accounts and the stored bindings, and makes
    /// the registrar with the nonce secret kept in the database.
    private static func openRegistrar(_ configuration: ZvonokConfiguration, database: ZvonokDatabase,
                                      logger: Logger) throws -> RegistrarService {
        let accounts = try AccountDirectory(store: SQLiteAccountStore(database: database), logger: logger)
        let secret = try database.serverSecret(named: "digest-nonce")
        let service = RegistrarService(core: ServerAssembly.registrarCore(for: configuration, secret: secret),
                                       accounts: accounts, store: SQLiteBindingStore(database: database), logger: logger)
        try service.loadBindings()
        logger.info("database open", metadata: ["path": "\(configuration.database.path)", "accounts": "\(accounts.count)"])
        return service
    }

    /// Settles the credit reservations a crash left open (issue 6, RFC 4006-style credit control):
    /// no call is in progress before the server starts, so every open reservation is a call that
    /// ended with the process. Each is charged what its last renewal reported and its hold released.
    private static func recoverBilling(_ configuration: ZvonokConfiguration, database: ZvonokDatabase,
                                       logger: Logger) async throws -> BillingService {
        guard let settings = ServerAssembly.billingSettings(for: configuration) else {
            throw ConfigurationError(problems: [ConfigurationProblem(key: "billing.timeZone", message: "\"\(configuration.billing.timeZone)\" is not a time zone name")])
        }
        let billing = BillingService(ledger: SQLiteLedgerStore(database: database), tariffs: SQLiteTariffStore(database: database),
                                     settings: settings)
        let settled = try await billing.recoverOpenReservations(at: BillingTime(unixSeconds: RegistrarService.unixNow()))
        if !settled.isEmpty {
            logger.notice("billing: settled the reservations a crash left open", metadata: ["reservations": "\(settled.count)"])
        }
        return billing
    }
}
