import SIPCore

/// Everything `zvonokd` is configured with: a plain value, built by `ConfigurationLoader` from a
/// YAML file and `ZVONOK_…` environment variables, checked by `validate()`.
///
/// Every field has a default (`defaults`) except `domain`, which has none: a SIP server must be
/// told which domain it serves. Names carry their units (`t1Milliseconds`, `udpMTUBytes`).
/// The keys in the file are the property paths (`timers.t1Milliseconds`); README.md lists them
/// with their environment variable names.
public struct ZvonokConfiguration: Sendable, Equatable {
    /// The sockets to bind. Default: UDP and TCP on `0.0.0.0:5060` and `[::]:5060` (the
    /// transport sets `IPV6_V6ONLY` on IPv6 sockets so that the two wildcards do not collide).
    public var listen: [ListenPoint]
    /// The SIP domain this server is responsible for (`zvonok.example`): the host part of the
    /// users' addresses of record. Required; empty in `defaults`.
    public var domain: String
    /// The digest authentication realm (RFC 3261 §22.1). The loader sets it to `domain` when the
    /// configuration does not give one.
    public var realm: String
    /// `host[:port]` to put in Via and Record-Route instead of the bound address, for a server
    /// behind NAT; nil to use the bound address.
    public var advertisedAddress: String?
    /// Worker threads (one serial queue each). 0 in the configuration means one per core; the
    /// loader replaces it with the core count, so a loaded configuration holds at least 1.
    public var workers: Int
    /// The SIP timers of RFC 3261 §17.1.1.1 (Table 4).
    public var timers: Timers
    /// Caps on messages, connections and transactions.
    public var limits: Limits
    /// Logging.
    public var log: Log
    /// The SQLite store.
    public var database: Database
    /// The Prometheus metrics endpoint.
    public var metrics: Metrics
    /// Graceful shutdown.
    public var shutdown: Shutdown
    /// The registrar's binding rules (RFC 3261 §10.3).
    public var registrar: Registrar
    /// Digest authentication of REGISTER (401) and proxied requests (407), and the ban on guessing.
    public var authentication: Authentication
    /// The stateful proxy (RFC 3261 §16).
    public var proxy: Proxy
    /// Billing of paid calls (`ZvonokConfiguration+Billing.swift`).
    public var billing: Billing
    /// The upstream trunks paid calls and SMS go to (`ZvonokConfiguration+Trunks.swift`), in
    /// the order of the file; none by default.
    public var trunks: [Trunk]
    /// Limits on SMS to phones.
    public var sms: SMS

    /// A configuration from its parts, each defaulting to its default; `realm` nil means `domain`.
    public init(
        listen: [ListenPoint] = ZvonokConfiguration.defaultListen,
        domain: String = "",
        realm: String? = nil,
        advertisedAddress: String? = nil,
        workers: Int = 0,
        timers: Timers = Timers(),
        limits: Limits = Limits(),
        log: Log = Log(),
        database: Database = Database(),
        metrics: Metrics = Metrics(),
        shutdown: Shutdown = Shutdown(),
        registrar: Registrar = Registrar(),
        authentication: Authentication = Authentication(),
        proxy: Proxy = Proxy(),
        billing: Billing = Billing(),
        trunks: [Trunk] = [],
        sms: SMS = SMS()
    ) {
        self.trunks = trunks
        self.sms = sms
        self.registrar = registrar
        self.authentication = authentication
        self.proxy = proxy
        self.listen = listen
        self.domain = domain
        self.realm = realm ?? domain
        self.advertisedAddress = advertisedAddress
        self.workers = workers
        self.timers = timers
        self.limits = limits
        self.log = log
        self.database = database
        self.metrics = metrics
        self.shutdown = shutdown
        self.billing = billing
    }

    /// The value of every key that the file and the environment leave out. Its `domain` is empty
    /// (so it does not validate on its own) and its `workers` is 0 (one per core).
    public static let defaults = ZvonokConfiguration()

    /// UDP and TCP on 0.0.0.0:5060 and [::]:5060.
    public static let defaultListen: [ListenPoint] = [
        ListenPoint(transport: .udp, address: "0.0.0.0", port: 5060),
        ListenPoint(transport: .tcp, address: "0.0.0.0", port: 5060),
        ListenPoint(transport: .udp, address: "::", port: 5060),
        ListenPoint(transport: .tcp, address: "::", port: 5060),
    ]

