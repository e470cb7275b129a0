import Testing
@testable import ZvonokConfig

/// What a SIGHUP reload can apply and what needs a restart.
@Suite struct ReloadTests {
    let base = ZvonokConfiguration(domain: "zvonok.example", workers: 4)

    @Test func noChangeNeedsNothing() {
        #expect(base.changedKeys(to: base).isEmpty)
        #expect(base.restartRequiredChanges(to: base).isEmpty)
    }

    @Test func liveKeysNeedNoRestart() {
        var new = base
        new.log.level = .debug
        new.timers = .init(t1Milliseconds: 250, t2Milliseconds: 2000, t4Milliseconds: 2500)
        new.limits.maxConnections = 50
        new.limits.maxConnectionsPerIP = 5
        new.limits.tcpIdleTimeoutSeconds = 30
        new.limits.maxTransactions = 10
        new.limits.udpMTUBytes = 1200
        new.limits.overloadQueueDelayMilliseconds = 50
        new.advertisedAddress = "203.0.113.7"
        new.shutdown.gracePeriodSeconds = 5
        new.registrar.maxBindingsPerUser = 3
        new.authentication.maxFailures = 4
        #expect(base.restartRequiredChanges(to: new).isEmpty)
        #expect(base.changedKeys(to: new) == [
            "advertisedAddress", "timers.t1Milliseconds", "timers.t2Milliseconds",
            "timers.t4Milliseconds", "limits.maxConnectionsPerIP", "limits.maxConnections",
            "limits.tcpIdleTimeoutSeconds", "limits.maxTransactions", "limits.udpMTUBytes",
            "limits.overloadQueueDelayMilliseconds", "log.level",
            "shutdown.gracePeriodSeconds", "registrar.maxBindingsPerUser", "authentication.maxFailures",
        ])
    }

    @Test func restartKeysAreNamed() {
        var new = base
        new.listen = [ListenPoint(transport: .udp, address: "127.0.0.1", port: 5060)]
        new.workers = 8
        new.limits.maxMessageBytes = 4096
        new.database.path = "/srv/z.sqlite"
        new.metrics.address = "0.0.0.0"
        new.metrics.port = 0
        new.log.level = .error
        new.domain = "other.example"
        new.realm = "Other"
        new.proxy.timerCSeconds = 200
        #expect(base.restartRequiredChanges(to: new)
            == ["listen", "domain", "realm", "workers", "database.path", "metrics.address", "metrics.port",
                "proxy.timerCSeconds"])
        #expect(ConfigurationKeys.restartRequired
            == ["listen", "domain", "realm", "workers", "database.path", "metrics.address", "metrics.port",
                "authentication.nonceLifetimeSeconds", "proxy.timerCSeconds"])
        #expect(base.changedKeys(to: new).contains("limits.maxMessageBytes"))
    }

    @Test func reorderingListenPointsIsAChange() {
        var new = base
        new.listen.reverse()
        #expect(base.restartRequiredChanges(to: new) == ["listen"])
    }
}
