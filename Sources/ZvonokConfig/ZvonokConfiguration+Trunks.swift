import SIPCore

extension ZvonokConfiguration {
    /// An upstream SIP provider's trunk that paid calls and SMS are sent to (issue 7, PRODUCT.md
    /// "calls to phones"), written in the file as one entry of the `trunks:` mapping, keyed by a
    /// name of letters, digits and hyphens:
    ///
    /// ```yaml
    /// trunks:
    ///   main:
    ///     address: sip.provider.example:5060
    ///     username: zvonok
    ///     password: secret        # or ZVONOK_TRUNKS_MAIN_PASSWORD
    ///     prefixes: [7]
    /// ```
    ///
    /// A field can be overridden by `ZVONOK_TRUNKS_<NAME>_<FIELD>` (`ZVONOK_TRUNKS_MAIN_PASSWORD`),
    /// so that a password need not sit in the file; trunks themselves are named only in the file.
    public struct Trunk: Sendable, Equatable {
        /// How the caller is presented to the provider in From (RFC 3261 §8.1.1.3).
        public enum CallerID: String, Sendable, CaseIterable {
            /// The account's phone number alias in E.164 (`+74951234567`); an account without one
            /// is presented by its name.
            case e164
            /// The account's user name.
            case account
        }

        /// The trunk's name in the file (`main`), used in logs, metrics and CDRs.
        public var name: String
        /// `host[:port]` of the provider's SIP server: a host name (resolved when the daemon
        /// starts and on reload), an IPv4 address or a bracketed IPv6 address; port 5060 unless given.
        public var address: String
        /// The transport to the trunk, default UDP.
        public var transport: ListenPoint.Transport
        /// The digest user name the provider gave (RFC 3261 §22.2); nil when it does not challenge.
        public var username: String?
        /// The digest password; required with `username`.
        public var password: String?
        /// Only challenges for this realm are answered; nil answers the realm the trunk names.
        public var realm: String?
        /// The host part of From in requests to the trunk; nil uses the trunk's host.
        public var fromDomain: String?
        /// How the caller is presented in From, default `e164`.
        public var callerID: CallerID
        /// E.164 number prefixes without `+` the trunk carries (`7`, `380`); empty means every number.
        public var prefixes: [String]
        /// Lower goes first; trunks of the same priority are tried in the order of the file.
        /// Default 10; 0–1000.
        public var priority: Int
        /// The SIP URI that SMS are sent to as MESSAGE (`sip:sms@sms.provider.example`); nil when
        /// this trunk carries no SMS.
        public var smsGateway: String?
        /// IP addresses the trunk's own requests (incoming calls) come from; empty means the
        /// addresses `address` resolves to.
        public var acceptFrom: [String]
        /// Whether to register with the trunk (an outbound REGISTER, refreshed before expiry).
        public var register: Bool
        /// The expiry asked for in that REGISTER, default 3600 s; 60–86400.
        public var registerExpiresSeconds: Int

        /// A trunk from its parts, each defaulting as documented.
        public init(name: String, address: String, transport: ListenPoint.Transport = .udp, username: String? = nil,
                    password: String? = nil, realm: String? = nil, fromDomain: String? = nil, callerID: CallerID = .e164,
                    prefixes: [String] = [], priority: Int = 10, smsGateway: String? = nil, acceptFrom: [String] = [],
                    register: Bool = false, registerExpiresSeconds: Int = 3600) {
            self.name = name
            self.address = address
            self.transport = transport
            self.username = username
            self.password = password
            self.realm = realm
            self.fromDomain = fromDomain
            self.callerID = callerID
            self.prefixes = prefixes
            self.priority = priority
            self.smsGateway = smsGateway
            self.acceptFrom = acceptFrom
            self.register = register
            self.registerExpiresSeconds = registerExpiresSeconds
        }

