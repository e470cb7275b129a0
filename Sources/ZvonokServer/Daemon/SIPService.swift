import Logging
import ServiceLifecycle
import UnixSignals
import ZvonokConfig

/// The SIP server as a swift-service-lifecycle service: it runs until graceful shutdown
/// (SIGTERM/SIGINT), then stops taking new work, lets open transactions finish within the grace
/// period, and closes; SIGHUP re-reads the configuration meanwhile.
final class SIPService: Service, Sendable {
    let server: SIPServer
    let reloader: ConfigurationReloader
    let notifier: SystemdNotifier
    let gracePeriod: Duration
    let logger: Logger
    /// SIGHUP, trapped before readiness is reported so that an early reload cannot kill the daemon.
    let hangups: UnixSignalsSequence

    init(server: SIPServer, reloader: ConfigurationReloader, notifier: SystemdNotifier, gracePeriod: Duration,
         hangups: UnixSignalsSequence, logger: Logger) {
        self.hangups = hangups
        self.server = server
        self.reloader = reloader
        self.notifier = notifier
        self.gracePeriod = gracePeriod
        self.logger = logger
    }

    func run() async throws {
        let reloader = self.reloader
        let hangups = self.hangups
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in hangups { await reloader.reload() }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        logger.notice("shutting down: draining open transactions", metadata: ["grace": "\(gracePeriod)"])
        try? notifier.stopping()
        server.beginDraining()
        let drained = await server.drain(within: gracePeriod)
        if !drained {
            logger.warning("grace period over; transactions still open are dropped", metadata: ["open": "\(server.unfinishedTransactionCount())"])
        }
        server.stop()
        logger.notice("stopped")
    }
}
