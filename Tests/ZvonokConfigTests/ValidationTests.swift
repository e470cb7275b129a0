import Testing
@testable import ZvonokConfig

/// Each problem a configuration can have, with the exact message an operator reads, and that
/// they are all reported together.
@Suite struct ValidationTests {
    /// One bad setting each (as YAML, or as environment variables), and the one line it yields.
    static let singleProblems: [(yaml: String, environment: [String: String], expected: String)] = [
        ("timers: {t1Milliseconds: 0}", [:], "timers.t1Milliseconds: 0 is less than the minimum (1)"),
        ("timers: {t2Milliseconds: 100}", [:], "timers.t2Milliseconds: 100 is less than timers.t1Milliseconds (500)"),
        ("timers: {t1Milliseconds: 5000, t2Milliseconds: 4000}", [:],
         "timers.t2Milliseconds: 4000 is less than timers.t1Milliseconds (5000)"),
        ("timers: {t4Milliseconds: 60001}", [:], "timers.t4Milliseconds: 60001 is more than the maximum (60000)"),
        ("timers: {t4Milliseconds: 0}", [:], "timers.t4Milliseconds: 0 is less than the minimum (1)"),
        ("", ["ZVONOK_TIMERS_T2MILLISECONDS": "70000"], "timers.t2Milliseconds: 70000 is more than the maximum (60000)"),
        ("limits: {maxMessageBytes: 1000}", [:], "limits.maxMessageBytes: 1000 is less than the minimum (1500)"),
        ("limits: {maxMessageBytes: 2000000}", [:], "limits.maxMessageBytes: 2000000 is more than the maximum (1048576)"),
        ("limits: {maxConnectionsPerIP: 20000}", [:],
         "limits.maxConnectionsPerIP: 20000 is more than limits.maxConnections (10000)"),
        ("limits: {maxConnectionsPerIP: 0}", [:], "limits.maxConnectionsPerIP: 0 is less than the minimum (1)"),
        ("limits: {maxConnections: 2000000}", [:], "limits.maxConnections: 2000000 is more than the maximum (1000000)"),
        ("limits: {tcpIdleTimeoutSeconds: 0}", [:], "limits.tcpIdleTimeoutSeconds: 0 is less than the minimum (1)"),
        ("limits: {maxTransactions: 0}", [:], "limits.maxTransactions: 0 is less than the minimum (1)"),
        ("limits: {udpMTUBytes: 100}", [:], "limits.udpMTUBytes: 100 is less than the minimum (576)"),
        ("limits: {overloadQueueDelayMilliseconds: 20000}", [:],
         "limits.overloadQueueDelayMilliseconds: 20000 is more than the maximum (10000)"),
        ("workers: -1", [:], "workers: -1 is less than the minimum (0)"),
        ("workers: 5000", [:], "workers: 5000 is more than the maximum (1024)"),
        ("log: {level: verbose}", [:],
         "log.level: \"verbose\" is not one of trace, debug, info, notice, warning, error, critical"),
        ("", ["ZVONOK_DATABASE_PATH": ""], "database.path: must not be empty"),
        ("database: {path: /var/lib/zvonok/}", [:],
         "database.path: \"/var/lib/zvonok/\" names a directory; give the database file"),
        ("metrics: {address: localhost}", [:],
         "metrics.address: \"localhost\" is a host name; use an IP address (names are not resolved)"),
        ("metrics: {address: 300.1.1.1}", [:], "metrics.address: \"300.1.1.1\" is not an IP address"),
        ("metrics: {port: 70000}", [:], "metrics.port: 70000 is more than the maximum (65535)"),
        ("shutdown: {gracePeriodSeconds: -1}", [:], "shutdown.gracePeriodSeconds: -1 is less than the minimum (0)"),
        ("domain: zvonok..example", [:], "domain: \"zvonok..example\" is not a host name or IP address"),
        ("domain: \"zvonok.example:5060\"", [:], "domain: \"zvonok.example:5060\" is not a host name or IP address"),
        ("realm: 'Say \"hi\"'", [:],
         "realm: \"Say \"hi\"\" must not contain a double quote, a backslash or a control character"),
        ("realm: ''", [:], "realm: must not be empty (leave it out to use the domain)"),
        ("advertisedAddress: \"[::1:5060\"", [:],
         "advertisedAddress: \"[::1:5060\": IPv6 address must be in brackets, optionally followed by :port"),
        ("", ["ZVONOK_ADVERTISED_ADDRESS": "sip.example:99999"],
         "advertisedAddress: \"sip.example:99999\": port \"99999\" is not a number from 1 to 65535"),
        ("listen: [\"udp:0.0.0.0:5060\", \"tcp:0.0.0.0:5060\", \"udp:[::1:5060\"]", [:],
         "listen[2]: \"udp:[::1:5060\": IPv6 address must be in brackets followed by :port"),
        ("", ["ZVONOK_LISTEN": "udp:127.0.0.1:5070,tls:127.0.0.1:5071"],
         "listen[1]: \"tls:127.0.0.1:5071\": unknown transport \"tls\" (expected udp or tcp)"),
        ("", ["ZVONOK_LISTEN": "udp:127.0.0.1:5070,"],
         "listen[1]: \"\": empty listen point; expected transport:address:port, e.g. udp:0.0.0.0:5060 or tcp:[::1]:5060"),
        ("", ["ZVONOK_LISTEN": "udp:[::1]:5060,udp:[0:0::1]:5060"], "listen[1]: \"udp:[0:0::1]:5060\" repeats listen[0]"),
        ("listen: []", [:], "listen: must name at least one transport:address:port, e.g. udp:0.0.0.0:5060"),
    ]

