import SIPCore
import SIPTransaction
import SIPTransport
import B2BUA
import Billing
import Proxy
import Storage
import Registrar
import ZvonokConfig

/// Turns the operator's configuration into what the server runs with: listening addresses,
/// worker settings (RFC 3261 §17 timers, limits), connection caps.
public enum ServerAssembly {
    /// The SIP server options of `configuration` (workers already resolved from 0 = per core).
    public static func options(for configuration: ZvonokConfiguration) -> SIPServer.Options {
        SIPServer.Options(listen: configuration.listen.compactMap(listenAddress),
                          workerCount: max(configuration.workers, 1),
                          worker: workerSettings(for: configuration),
                          connectionLimits: connectionLimits(for: configuration))
    }

    /// The reloadable part: timers, limits, idle timeout.
    public static func workerSettings(for configuration: ZvonokConfiguration) -> WorkerSettings {
        WorkerSettings(parserLimits: configuration.limits.parserLimits,
                       validationPolicy: .zvonok,
                       timers: TransactionTimerSettings(t1: .milliseconds(configuration.timers.t1Milliseconds),
                                                        t2: .milliseconds(configuration.timers.t2Milliseconds),
                                                        t4: .milliseconds(configuration.timers.t4Milliseconds)),
                       maxTransactions: configuration.limits.maxTransactions,
                       tcpIdleTimeout: .seconds(configuration.limits.tcpIdleTimeoutSeconds),
                       udpMTUBytes: configuration.limits.udpMTUBytes,
                       advertisedAddress: configuration.advertisedAddress,
                       overloadQueueDelay: configuration.limits.overloadQueueDelayMilliseconds == 0
                           ? nil : .milliseconds(configuration.limits.overloadQueueDelayMilliseconds))
    }

    public static func connectionLimits(for configuration: ZvonokConfiguration) -> ConnectionTable.Limits {
        ConnectionTable.Limits(maxConnections: configuration.limits.maxConnections,
                               maxConnectionsPerIP: configuration.limits.maxConnectionsPerIP)
    }

    /// A configured listening point as a socket address (validation has checked the literal).
    public static func listenAddress(_ point: ListenPoint) -> ListenAddress? {
        guard let address = SocketAddress(ip: point.address, port: UInt16(clamping: point.port)) else { return nil }
        return ListenAddress(transport: point.transport == .tcp ? .tcp : .udp, address: address)
    }

    /// The registrar's binding rules and the digest algorithms offered.
    public static func registrarPolicy(for configuration: ZvonokConfiguration) -> RegistrarPolicy {
        let r = configuration.registrar
        let algorithms = configuration.authentication.algorithms.compactMap { name -> DigestAlgorithm? in
            switch name { case "sha256": .sha256; case "md5": .md5; default: nil }
        }
        return RegistrarPolicy(minExpiresSeconds: Int64(r.minExpiresSeconds), maxExpiresSeconds: Int64(r.maxExpiresSeconds),
                               defaultExpiresSeconds: Int64(r.defaultExpiresSeconds), maxBindingsPerUser: r.maxBindingsPerUser,
                               digestAlgorithms: algorithms)
    }

    /// The registrar core: the domain, digest verification with nonces under `secret`, the ban.
    public static func registrarCore<Peer>(for configuration: ZvonokConfiguration, secret: [UInt8]) -> RegistrarCore<Peer> {
        let a = configuration.authentication
        let verifier = DigestVerifier(realm: configuration.realm, nonceCodec: NonceCodec(secret: secret),
                                      nonceLifetimeSeconds: Int64(a.nonceLifetimeSeconds))
        return RegistrarCore(domain: configuration.domain, verifier: verifier, policy: registrarPolicy(for: configuration),
                             throttle: AuthenticationThrottle(maxFailures: a.maxFailures, windowSeconds: Int64(a.failureWindowSeconds),
                                                              banSeconds: Int64(a.banSeconds)))
    }

    public static func proxyPolicy(for configuration: ZvonokConfiguration) -> ProxyPolicy {
        ProxyPolicy(timerC: .seconds(configuration.proxy.timerCSeconds))
    }

    /// Credit control, trial and time zone for billing; nil when the time zone is unknown
    /// (validation has checked it).
    public static func billingSettings(for configuration: ZvonokConfiguration) -> BillingSettings? {
        let billing = configuration.billing
        guard let offset = billing.utcOffsetSeconds else { return nil }
        return BillingSettings(
            creditControl: CreditControlSettings(sliceSeconds: Int64(billing.sliceSeconds),
                                                 maximumCallSeconds: Int64(billing.maxCallSeconds),
                                                 maximumConcurrentCalls: billing.maxConcurrentCalls),
            trialMinutes: Int64(billing.trialMinutes), utcOffsetSeconds: offset)
    }

    /// The B2BUA's settings: the SIP timers and the SMS limit and day of the configuration.
    public static func b2buaSettings(for configuration: ZvonokConfiguration) -> B2BUASettings {
        let timers = workerSettings(for: configuration).timers
        return B2BUASettings(timers: timers, smsDailyLimit: configuration.sms.dailyLimitPerAccount,
                             utcOffsetSeconds: configuration.billing.utcOffsetSeconds ?? TariffPlan.moscowUTCOffsetSeconds)
    }
}
