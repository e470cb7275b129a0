/// What a server accepts beyond syntax: the URI schemes it routes, the extensions it supports,
/// the body types it reads, and the role-dependent checks of RFC 3261 §8.2 (UAS) and §16.3
/// (proxy). `SIPMessage.validate(_:)` applies it.
public struct ValidationPolicy: Sendable {
    /// Request-URI schemes the server handles; any other gets 416 (§8.2.2.1, §16.3 step 2).
    public var uriSchemes: [String]
    /// Option tags the server supports; an unknown one in Require gets 420 (§8.2.2.3).
    public var supportedExtensions: [String]
    /// Whether Proxy-Require is checked too, as a proxy must (§16.3 step 5).
    public var checksProxyRequire: Bool
    /// The methods whose Require this server checks because it answers them itself as a UAS
    /// (§8.2.2.3); nil: every method. A proxy passes Require on untouched (§16.6): the element
    /// that answers checks it.
    public var requireCheckedMethods: Set<SIPMethod>?
    /// Whether Max-Forwards 0 is answered with 483 (a proxy, §16.3 step 3; OPTIONS too).
    public var rejectsExhaustedMaxForwards: Bool
    /// Body types the server reads in session requests (INVITE, ACK, PRACK, UPDATE); another gets 415
    /// (§8.2.3). MESSAGE and other bodies are relayed whatever their type.
    public var sessionBodyTypes: [(type: String, subtype: String)]
    /// Whether REGISTER's To must be a sip:/sips: address of record, else 400 (§10.3 step 2-3).
    public var checksRegisterAddressOfRecord: Bool

    public init(uriSchemes: [String] = ["sip", "sips", "tel"],
                supportedExtensions: [String] = ["path", "outbound", "gruu", "timer", "replaces", "100rel", "norefersub"],
                checksProxyRequire: Bool = true, requireCheckedMethods: Set<SIPMethod>? = nil,
                rejectsExhaustedMaxForwards: Bool = true,
                sessionBodyTypes: [(type: String, subtype: String)] = [("application", "sdp"), ("multipart", "mixed"),
                                                                        ("multipart", "alternative")],
                checksRegisterAddressOfRecord: Bool = true) {
        self.uriSchemes = uriSchemes
        self.supportedExtensions = supportedExtensions
        self.checksProxyRequire = checksProxyRequire
        self.requireCheckedMethods = requireCheckedMethods
        self.rejectsExhaustedMaxForwards = rejectsExhaustedMaxForwards
        self.sessionBodyTypes = sessionBodyTypes
        self.checksRegisterAddressOfRecord = checksRegisterAddressOfRecord
    }

    /// Zvonok as a registrar, proxy and B2BUA on the same port: what `zvonokctl lint` judges by.
    /// Require is checked on REGISTER and OPTIONS (answered here); INVITE, MESSAGE and the rest
    /// are proxied with their Require for the far end to judge.
    public static let zvonok = ValidationPolicy(requireCheckedMethods: [.register, .options])
}

/// The answer a server owes a request it will not process: the status code, a short reason for
/// the reason phrase and the log, and headers the response must carry (Unsupported with 420).
public struct SIPRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether the message failed its grammar (`syntax`) or parsed but breaks a rule (`semantic`).
    public enum Kind: Sendable, Equatable { case syntax, semantic }

    public var statusCode: Int
    public var reason: String
    public var kind: Kind
    /// Extra response headers, e.g. `(.unsupported, "foo, bar")` for 420.
    public var headers: [(KnownHeader, String)]

    public init(statusCode: Int, reason: String, kind: Kind, headers: [(KnownHeader, String)] = []) {
        self.statusCode = statusCode
        self.reason = reason
        self.kind = kind
        self.headers = headers
    }

    init(_ error: SIPParseError) { self.init(statusCode: error.statusCode, reason: error.reason, kind: .syntax) }

    public var description: String { "\(statusCode) \(reason)" }

    public static func == (lhs: SIPRejection, rhs: SIPRejection) -> Bool {
        lhs.statusCode == rhs.statusCode && lhs.reason == rhs.reason && lhs.kind == rhs.kind
            && lhs.headers.map(\.0) == rhs.headers.map(\.0) && lhs.headers.map(\.1) == rhs.headers.map(\.1)
    }
}