    @Test(arguments: singleProblems.indices)
    func eachProblemHasItsMessage(index: Int) async throws {
        let (yaml, environment, expected) = Self.singleProblems[index]
        let problems = try await Support.problems(yaml: yaml, environment: environment)
        #expect(problems == [expected])
    }

    @Test func aMissingDomainIsRequired() async throws {
        #expect(try await Support.problems(yaml: "log: {level: info}", supplyDomain: false)
            == ["domain: is required: the SIP domain this server is responsible for, e.g. zvonok.example"])
    }

    @Test func valuesOfTheWrongTypeNameTheirKeyAndSource() async throws {
        try await Support.withFile("domain: a.example\ntimers:\n  t1Milliseconds: abc\n  t2Milliseconds: 100\nlimits:\n  maxConnections: [1, 2]\nrealm: [a, b]\n") { path in
            do {
                _ = try await ConfigurationLoader.load(
                    file: path, environment: ["ZVONOK_WORKERS": "", "ZVONOK_METRICS_PORT": "9090.5"], coreCount: 1)
                Issue.record("loaded")
            } catch let error as ConfigurationError {
                // t2 (100) is not compared with a t1 that could not be read.
                #expect(error.problems.map(\.description) == [
                    "realm: expected a single value, found a list (in \(path))",
                    "workers: \"\" is not an integer (environment variable ZVONOK_WORKERS)",
                    "timers.t1Milliseconds: \"abc\" is not an integer (in \(path))",
                    "limits.maxConnections: expected an integer, found a list (in \(path))",
                    "metrics.port: \"9090.5\" is not an integer (environment variable ZVONOK_METRICS_PORT)",
                ])
            }
        }
    }

    @Test func misspeltAndMisshapenKeysInTheFile() async throws {
        let problems = try await Support.problems(yaml: """
            timer:
              t1Milliseconds: 100
            timers:
              t1milliseconds: 100
              t3Milliseconds: 100
            limits: 5
            log:
              level:
                name: debug
            listen:
              - {udp: "0.0.0.0:5060"}
            colour: blue
            """)
        #expect(problems == [
            "timer: unknown key (line 1); did you mean timers?",
            "timers.t1milliseconds: unknown key (line 4); did you mean timers.t1Milliseconds?",
            "timers.t3Milliseconds: unknown key (line 5); did you mean timers.t1Milliseconds?",
            "limits: expected a mapping with the keys maxMessageBytes, maxConnectionsPerIP, maxConnections, "
                + "tcpIdleTimeoutSeconds, maxTransactions, udpMTUBytes, overloadQueueDelayMilliseconds (line 6)",
            "log.level: expected a value, found a mapping (line 9)",
            "listen[0]: expected a string, found a mapping (line 11)",
            "colour: unknown key (line 12)",
        ])
    }

    @Test func misspeltEnvironmentVariablesAreNamed() async throws {
        let problems = try await Support.problems(yaml: nil, environment: [
            "ZVONOK_TIMERS_T1_MILLISECONDS": "250",
            "ZVONOK_LIMITS_UDP_MTU_BYTES": "1200",
            "ZVONOK_LOG_LEVLE": "debug",
            "ZVONOK_FUZZ_SECONDS": "600",
        ])
        #expect(problems == [
            "ZVONOK_LIMITS_UDP_MTU_BYTES: unknown configuration variable; did you mean ZVONOK_LIMITS_UDP_MTUBYTES?",
            "ZVONOK_LOG_LEVLE: unknown configuration variable; did you mean ZVONOK_LOG_LEVEL?",
            "ZVONOK_TIMERS_T1_MILLISECONDS: unknown configuration variable; did you mean ZVONOK_TIMERS_T1MILLISECONDS?",
        ])
    }

    @Test func everyProblemIsReportedTogether() async throws {
        try await Support.withFile("""
            listen: ["udp:0.0.0.0:5060", "udp:[::1:5060", "sctp:0.0.0.0:5060"]
            domain: zvonok.example
            timers:
              t1Milliseconds: 500
              t2Milliseconds: 100
            limits:
              maxMessageBytes: 100
            log:
              level: loud
            metrics:
              address: metrics.local
            databse:
              path: x.sqlite
            """) { path in
            do {
                _ = try await ConfigurationLoader.load(
                    file: path, environment: ["ZVONOK_SHUTDOWN_GRACE_PERIOD_SECONDS": "7200", "ZVONOK_WORKERS": "x"],
                    coreCount: 2)
                Issue.record("loaded")
            } catch let error as ConfigurationError {
                let expected = """
                    databse: unknown key (line 12); did you mean database?
                    listen[1]: "udp:[::1:5060": IPv6 address must be in brackets followed by :port
                    listen[2]: "sctp:0.0.0.0:5060": unknown transport "sctp" (expected udp or tcp)
                    workers: "x" is not an integer (environment variable ZVONOK_WORKERS)
                    log.level: "loud" is not one of trace, debug, info, notice, warning, error, critical
                    timers.t2Milliseconds: 100 is less than timers.t1Milliseconds (500)
                    limits.maxMessageBytes: 100 is less than the minimum (1500)
                    metrics.address: "metrics.local" is a host name; use an IP address (names are not resolved)
                    shutdown.gracePeriodSeconds: 7200 is more than the maximum (3600)
                    """
                #expect(error.description == expected)
                #expect(error.problems.count == 9)
            }
        }
    }

    @Test func validateChecksAConfigurationBuiltInCode() {
        var configuration = ZvonokConfiguration(domain: "zvonok.example")
        #expect(configuration.validate().isEmpty)
        configuration.listen = [ListenPoint(transport: .udp, address: "[::1]", port: 5060),
                                ListenPoint(transport: .tcp, address: "127.0.0.1", port: 0)]
        configuration.metrics.address = "[::1]"
        #expect(configuration.validate().map(\.description) == [
            "listen[0]: \"[::1]\" is not an IP address",
            "listen[1]: \"tcp:127.0.0.1:0\": port 0 is not a number from 1 to 65535",
        ])
        configuration.listen = Array(repeating: ZvonokConfiguration.defaultListen[0], count: 65)
        #expect(configuration.validate().first?.description == "listen: 65 listen points is more than the maximum (64)")
    }

    @Test func metricsExposure() {
        func exposed(_ address: String, _ port: Int = 9090) -> Bool {
            ZvonokConfiguration.Metrics(address: address, port: port).isExposedBeyondLoopback
        }
        #expect(!exposed("127.0.0.1"))
        #expect(!exposed("127.1.2.3"))
        #expect(!exposed("::1"))
        #expect(!exposed("[::1]"))
        #expect(exposed("0.0.0.0"))
        #expect(exposed("::"))
        #expect(exposed("192.0.2.5"))
        #expect(!exposed("0.0.0.0", 0), "a disabled endpoint exposes nothing")
    }
}