    /// This configuration with `workers` 0 replaced by `coreCount` (at least 1).
    public func resolvingWorkers(coreCount: Int) -> ZvonokConfiguration {
        var copy = self
        if copy.workers == 0 { copy.workers = max(1, coreCount) }
        return copy
    }

    /// RFC 3261 §17.1.1.1 timers. T1 is the round-trip estimate, T2 the longest retransmit
    /// interval for non-INVITE requests and INVITE responses, T4 how long a message may stay in
    /// the network.
    public struct Timers: Sendable, Equatable {
        /// T1, default 500 ms; 1–60000.
        public var t1Milliseconds: Int
        /// T2, default 4000 ms; at least T1, at most 60000.
        public var t2Milliseconds: Int
        /// T4, default 5000 ms; 1–60000.
        public var t4Milliseconds: Int

        /// Timers with the RFC 3261 defaults unless given.
        public init(t1Milliseconds: Int = 500, t2Milliseconds: Int = 4000, t4Milliseconds: Int = 5000) {
            self.t1Milliseconds = t1Milliseconds
            self.t2Milliseconds = t2Milliseconds
            self.t4Milliseconds = t4Milliseconds
        }
    }

    /// Caps on everything that grows with traffic (TIGER_STYLE: a limit on everything).
    public struct Limits: Sendable, Equatable {
        /// The largest SIP message accepted, default 65535; 1500–1048576. Receive buffers are
        /// sized from it at start-up, so changing it needs a restart.
        public var maxMessageBytes: Int
        /// TCP connections from one IP address, default 64; 1 to `maxConnections`.
        public var maxConnectionsPerIP: Int
        /// TCP connections in all, default 10000; 1–1000000 (keep below the unit's LimitNOFILE).
        public var maxConnections: Int
        /// A TCP connection idle this long is closed, default 600 s; 1–86400.
        public var tcpIdleTimeoutSeconds: Int
        /// Live transactions per worker, default 100000; 1–10000000. Past it new requests get 503.
        public var maxTransactions: Int
        /// A request larger than this goes over TCP instead of UDP (RFC 3261 §18.1.1 uses 1300
        /// when the path MTU is unknown), default 1300; 576–65507.
        public var udpMTUBytes: Int
        /// Overload: while a worker's UDP datagrams have waited in its socket longer than this, it
        /// answers new requests (outside dialogs, matching no transaction) 503 with Retry-After
        /// and keeps serving the calls it has. 0–10000; default 0, which never refuses (at 100 ms
        /// it also refuses bursts near capacity that would have been served: bench/README.md).
        public var overloadQueueDelayMilliseconds: Int

        /// Limits with their defaults unless given.
        public init(maxMessageBytes: Int = 65_535, maxConnectionsPerIP: Int = 64, maxConnections: Int = 10_000,
                    tcpIdleTimeoutSeconds: Int = 600, maxTransactions: Int = 100_000, udpMTUBytes: Int = 1300,
                    overloadQueueDelayMilliseconds: Int = 0) {
            self.maxMessageBytes = maxMessageBytes
            self.maxConnectionsPerIP = maxConnectionsPerIP
            self.maxConnections = maxConnections
            self.tcpIdleTimeoutSeconds = tcpIdleTimeoutSeconds
            self.maxTransactions = maxTransactions
            self.udpMTUBytes = udpMTUBytes
            self.overloadQueueDelayMilliseconds = overloadQueueDelayMilliseconds
        }

        /// The parser's limits with `maxMessageBytes` from this configuration and SIPCore's
        /// defaults for the rest. Call it only on a validated configuration.
        public var parserLimits: SIPParserLimits {
            SIPParserLimits(maxMessageBytes: maxMessageBytes)
        }
    }

    /// Logging settings.
    public struct Log: Sendable, Equatable {
        /// The swift-log levels, least to most severe.
        public enum Level: String, Sendable, CaseIterable, Comparable {
            case trace, debug, info, notice, warning, error, critical

            /// Ordered by severity, as `CaseIterable` lists them.
            public static func < (lhs: Level, rhs: Level) -> Bool {
                allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
            }
        }

        /// The least severe level logged, default `info`.
        public var level: Level

        /// Logging at `info` unless given.
        public init(level: Level = .info) {
            self.level = level
        }
    }

    /// Where the SQLite store lives.
    public struct Database: Sendable, Equatable {
        /// The database file, default `/var/lib/zvonok/zvonok.sqlite` (systemd's StateDirectory);
        /// a relative path is relative to the working directory.
        public var path: String

        /// The database at the default path unless given.
        public init(path: String = "/var/lib/zvonok/zvonok.sqlite") {
            self.path = path
        }
    }

