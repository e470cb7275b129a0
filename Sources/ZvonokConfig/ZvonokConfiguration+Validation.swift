extension ZvonokConfiguration {
    /// The ranges of the integer keys, inclusive.
    static let ranges: [String: ClosedRange<Int>] = [
        "workers": 0...1024,
        "timers.t1Milliseconds": 1...60_000,
        "timers.t2Milliseconds": 1...60_000,
        "timers.t4Milliseconds": 1...60_000,
        "limits.maxMessageBytes": 1500...1_048_576,
        "limits.maxConnectionsPerIP": 1...1_000_000,
        "limits.maxConnections": 1...1_000_000,
        "limits.tcpIdleTimeoutSeconds": 1...86_400,
        "limits.maxTransactions": 1...10_000_000,
        "limits.udpMTUBytes": 576...65_507,
        "limits.overloadQueueDelayMilliseconds": 0...10_000,
        "metrics.port": 0...65_535,
        "shutdown.gracePeriodSeconds": 0...3600,
        "registrar.minExpiresSeconds": 1...86_400,
        "registrar.maxExpiresSeconds": 1...604_800,
        "registrar.defaultExpiresSeconds": 1...604_800,
        "registrar.maxBindingsPerUser": 1...100,
        "authentication.nonceLifetimeSeconds": 1...86_400,
        "authentication.maxFailures": 1...1_000_000,
        "authentication.failureWindowSeconds": 1...86_400,
        "authentication.banSeconds": 0...86_400,
        "proxy.timerCSeconds": 1...3600,
    ]

    /// The most listen points one server binds.
    static let maxListenPoints = 64

    /// Every problem with this configuration, each naming its key; empty when it is usable.
    public func validate() -> [ConfigurationProblem] {
        validate(skipping: [])
    }

    /// `validate()`, leaving out the checks that involve a key in `skipped` (keys whose value
    /// could not be read at all, already reported, so that a check against the default that
    /// replaced them would only confuse).
    func validate(skipping skipped: Set<String>) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func report(_ key: String, _ message: String) {
            problems.append(ConfigurationProblem(key: key, message: message))
        }
        func check(_ key: String, _ value: Int) {
            guard !skipped.contains(key), let range = Self.ranges[key] else { return }
            if value < range.lowerBound {
                report(key, "\(value) is less than the minimum (\(range.lowerBound))")
            } else if value > range.upperBound {
                report(key, "\(value) is more than the maximum (\(range.upperBound))")
            }
        }

        if !skipped.contains("listen") {
            if listen.isEmpty {
                report("listen", "must name at least one transport:address:port, e.g. udp:0.0.0.0:5060")
            } else if listen.count > Self.maxListenPoints {
                report("listen", "\(listen.count) listen points is more than the maximum (\(Self.maxListenPoints))")
            }
            var seen: [String: Int] = [:]
            for (index, point) in listen.enumerated() {
                let key = "listen[\(index)]"
                if HostSyntax.ipBytes(Substring(point.address)) == nil {
                    report(key, "\"\(point.address)\" is not an IP address")
                } else if !(1...65_535).contains(point.port) {
                    report(key, "\"\(point)\": port \(point.port) is not a number from 1 to 65535")
                } else if let first = seen[point.bindingIdentity] {
                    report(key, "\"\(point)\" repeats listen[\(first)]")
                } else {
                    seen[point.bindingIdentity] = index
                }
            }
        }

        if !skipped.contains("domain") {
            if domain.isEmpty {
                report("domain", "is required: the SIP domain this server is responsible for, e.g. zvonok.example")
            } else if !Self.isDomain(domain) {
                report("domain", "\"\(domain)\" is not a host name or IP address")
            }
        }
        // An empty realm with an empty domain is the missing domain, already reported.
        if !skipped.contains("realm"), !domain.isEmpty {
            if realm.isEmpty {
                report("realm", "must not be empty (leave it out to use the domain)")
            } else if realm.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }) {
                report("realm", "\"\(realm)\" must not contain a double quote, a backslash or a control character")
            }
        }
        if !skipped.contains("advertisedAddress"), let advertisedAddress {
            if let reason = HostSyntax.hostPortProblem(advertisedAddress) {
                report("advertisedAddress", "\"\(advertisedAddress)\": \(reason)")
            }
        }

        check("workers", workers)
        check("timers.t1Milliseconds", timers.t1Milliseconds)
        check("timers.t2Milliseconds", timers.t2Milliseconds)
        check("timers.t4Milliseconds", timers.t4Milliseconds)
        if !skipped.contains("timers.t1Milliseconds"), !skipped.contains("timers.t2Milliseconds"),
           timers.t1Milliseconds > 0, timers.t2Milliseconds > 0, timers.t2Milliseconds < timers.t1Milliseconds {
            report("timers.t2Milliseconds",
                   "\(timers.t2Milliseconds) is less than timers.t1Milliseconds (\(timers.t1Milliseconds))")
        }

        check("limits.maxMessageBytes", limits.maxMessageBytes)
        check("limits.maxConnectionsPerIP", limits.maxConnectionsPerIP)
        check("limits.maxConnections", limits.maxConnections)
        check("limits.tcpIdleTimeoutSeconds", limits.tcpIdleTimeoutSeconds)
        check("limits.maxTransactions", limits.maxTransactions)
        check("limits.udpMTUBytes", limits.udpMTUBytes)
        check("limits.overloadQueueDelayMilliseconds", limits.overloadQueueDelayMilliseconds)
        if !skipped.contains("limits.maxConnectionsPerIP"), !skipped.contains("limits.maxConnections"),
           limits.maxConnections > 0, limits.maxConnectionsPerIP > limits.maxConnections {
            report("limits.maxConnectionsPerIP",
                   "\(limits.maxConnectionsPerIP) is more than limits.maxConnections (\(limits.maxConnections))")
        }

        if !skipped.contains("database.path") {
            if database.path.isEmpty {
                report("database.path", "must not be empty")
            } else if database.path.utf8.contains(0) {
                report("database.path", "must not contain a NUL character")
            } else if database.path.hasSuffix("/") {
                report("database.path", "\"\(database.path)\" names a directory; give the database file")
            }
        }

        if !skipped.contains("metrics.address"),
           HostSyntax.ipBytes(Substring(metrics.addressWithoutBrackets)) == nil {
            report("metrics.address", HostSyntax.isHostName(Substring(metrics.address))
                ? "\"\(metrics.address)\" is a host name; use an IP address (names are not resolved)"
                : "\"\(metrics.address)\" is not an IP address")
        }
        check("metrics.port", metrics.port)
        check("shutdown.gracePeriodSeconds", shutdown.gracePeriodSeconds)

        check("registrar.minExpiresSeconds", registrar.minExpiresSeconds)
        check("registrar.maxExpiresSeconds", registrar.maxExpiresSeconds)
        check("registrar.defaultExpiresSeconds", registrar.defaultExpiresSeconds)
        check("registrar.maxBindingsPerUser", registrar.maxBindingsPerUser)
        if !skipped.contains("registrar.minExpiresSeconds"), !skipped.contains("registrar.maxExpiresSeconds"),
           registrar.maxExpiresSeconds < registrar.minExpiresSeconds {
            report("registrar.maxExpiresSeconds",
                   "\(registrar.maxExpiresSeconds) is less than registrar.minExpiresSeconds (\(registrar.minExpiresSeconds))")
        }
        if !skipped.contains("authentication.algorithms") {
            if authentication.algorithms.isEmpty {
                report("authentication.algorithms", "must name at least one of sha256, md5")
            }
            for name in authentication.algorithms where !Authentication.knownAlgorithms.contains(name) {
                report("authentication.algorithms", "\"\(name)\" is not one of sha256, md5")
            }
        }
        check("authentication.nonceLifetimeSeconds", authentication.nonceLifetimeSeconds)
        check("authentication.maxFailures", authentication.maxFailures)
        check("authentication.failureWindowSeconds", authentication.failureWindowSeconds)
        check("authentication.banSeconds", authentication.banSeconds)
        check("proxy.timerCSeconds", proxy.timerCSeconds)
        problems += billingProblems(skipping: skipped)
        problems += trunkProblems(skipping: skipped)
        return problems
    }

    /// A host name, an IPv4 address or a bracketed IPv6 address, without a port.
    static func isDomain(_ text: String) -> Bool {
        let text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") {
            return HostSyntax.ipv6Bytes(text.dropFirst().dropLast()) != nil
        }
        return HostSyntax.ipv4Bytes(text) != nil || HostSyntax.isHostName(text)
    }
}
