import SIPCore

/// An upstream provider's SIP trunk (PRODUCT.md "call ordinary phones"; RFC 3261 §26.3.2 for the
/// digest credentials a UAC keeps per realm): where calls and SMS to phone numbers go, how to
/// authenticate to it, how to present the caller, which numbers it serves and in which order
/// trunks are tried. A plain value from configuration.
public struct Trunk: Sendable, Hashable {
    /// The transport to reach the trunk with (RFC 3261 §18).
    public enum Transport: String, Sendable, Hashable { case udp, tcp, tls }

    /// How the caller appears in the From of the trunk leg.
    public enum CallerIDForm: Sendable, Hashable {
        /// `+<E.164>` of the account's number alias (the account name when it has none).
        case e164Alias
        /// The account name.
        case accountName
    }

    public var name: String
    /// Host (an IP literal, or a name the environment resolves) and port of the trunk's proxy.
    public var host: String
    public var port: UInt16
    public var transport: Transport
    /// Digest credentials (RFC 3261 §22.2). `realm` nil: answer the realm the trunk challenges with.
    public var username: String
    public var password: String
    public var realm: String?
    /// The host of the From URI the provider expects.
    public var fromDomain: String
    public var callerID: CallerIDForm
    /// E.164 digit prefixes this trunk serves ("" serves everything); longest match wins.
    public var prefixes: [String]
    /// Among trunks with equally long prefix matches, lower is tried first.
    public var priority: Int
    /// Where MESSAGEs to phone numbers go (`sip:sms.provider.example`); nil: no SMS on this trunk.
    public var smsGatewayURI: String?
    /// Source addresses (IP literals) whose requests are accepted as this trunk's (incoming calls).
    public var acceptedSources: [String]
    /// Written before the E.164 digits in the user part of the trunk's Request-URI and To ("+" or "").
    public var numberPrefix: String

    public init(name: String, host: String, port: UInt16 = 5060, transport: Transport = .udp, username: String,
                password: String, realm: String? = nil, fromDomain: String, callerID: CallerIDForm = .e164Alias,
                prefixes: [String] = [""], priority: Int = 0, smsGatewayURI: String? = nil, acceptedSources: [String] = [],
                numberPrefix: String = "+") {
        precondition(prefixes.allSatisfy { $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }, "trunk prefixes are digits")
        self.name = name
        self.host = host
        self.port = port
        self.transport = transport
        self.username = username
        self.password = password
        self.realm = realm
        self.fromDomain = fromDomain
        self.callerID = callerID
        self.prefixes = prefixes
        self.priority = priority
        self.smsGatewayURI = smsGatewayURI
        self.acceptedSources = acceptedSources
        self.numberPrefix = numberPrefix
    }

    /// The length of the longest prefix of `digits` this trunk serves, nil when none matches.
    public func matchLength(_ digits: String) -> Int? {
        prefixes.filter { digits.hasPrefix($0) }.map(\.utf8.count).max()
    }

    /// The SIP URI of the trunk's proxy, with its transport.
    public var uri: SIPURI {
        SIPURI(host: host, port: port, parameters: transport == .udp ? [] : [("transport", transport.rawValue)])
    }

    /// The order in which trunks are tried for `digits` (failover, RFC 3263 §4.3 style): those
    /// that serve it, longest prefix first, then lower `priority`, then name; for SMS only those
    /// with a gateway.
    public static func candidates(for digits: String, among trunks: [Trunk], sms: Bool = false) -> [Trunk] {
        trunks.compactMap { trunk -> (Trunk, Int)? in
            guard !sms || trunk.smsGatewayURI != nil, let length = trunk.matchLength(digits) else { return nil }
            return (trunk, length)
        }
        .sorted { a, b in
            if a.1 != b.1 { return a.1 > b.1 }
            if a.0.priority != b.0.priority { return a.0.priority < b.0.priority }
            return a.0.name < b.0.name
        }
        .map(\.0)
    }
}
