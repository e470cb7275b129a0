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
        new.domain = "other.example"
        new.realm = "Other"
        new.advertisedAddress = "203.0.113.7"
        new.shutdown.gracePeriodSeconds = 5
        #expect(base.restartRequiredChanges(to: new).isEmpty)
        #expect(base.changedKeys(to: new) == [
            "domain", "realm", "advertisedAddress", "timers.t1Milliseconds", "timers.t2Milliseconds",
            "timers.t4Milliseconds", "limits.maxConnectionsPerIP", "limits.maxConnections",
            "limits.tcpIdleTimeoutSeconds", "limits.maxTransactions", "limits.udpMTUBytes", "log.level",
            "shutdown.gracePeriodSeconds",
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
        #expect(base.restartRequiredChanges(to: new)
            == ["listen", "workers", "database.path", "metrics.address", "metrics.port"])
        #expect(ConfigurationKeys.restartRequired
            == ["listen", "workers", "database.path", "metrics.address", "metrics.port"])
        #expect(base.changedKeys(to: new).contains("limits.maxMessageBytes"))
    }

    @Test func reorderingListenPointsIsAChange() {
        var new = base
        new.listen.reverse()
        #expect(base.restartRequiredChanges(to: new) == ["listen"])
    }
}