        /// The keys one trunk entry may hold, in documentation order.
        public static let keys = ["address", "transport", "username", "password", "realm", "fromDomain", "callerID",
                                  "prefixes", "priority", "smsGateway", "acceptFrom", "register", "registerExpiresSeconds"]

        /// The host of `address` without brackets or port. Call it on a validated configuration.
        public var host: String {
            HostSyntax.splitHostPort(address).host
        }

        /// The port of `address`, 5060 when it gives none. Call it on a validated configuration.
        public var port: Int {
            HostSyntax.splitHostPort(address).port ?? 5060
        }
    }

    /// Limits on SMS to phones (PRODUCT.md: free SMS to RU/UA/KZ/UZ mobiles).
    public struct SMS: Sendable, Equatable {
        /// SMS one account may send per billing day (`billing.timeZone`), default 50; 0–10000.
        /// 0 turns SMS off.
        public var dailyLimitPerAccount: Int

        /// SMS limits with their defaults unless given.
        public init(dailyLimitPerAccount: Int = 50) {
            self.dailyLimitPerAccount = dailyLimitPerAccount
        }
    }

    /// The most trunks one configuration holds.
    static let maxTrunks = 64

    /// The ranges of the trunk keys' integers.
    static let trunkRanges: [String: ClosedRange<Int>] = [
        "priority": 0...1000,
        "registerExpiresSeconds": 60...86_400,
    ]

    /// Whether `name` may name a trunk: 1–32 letters, digits and hyphens.
    static func isTrunkName(_ name: String) -> Bool {
        (1...32).contains(name.utf8.count)
            && name.utf8.allSatisfy { HostSyntax.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// Problems of the `trunks:` and `sms:` sections, each naming its key.
    func trunkProblems(skipping skipped: Set<String>) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func report(_ key: String, _ message: String) {
            problems.append(ConfigurationProblem(key: key, message: message))
        }
        if trunks.count > Self.maxTrunks {
            report("trunks", "\(trunks.count) trunks is more than the maximum (\(Self.maxTrunks))")
        }
        var seen: Set<String> = []
        for trunk in trunks {
            let prefix = "trunks.\(trunk.name)"
            if !Self.isTrunkName(trunk.name) {
                report(prefix, "a trunk name must be 1 to 32 letters, digits and hyphens")
            } else if !seen.insert(trunk.name.lowercased()).inserted {
                report(prefix, "repeats another trunk's name (names are compared without case)")
            }
            func key(_ field: String) -> String { "\(prefix).\(field)" }
            if !skipped.contains(key("address")) {
                if trunk.address.isEmpty {
                    report(key("address"), "is required: the provider's host[:port], e.g. sip.provider.example:5060")
                } else if let reason = HostSyntax.hostPortProblem(trunk.address) {
                    report(key("address"), "\"\(trunk.address)\": \(reason)")
                }
            }
            if trunk.username != nil, trunk.password == nil {
                report(key("password"), "is required with username (or set ZVONOK_TRUNKS_\(Self.environmentName(trunk.name))_PASSWORD)")
            }
            if trunk.password != nil, trunk.username == nil {
                report(key("username"), "is required with password")
            }
            for (field, text) in [("username", trunk.username), ("password", trunk.password), ("realm", trunk.realm)] {
                if let text, text.isEmpty || text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                    report(key(field), text.isEmpty ? "must not be empty (leave it out instead)" : "must not contain a control character")
                }
            }
            if let fromDomain = trunk.fromDomain, !Self.isDomain(fromDomain) {
                report(key("fromDomain"), "\"\(fromDomain)\" is not a host name or IP address")
            }
            for (index, prefixText) in trunk.prefixes.enumerated() {
                let digits = prefixText.hasPrefix("+") ? prefixText.dropFirst() : Substring(prefixText)
                if !(1...15).contains(digits.utf8.count) || !digits.utf8.allSatisfy(HostSyntax.isDigit) {
                    report("\(key("prefixes"))[\(index)]", "\"\(prefixText)\" is not an E.164 prefix (1 to 15 digits, e.g. 7 or 380)")
                }
            }
            for (field, value) in [("priority", trunk.priority), ("registerExpiresSeconds", trunk.registerExpiresSeconds)]
                where !skipped.contains(key(field)) {
                guard let range = Self.trunkRanges[field] else { continue }
                if !range.contains(value) {
                    report(key(field), "\(value) is \(value < range.lowerBound ? "less than the minimum (\(range.lowerBound))" : "more than the maximum (\(range.upperBound))")")
                }
            }
            if let gateway = trunk.smsGateway {
                if !(gateway.lowercased().hasPrefix("sip:") || gateway.lowercased().hasPrefix("sips:")) {
                    report(key("smsGateway"), "\"\(gateway)\" is not a SIP URI (e.g. sip:sms@sms.provider.example)")
                } else if (try? URI(parsing: gateway, context: .requestURI)) == nil {
                    report(key("smsGateway"), "\"\(gateway)\" is not a valid SIP URI")
                }
            }
            for (index, address) in trunk.acceptFrom.enumerated() {
                let bare = address.hasPrefix("[") && address.hasSuffix("]") ? address.dropFirst().dropLast() : Substring(address)
                if HostSyntax.ipBytes(bare) == nil {
                    report("\(key("acceptFrom"))[\(index)]", "\"\(address)\" is not an IP address")
                }
            }
            if trunk.register, trunk.username == nil {
                report(key("register"), "registering with the trunk needs username and password")
            }
        }
        if !skipped.contains("sms.dailyLimitPerAccount"), !(0...10_000).contains(sms.dailyLimitPerAccount) {
            report("sms.dailyLimitPerAccount", sms.dailyLimitPerAccount < 0
                ? "\(sms.dailyLimitPerAccount) is less than the minimum (0)"
                : "\(sms.dailyLimitPerAccount) is more than the maximum (10000)")
        }
        return problems
    }

