import Foundation
import Testing
@testable import ZvonokConfig

/// Loading: defaults, a full file, environment over file, the environment variable names, keys
/// written without a value, and the problems with the file itself.
@Suite struct ConfigurationLoaderTests {
    @Test func defaultsAreTheDocumentedValues() {
        let d = ZvonokConfiguration.defaults
        #expect(d.listen.map(\.description) == ["udp:0.0.0.0:5060", "tcp:0.0.0.0:5060", "udp:[::]:5060", "tcp:[::]:5060"])
        #expect(d.domain == "" && d.realm == "" && d.advertisedAddress == nil && d.workers == 0)
        #expect(d.timers == .init(t1Milliseconds: 500, t2Milliseconds: 4000, t4Milliseconds: 5000))
        #expect(d.limits == .init(maxMessageBytes: 65_535, maxConnectionsPerIP: 64, maxConnections: 10_000,
                                  tcpIdleTimeoutSeconds: 600, maxTransactions: 100_000, udpMTUBytes: 1300,
                                  overloadQueueDelayMilliseconds: 0))
        #expect(d.log.level == .info)
        #expect(d.database.path == "/var/lib/zvonok/zvonok.sqlite")
        #expect(d.metrics.address == "127.0.0.1" && d.metrics.port == 9090 && !d.metrics.isExposedBeyondLoopback)
        #expect(d.shutdown.gracePeriodSeconds == 32)
        #expect(d.limits.parserLimits.maxMessageBytes == 65_535)
        // The one key without a default.
        #expect(d.validate().map(\.description)
            == ["domain: is required: the SIP domain this server is responsible for, e.g. zvonok.example"])
    }

    @Test func noFileGivesTheDefaultsWithWorkersResolved() async throws {
        let loaded = try await ConfigurationLoader.load(file: nil, environment: ["ZVONOK_DOMAIN": "zvonok.example"],
                                                        coreCount: 6)
        var expected = ZvonokConfiguration(domain: "zvonok.example")
        expected.workers = 6
        #expect(loaded == expected)
        #expect(loaded.realm == "zvonok.example")
    }

    @Test func workersZeroBecomesTheCoreCountAndOthersStay() async throws {
        #expect(try await Support.load(yaml: "workers: 0", coreCount: 2).workers == 2)
        #expect(try await Support.load(yaml: "workers: 0", coreCount: 0).workers == 1)
        #expect(try await Support.load(yaml: "workers: 3", coreCount: 2).workers == 3)
        #expect(ZvonokConfiguration(workers: 5).resolvingWorkers(coreCount: 8).workers == 5)
    }

    static let fullFile = """
        listen:
          - udp:192.0.2.10:5070
          - "tcp:[2001:db8::10]:5071"
        domain: voip.example
        realm: Voip Realm
        advertisedAddress: sip.voip.example:5070
        workers: 3
        timers:
          t1Milliseconds: 250
          t2Milliseconds: 2000
          t4Milliseconds: 2500
        limits:
          maxMessageBytes: 8192
          maxConnectionsPerIP: 8
          maxConnections: 500
          tcpIdleTimeoutSeconds: 120
          maxTransactions: 5000
          udpMTUBytes: 1200
          overloadQueueDelayMilliseconds: 250
        log:
          level: warning
        database:
          path: /srv/zvonok/db.sqlite
        metrics:
          address: "::1"
          port: 9191
        shutdown:
          gracePeriodSeconds: 10
        registrar:
          minExpiresSeconds: 30
          maxExpiresSeconds: 7200
          defaultExpiresSeconds: 600
          maxBindingsPerUser: 4
        authentication:
          algorithms: [md5]
          nonceLifetimeSeconds: 120
          maxFailures: 5
          failureWindowSeconds: 30
          banSeconds: 900
        proxy:
          timerCSeconds: 200
        billing:
          trialMinutes: 5
          timeZone: Asia/Yekaterinburg
          sliceSeconds: 120
          maxCallSeconds: 7200
          maxConcurrentCalls: 4
        sms:
          dailyLimitPerAccount: 7
        """

    @Test func loadsEveryKeyFromAFile() async throws {
        let loaded = try await Support.load(yaml: Self.fullFile)
        let expected = ZvonokConfiguration(
            listen: [ListenPoint(transport: .udp, address: "192.0.2.10", port: 5070),
                     ListenPoint(transport: .tcp, address: "2001:db8::10", port: 5071)],
            domain: "voip.example", realm: "Voip Realm", advertisedAddress: "sip.voip.example:5070", workers: 3,
            timers: .init(t1Milliseconds: 250, t2Milliseconds: 2000, t4Milliseconds: 2500),
            limits: .init(maxMessageBytes: 8192, maxConnectionsPerIP: 8, maxConnections: 500,
                          tcpIdleTimeoutSeconds: 120, maxTransactions: 5000, udpMTUBytes: 1200,
                          overloadQueueDelayMilliseconds: 250),
            log: .init(level: .warning), database: .init(path: "/srv/zvonok/db.sqlite"),
            metrics: .init(address: "::1", port: 9191), shutdown: .init(gracePeriodSeconds: 10),
            registrar: .init(minExpiresSeconds: 30, maxExpiresSeconds: 7200, defaultExpiresSeconds: 600, maxBindingsPerUser: 4),
            authentication: .init(algorithms: ["md5"], nonceLifetimeSeconds: 120, maxFailures: 5, failureWindowSeconds: 30,
                                  banSeconds: 900),
            proxy: .init(timerCSeconds: 200),
            billing: .init(trialMinutes: 5, timeZone: "Asia/Yekaterinburg", sliceSeconds: 120, maxCallSeconds: 7200, maxConcurrentCalls: 4),
            sms: .init(dailyLimitPerAccount: 7))
        #expect(loaded == expected)
        #expect(loaded.changedKeys(to: expected).isEmpty)
        #expect(ZvonokConfiguration.defaults.changedKeys(to: loaded) == ConfigurationKeys.all)
    }

    @Test func environmentOverridesTheFileKeyByKey() async throws {
        let environment = [
            "ZVONOK_TIMERS_T1MILLISECONDS": "300",
            "ZVONOK_LISTEN": "udp:127.0.0.1:5070, tcp:127.0.0.1:5070",
            "ZVONOK_LOG_LEVEL": "DEBUG",
            "ZVONOK_DOMAIN": "other.example",
            "ZVONOK_ADVERTISED_ADDRESS": "",
        ]
        let loaded = try await Support.load(yaml: Self.fullFile, environment: environment)
        #expect(loaded.timers.t1Milliseconds == 300)
        #expect(loaded.timers.t2Milliseconds == 2000, "keys the environment leaves alone come from the file")
        #expect(loaded.listen.map(\.description) == ["udp:127.0.0.1:5070", "tcp:127.0.0.1:5070"])
        #expect(loaded.log.level == .debug)
        #expect(loaded.domain == "other.example")
        #expect(loaded.realm == "Voip Realm")
        #expect(loaded.advertisedAddress == nil, "an empty variable removes the file's advertised address")
        #expect(loaded.metrics.port == 9191)
    }

    /// The variable names follow swift-configuration's EnvironmentVariablesProvider: this is the
    /// documented list (README.md), and each name really reaches its key through the provider.
    static let environmentNames: [(key: String, variable: String, sample: String)] = [
        ("listen", "ZVONOK_LISTEN", "udp:127.0.0.1:5999"),
        ("domain", "ZVONOK_DOMAIN", "other.example"),
        ("realm", "ZVONOK_REALM", "Other"),
        ("advertisedAddress", "ZVONOK_ADVERTISED_ADDRESS", "203.0.113.7"),
        ("workers", "ZVONOK_WORKERS", "7"),
        ("timers.t1Milliseconds", "ZVONOK_TIMERS_T1MILLISECONDS", "400"),
        ("timers.t2Milliseconds", "ZVONOK_TIMERS_T2MILLISECONDS", "3000"),
        ("timers.t4Milliseconds", "ZVONOK_TIMERS_T4MILLISECONDS", "4000"),
        ("limits.maxMessageBytes", "ZVONOK_LIMITS_MAX_MESSAGE_BYTES", "9000"),
        ("limits.maxConnectionsPerIP", "ZVONOK_LIMITS_MAX_CONNECTIONS_PER_IP", "16"),
        ("limits.maxConnections", "ZVONOK_LIMITS_MAX_CONNECTIONS", "2000"),
        ("limits.tcpIdleTimeoutSeconds", "ZVONOK_LIMITS_TCP_IDLE_TIMEOUT_SECONDS", "60"),
        ("limits.maxTransactions", "ZVONOK_LIMITS_MAX_TRANSACTIONS", "777"),
        ("limits.udpMTUBytes", "ZVONOK_LIMITS_UDP_MTUBYTES", "1400"),
        ("limits.overloadQueueDelayMilliseconds", "ZVONOK_LIMITS_OVERLOAD_QUEUE_DELAY_MILLISECONDS", "150"),
        ("log.level", "ZVONOK_LOG_LEVEL", "trace"),
        ("database.path", "ZVONOK_DATABASE_PATH", "/tmp/z.sqlite"),
        ("metrics.address", "ZVONOK_METRICS_ADDRESS", "0.0.0.0"),
        ("metrics.port", "ZVONOK_METRICS_PORT", "0"),
        ("shutdown.gracePeriodSeconds", "ZVONOK_SHUTDOWN_GRACE_PERIOD_SECONDS", "5"),
        ("registrar.minExpiresSeconds", "ZVONOK_REGISTRAR_MIN_EXPIRES_SECONDS", "20"),
        ("registrar.maxExpiresSeconds", "ZVONOK_REGISTRAR_MAX_EXPIRES_SECONDS", "900"),
        ("registrar.defaultExpiresSeconds", "ZVONOK_REGISTRAR_DEFAULT_EXPIRES_SECONDS", "300"),
        ("registrar.maxBindingsPerUser", "ZVONOK_REGISTRAR_MAX_BINDINGS_PER_USER", "3"),
        ("authentication.algorithms", "ZVONOK_AUTHENTICATION_ALGORITHMS", "md5"),
        ("authentication.nonceLifetimeSeconds", "ZVONOK_AUTHENTICATION_NONCE_LIFETIME_SECONDS", "60"),
        ("authentication.maxFailures", "ZVONOK_AUTHENTICATION_MAX_FAILURES", "3"),
        ("authentication.failureWindowSeconds", "ZVONOK_AUTHENTICATION_FAILURE_WINDOW_SECONDS", "10"),
        ("authentication.banSeconds", "ZVONOK_AUTHENTICATION_BAN_SECONDS", "5"),
        ("proxy.timerCSeconds", "ZVONOK_PROXY_TIMER_CSECONDS", "30"),
        ("billing.trialMinutes", "ZVONOK_BILLING_TRIAL_MINUTES", "30"),
        ("billing.timeZone", "ZVONOK_BILLING_TIME_ZONE", "UTC"),
        ("billing.sliceSeconds", "ZVONOK_BILLING_SLICE_SECONDS", "60"),
        ("billing.maxCallSeconds", "ZVONOK_BILLING_MAX_CALL_SECONDS", "3600"),
        ("billing.maxConcurrentCalls", "ZVONOK_BILLING_MAX_CONCURRENT_CALLS", "2"),
        ("sms.dailyLimitPerAccount", "ZVONOK_SMS_DAILY_LIMIT_PER_ACCOUNT", "3"),
    ]

    @Test func everyKeyHasItsDocumentedVariableAndTheProviderReadsIt() async throws {
        #expect(Self.environmentNames.map(\.key) == ConfigurationKeys.all)
        let base = ["ZVONOK_DOMAIN": "zvonok.example", "ZVONOK_REALM": "zvonok.example"]
        let baseline = try await ConfigurationLoader.load(file: nil, environment: base, coreCount: 4)
        for (key, variable, sample) in Self.environmentNames {
            #expect(ConfigurationKeys.environmentVariableName(forKey: key) == variable)
            let loaded = try await ConfigurationLoader.load(
                file: nil, environment: base.merging([variable: sample]) { $1 }, coreCount: 4)
            #expect(baseline.changedKeys(to: loaded) == [key], "\(variable)=\(sample)")
        }
    }

    @Test func realmDefaultsToTheDomain() async throws {
        #expect(try await Support.load(yaml: "domain: a.example").realm == "a.example")
        #expect(try await Support.load(yaml: "domain: a.example\nrealm: Zvonok").realm == "Zvonok")
        #expect(ZvonokConfiguration(domain: "b.example").realm == "b.example")
    }

    @Test func keysWithoutAValueTakeTheirDefaults() async throws {
        let loaded = try await Support.load(yaml: """
            listen:
            advertisedAddress:
            workers: ~
            timers:
              t1Milliseconds: null
              t2Milliseconds: 4500
            limits:
            """)
        #expect(loaded.listen == ZvonokConfiguration.defaultListen)
        #expect(loaded.advertisedAddress == nil)
        #expect(loaded.workers == 4)
        #expect(loaded.timers == .init(t2Milliseconds: 4500))
        #expect(loaded.limits == .init())
        // The environment still overrides a key the file leaves empty.
        let overridden = try await Support.load(yaml: "timers:\n  t1Milliseconds:\n",
                                                environment: ["ZVONOK_TIMERS_T1MILLISECONDS": "200"])
        #expect(overridden.timers.t1Milliseconds == 200)
    }

    @Test func listenMayBeOneCommaSeparatedStringInTheFileToo() async throws {
        let loaded = try await Support.load(yaml: "listen: \"udp:127.0.0.1:5060, tcp:[::1]:5061\"")
        #expect(loaded.listen.map(\.description) == ["udp:127.0.0.1:5060", "tcp:[::1]:5061"])
    }

    @Test func anEmptyFileMeansAllDefaults() async throws {
        let loaded = try await Support.load(yaml: "# nothing set\n")
        #expect(loaded == ZvonokConfiguration(domain: "zvonok.example").resolvingWorkers(coreCount: 4))
    }

    @Test func variablesOfOtherComponentsAreLeftAlone() async throws {
        let loaded = try await Support.load(yaml: nil, environment: ["ZVONOK_FUZZ_SEED": "42", "ZVONOKX": "1",
                                                                      "PATH": "/usr/bin"])
        #expect(loaded.domain == "zvonok.example")
    }

    @Test func aMissingFileIsAnErrorNamingThePath() async throws {
        let path = "/nonexistent-\(UUID().uuidString)/zvonok.yaml"
        await #expect(throws: ConfigurationError(problems: [.init(key: path, message: "configuration file not found")])) {
            try await ConfigurationLoader.load(file: path, environment: ["ZVONOK_DOMAIN": "zvonok.example"], coreCount: 1)
        }
    }

    @Test func aDirectoryIsNotAConfigurationFile() async throws {
        let directory = FileManager.default.temporaryDirectory.path
        await #expect(throws: ConfigurationError(problems: [.init(key: directory, message: "is a directory, not a configuration file")])) {
            try await ConfigurationLoader.load(file: directory, environment: ["ZVONOK_DOMAIN": "zvonok.example"], coreCount: 1)
        }
    }

    @Test func fileProblemsAreReportedWithTheEnvironmentsProblems() async throws {
        let path = "/nonexistent-\(UUID().uuidString).yaml"
        do {
            _ = try await ConfigurationLoader.load(file: path, environment: ["ZVONOK_WORKERS": "many"], coreCount: 1)
            Issue.record("loaded")
        } catch let error as ConfigurationError {
            #expect(error.description == """
                \(path): configuration file not found
                workers: "many" is not an integer (environment variable ZVONOK_WORKERS)
                domain: is required: the SIP domain this server is responsible for, e.g. zvonok.example
                """)
        }
    }

    @Test func anOversizedFileIsRefused() async throws {
        let yaml = "domain: a.example\n" + String(repeating: "# padding\n", count: 110_000)
        try await Support.withFile(yaml) { path in
            await #expect(throws: ConfigurationError(problems: [.init(
                key: path, message: "is 1100018 bytes, more than a configuration file may be (1048576)")])) {
                try await ConfigurationLoader.load(file: path, environment: ["ZVONOK_DOMAIN": "a.example"], coreCount: 1)
            }
        }
    }

    @Test func malformedYAMLNamesTheFileAndLine() async throws {
        try await Support.withFile("domain: a.example\ntimers:\n  t1Milliseconds: [1, 2\n") { path in
            do {
                _ = try await ConfigurationLoader.load(file: path, environment: [:], coreCount: 1)
                Issue.record("loaded")
            } catch let error as ConfigurationError {
                #expect(error.problems.count == 2)
                let first = error.problems[0]
                #expect(first.key == path)
                #expect(first.message.hasPrefix("invalid YAML: line 4, column 1: "), "\(first.message)")
                #expect(!first.message.contains("\n"))
                #expect(error.problems[1].key == "domain", "with the file unreadable, only the environment counts")
            }
        }
    }

    @Test func theTopLevelMustBeAMapping() async throws {
        _ = try await Support.withFile("- udp:0.0.0.0:5060\n") { path in
            await #expect(throws: ConfigurationError(problems: [.init(
                key: path, message: "the top level must be a mapping of keys (such as domain: zvonok.example)")])) {
                try await ConfigurationLoader.load(file: path, environment: ["ZVONOK_DOMAIN": "a.example"], coreCount: 1)
            }
        }
    }

    @Test func duplicateKeysAreRefused() async throws {
        try await Support.withFile("domain: a.example\ntimers:\n  t1Milliseconds: 100\ntimers:\n  t2Milliseconds: 100\n") { path in
            do {
                _ = try await ConfigurationLoader.load(file: path, environment: [:], coreCount: 1)
                Issue.record("loaded")
            } catch let error as ConfigurationError {
                #expect(error.problems.first?.description.hasPrefix("\(path): invalid YAML: duplicate key timers") == true,
                        "\(error)")
            }
        }
    }
}
