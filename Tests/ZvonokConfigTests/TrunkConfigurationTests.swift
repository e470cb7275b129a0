import Testing
@testable import ZvonokConfig

/// The `trunks:` and `sms:` sections: reading a full entry, defaults, environment overrides of a
/// trunk's fields, each problem with the message an operator reads, and the reload diff.
@Suite struct TrunkConfigurationTests {
    static let full = """
        trunks:
          main:
            address: sip.provider.example:5070
            transport: tcp
            username: zvonok
            password: s3cret
            realm: provider.example
            fromDomain: zvonok.example
            callerID: account
            prefixes: [7, "380"]
            priority: 5
            smsGateway: sip:sms@sms.provider.example
            acceptFrom: [192.0.2.10, "[2001:db8::1]"]
            register: true
            registerExpiresSeconds: 600
          backup:
            address: 192.0.2.20
        sms:
          dailyLimitPerAccount: 20
        """

    @Test func readsEveryFieldInFileOrder() async throws {
        let configuration = try await Support.load(yaml: Self.full)
        #expect(configuration.trunks.map(\.name) == ["main", "backup"])
        let main = configuration.trunks[0]
        #expect(main == ZvonokConfiguration.Trunk(
            name: "main", address: "sip.provider.example:5070", transport: .tcp, username: "zvonok", password: "s3cret",
            realm: "provider.example", fromDomain: "zvonok.example", callerID: .account, prefixes: ["7", "380"], priority: 5,
            smsGateway: "sip:sms@sms.provider.example", acceptFrom: ["192.0.2.10", "[2001:db8::1]"], register: true,
            registerExpiresSeconds: 600))
        #expect(main.host == "sip.provider.example" && main.port == 5070)
        let backup = configuration.trunks[1]
        #expect(backup == ZvonokConfiguration.Trunk(name: "backup", address: "192.0.2.20"))
        #expect(backup.host == "192.0.2.20" && backup.port == 5060 && backup.transport == .udp && backup.callerID == .e164)
        #expect(configuration.sms.dailyLimitPerAccount == 20)
    }

    @Test func noTrunksByDefault() async throws {
        let configuration = try await Support.load(yaml: "")
        #expect(configuration.trunks.isEmpty)
        #expect(configuration.sms.dailyLimitPerAccount == 50)
    }

    @Test func environmentOverridesANamedTrunksField() async throws {
        let yaml = "trunks:\n  main:\n    address: 192.0.2.1\n    username: zvonok\n"
        let configuration = try await Support.load(yaml: yaml, environment: [
            "ZVONOK_TRUNKS_MAIN_PASSWORD": "from-env", "ZVONOK_TRUNKS_MAIN_PRIORITY": "3", "ZVONOK_SMS_DAILY_LIMIT_PER_ACCOUNT": "0",
        ])
        #expect(configuration.trunks[0].password == "from-env")
        #expect(configuration.trunks[0].priority == 3)
        #expect(configuration.sms.dailyLimitPerAccount == 0)
    }

    static let problems: [(yaml: String, environment: [String: String], expected: String)] = [
        ("trunks:\n  main:\n    transport: udp", [:],
         "trunks.main.address: is required: the provider's host[:port], e.g. sip.provider.example:5060"),
        ("trunks: {main: {address: \"bad host!\"}}", [:], "trunks.main.address: \"bad host!\": \"bad host!\" is not a host name or IPv4 address"),
        ("trunks: {main: {address: 192.0.2.1, transport: sctp}}", [:], "trunks.main.transport: \"sctp\" is not one of udp, tcp"),
        ("trunks: {main: {address: 192.0.2.1, username: u}}", [:],
         "trunks.main.password: is required with username (or set ZVONOK_TRUNKS_MAIN_PASSWORD)"),
        ("trunks: {main: {address: 192.0.2.1, password: p}}", [:], "trunks.main.username: is required with password"),
        ("trunks: {main: {address: 192.0.2.1, callerID: number}}", [:], "trunks.main.callerID: \"number\" is not one of e164, account"),
        ("trunks: {main: {address: 192.0.2.1, prefixes: [7x]}}", [:],
         "trunks.main.prefixes[0]: \"7x\" is not an E.164 prefix (1 to 15 digits, e.g. 7 or 380)"),
        ("trunks: {main: {address: 192.0.2.1, priority: 1001}}", [:], "trunks.main.priority: 1001 is more than the maximum (1000)"),
        ("trunks: {main: {address: 192.0.2.1, smsGateway: \"http://x\"}}", [:],
         "trunks.main.smsGateway: \"http://x\" is not a SIP URI (e.g. sip:sms@sms.provider.example)"),
        ("trunks: {main: {address: 192.0.2.1, acceptFrom: [provider.example]}}", [:],
         "trunks.main.acceptFrom[0]: \"provider.example\" is not an IP address"),
        ("trunks: {main: {address: 192.0.2.1, register: true}}", [:],
         "trunks.main.register: registering with the trunk needs username and password"),
        ("trunks: {main: {address: 192.0.2.1, register: maybe}}", [:], "trunks.main.register: \"maybe\" is not true or false (in FILE)"),
        ("trunks: {main: {address: 192.0.2.1, registerExpiresSeconds: 30}}", [:],
         "trunks.main.registerExpiresSeconds: 30 is less than the minimum (60)"),
        ("trunks: {\"main trunk\": {address: 192.0.2.1}}", [:], "trunks.main trunk: a trunk name must be 1 to 32 letters, digits and hyphens"),
        ("trunks:\n  main:\n    address: 192.0.2.1\n    prefix: [7]", [:], "trunks.main.prefix: unknown key (line 4); did you mean prefixes?"),
        ("trunks: [192.0.2.1]", [:], "trunks: expected a mapping of trunk names to their settings (trunks: { main: { address: … } }) (line 1)"),
        ("trunk: {}", [:], "trunk: unknown key (line 1); did you mean trunks?"),
        ("sms: {dailyLimitPerAccount: -1}", [:], "sms.dailyLimitPerAccount: -1 is less than the minimum (0)"),
        ("trunks: {main: {address: 192.0.2.1}}", ["ZVONOK_TRUNKS_MAIN_PASSWROD": "x"],
         "ZVONOK_TRUNKS_MAIN_PASSWROD: unknown configuration variable; did you mean ZVONOK_TRUNKS_MAIN_PASSWORD?"),
    ]

    @Test(arguments: problems.indices)
    func eachProblemHasItsMessage(index: Int) async throws {
        let (yaml, environment, expected) = Self.problems[index]
        let found = try await Support.problems(yaml: yaml, environment: environment)
        #expect(found.map { $0.replacing(#/in /[^)]*zvonok\.yaml/#, with: "in FILE") } == [expected])
    }

    @Test func aChangedTrunkIsAppliedOnReload() async throws {
        let old = try await Support.load(yaml: "trunks: {main: {address: 192.0.2.1}}")
        let new = try await Support.load(yaml: "trunks: {main: {address: 192.0.2.2}}")
        #expect(old.changedKeys(to: new) == ["trunks"])
        #expect(old.restartRequiredChanges(to: new).isEmpty)
    }
}