    /// `name` as it appears in an environment variable (`ZVONOK_TRUNKS_<NAME>_…`).
    static func environmentName(_ name: String) -> String {
        String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}

extension ValueReader {
    /// Reads the `trunks:` entries named in the file (`names`, in file order) and the `sms:` keys.
    mutating func readTrunks(named names: [String], into configuration: inout ZvonokConfiguration) {
        configuration.trunks = names.map { name in
            func key(_ field: String) -> String { "trunks.\(name).\(field)" }
            var trunk = ZvonokConfiguration.Trunk(name: name, address: string(key("address")) ?? "")
            if let text = string(key("transport")) {
                if let transport = ListenPoint.Transport(rawValue: text.lowercased()) {
                    trunk.transport = transport
                } else {
                    fail(key("transport"), "\"\(text)\" is not one of udp, tcp")
                }
            }
            trunk.username = string(key("username"))
            trunk.password = string(key("password"))
            trunk.realm = string(key("realm"))
            trunk.fromDomain = string(key("fromDomain"))
            if let text = string(key("callerID")) {
                if let form = ZvonokConfiguration.Trunk.CallerID(rawValue: text.lowercased()) {
                    trunk.callerID = form
                } else {
                    fail(key("callerID"), "\"\(text)\" is not one of e164, account")
                }
            }
            if let prefixes = list(key("prefixes")) { trunk.prefixes = prefixes }
            if let priority = int(key("priority")) { trunk.priority = priority }
            trunk.smsGateway = string(key("smsGateway"))
            if let addresses = list(key("acceptFrom")) { trunk.acceptFrom = addresses }
            if let register = bool(key("register")) { trunk.register = register }
            if let expires = int(key("registerExpiresSeconds")) { trunk.registerExpiresSeconds = expires }
            return trunk
        }
        if let limit = int("sms.dailyLimitPerAccount") { configuration.sms.dailyLimitPerAccount = limit }
    }
}