    /// The Prometheus scrape endpoint (HTTP).
    public struct Metrics: Sendable, Equatable {
        /// The IP address to listen on, default `127.0.0.1`; IPv6 with or without brackets.
        public var address: String
        /// The TCP port, default 9090; 0 disables the endpoint.
        public var port: Int

        /// Metrics on 127.0.0.1:9090 unless given.
        public init(address: String = "127.0.0.1", port: Int = 9090) {
            self.address = address
            self.port = port
        }

        /// Whether the endpoint is enabled on an address other hosts can reach: allowed, but
        /// the daemon warns about it (metrics reveal traffic and account activity).
        public var isExposedBeyondLoopback: Bool {
            guard port != 0, let bytes = HostSyntax.ipBytes(Substring(addressWithoutBrackets)) else { return false }
            return !HostSyntax.isLoopback(bytes)
        }

        /// `address` with IPv6 brackets removed, as a socket address wants it.
        public var addressWithoutBrackets: String {
            address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
        }
    }

    /// Graceful shutdown on SIGTERM.
    public struct Shutdown: Sendable, Equatable {
        /// How long to let transactions and calls finish before exiting, default 32 s
        /// (64×T1, the longest a transaction lives); 0–3600. The systemd unit's TimeoutStopSec
        /// must be longer.
        public var gracePeriodSeconds: Int

        /// A 32-second grace period unless given.
        public init(gracePeriodSeconds: Int = 32) {
            self.gracePeriodSeconds = gracePeriodSeconds
        }
    }

    /// RFC 3261 §10.3 binding rules.
    public struct Registrar: Sendable, Equatable {
        /// A registration shorter than this (but not 0) gets 423 with Min-Expires, default 60 s; 1–86400.
        public var minExpiresSeconds: Int
        /// Longer registrations are shortened to this, default 3600 s; at least the minimum, at most 604800.
        public var maxExpiresSeconds: Int
        /// The expiry when a REGISTER gives none, default 3600 s; clamped to the two above.
        public var defaultExpiresSeconds: Int
        /// Devices one user may register at once, default 10; 1–100.
        public var maxBindingsPerUser: Int

        public init(minExpiresSeconds: Int = 60, maxExpiresSeconds: Int = 3600, defaultExpiresSeconds: Int = 3600,
                    maxBindingsPerUser: Int = 10) {
            self.minExpiresSeconds = minExpiresSeconds
            self.maxExpiresSeconds = maxExpiresSeconds
            self.defaultExpiresSeconds = defaultExpiresSeconds
            self.maxBindingsPerUser = maxBindingsPerUser
        }
    }

    /// Digest authentication (RFC 7616, RFC 8760) and the failed-authentication ban.
    public struct Authentication: Sendable, Equatable {
        /// The digest algorithms offered in challenges, in order; `sha256` and `md5`. Default both,
        /// SHA-256 first (RFC 8760).
        public var algorithms: [String]
        /// How long a nonce is accepted before the client is asked again with stale=true, default
        /// 300 s; 10–86400.
        public var nonceLifetimeSeconds: Int
        /// Failed authentications from one IP address within `failureWindowSeconds` that start a
        /// ban, default 10; 1–1000000.
        public var maxFailures: Int
        /// The window failures are counted in, default 60 s; 1–86400.
        public var failureWindowSeconds: Int
        /// How long a banned address is refused (403), default 300 s; 0–86400.
        public var banSeconds: Int

        public init(algorithms: [String] = ["sha256", "md5"], nonceLifetimeSeconds: Int = 300, maxFailures: Int = 10,
                    failureWindowSeconds: Int = 60, banSeconds: Int = 300) {
            self.algorithms = algorithms
            self.nonceLifetimeSeconds = nonceLifetimeSeconds
            self.maxFailures = maxFailures
            self.failureWindowSeconds = failureWindowSeconds
            self.banSeconds = banSeconds
        }

        /// The algorithm names accepted in `algorithms`.
        public static let knownAlgorithms = ["sha256", "md5"]
    }

    /// The stateful proxy (RFC 3261 §16).
    public struct Proxy: Sendable, Equatable {
        /// Timer C (§16.6 step 11): an INVITE branch silent this long after its last provisional
        /// response is cancelled. Default 181 s (the RFC asks for more than 3 minutes); 1–3600.
        public var timerCSeconds: Int

        public init(timerCSeconds: Int = 181) {
            self.timerCSeconds = timerCSeconds
        }
    }
}
