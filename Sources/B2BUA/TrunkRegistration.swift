import SIPCore
import SIPTransaction

/// This server registering with an upstream trunk that asks for it (RFC 3261 §10.2, as a UAC):
/// REGISTER with the trunk's credentials, answering its 401/407 once per nonce (§22.2), refreshed
/// before the expiry the trunk granted, retried with a growing pause when it fails, and removed
/// (`Expires: 0`, §10.2.2) when the trunk is taken out of the configuration. A pure machine: the
/// server feeds it responses, failures and its timer, with the time.
///
/// | state        | event                               | action                                      | next         |
/// |--------------|-------------------------------------|---------------------------------------------|--------------|
/// | idle         | start                               | REGISTER                                    | registering  |
/// | registering  | 401/407 with a new nonce            | REGISTER again with credentials, next CSeq  | registering  |
/// | registering  | 2xx                                 | refresh timer at ½ of the granted expiry    | registered   |
/// | registering  | 423 with Min-Expires                | REGISTER again asking for Min-Expires       | registering  |
/// | registering  | other final, timeout, no transport  | retry timer (30 s, doubling to 10 min)      | waiting      |
/// | registered   | refresh timer                       | REGISTER (same Call-ID, next CSeq)          | registering  |
/// | waiting      | retry timer                         | REGISTER                                    | registering  |
/// | any          | stop                                | REGISTER with Expires: 0 if registered      | stopped      |
public struct TrunkRegistration: Sendable {
    /// Where the registration stands (for logs and tests).
    public enum State: Sendable, Equatable {
        case idle
        case registering
        /// Registered until `expires` (monotonic).
        case registered(expires: Instant)
        /// Failed with `reason`; tried again at the retry timer.
        case waiting(reason: String)
        case stopped
    }

    /// The timer purpose of registrations in `TransactionUserTimer.call(id:purpose:)`, distinct
    /// from the call timers' purposes (1–8), so the server can tell them apart.
    public static let timerPurpose: UInt8 = 100
    /// The first pause after a failure; it doubles up to `maximumRetryDelay`.
    public static let firstRetryDelay: Duration = .seconds(30)
    public static let maximumRetryDelay: Duration = .seconds(600)

    public let trunk: Trunk
    /// Names this registration's timer (`TransactionUserTimer.call(id:purpose: timerPurpose)`).
    public let timerID: UInt64
    public private(set) var state: State = .idle
    /// The expiry asked for.
    public private(set) var expiresSeconds: Int
    /// The REGISTER in flight, by its client transaction.
    public private(set) var pending: TransactionID?
    private let callID: String
    private let fromTag: String
    private var cseq: UInt32 = 0
    private var answeredNonces: Set<String> = []
    private var retryDelay: Duration = firstRetryDelay
    private var lastRequest: SIPMessage?

    /// A registration with `trunk` asking for `expiresSeconds`; `callID` and `fromTag` stay for
    /// its whole life (§10.2: the same Call-ID for every refresh).
    public init(trunk: Trunk, expiresSeconds: Int, timerID: UInt64, callID: String, fromTag: String) {
        precondition(expiresSeconds > 0, "a registration asks for a positive expiry")
        self.trunk = trunk
        self.expiresSeconds = expiresSeconds
        self.timerID = timerID
        self.callID = callID
        self.fromTag = fromTag
    }

    private var timer: TransactionUserTimer { .call(id: timerID, purpose: Self.timerPurpose) }

    /// Sends the first REGISTER.
    public mutating func start<E: B2BUAEnvironment>(_ env: inout E, at now: Instant) -> [TransactionUserAction<E.Peer>] {
        register(&env, expires: expiresSeconds, authorization: nil)
    }

    /// The answer to the REGISTER in flight.
    public mutating func handle<E: B2BUAEnvironment>(response: SIPMessage, _ env: inout E,
                                                    at now: Instant) -> [TransactionUserAction<E.Peer>] {
        guard let code = response.statusCode, code >= 200 else { return [] }
        pending = nil
        if state == .stopped { return [] }
        switch code {
        case 200..<300:
            let granted = grantedExpiry(response) ?? expiresSeconds
            guard granted > 0 else { return fail("the trunk removed the registration (expires=0)") }
            retryDelay = Self.firstRetryDelay
            answeredNonces.removeAll()
            state = .registered(expires: now + .seconds(granted))
            return [.startTimer(timer, after: .seconds(max(granted / 2, 1))),
                    .note("trunk \(trunk.name): registered for \(granted) s")]
        case 401, 407:
            let realmOK = { (c: DigestChallenge) in trunk.realm.map { $0 == c.realm } ?? true }
            guard !trunk.username.isEmpty, let request = lastRequest,
                  let challenge = response.answerableDigestChallenges().first(where: realmOK),
                  !answeredNonces.contains(challenge.nonce), let uri = request.requestURIText?.string else {
                return fail("the trunk refused our credentials (\(code))")
            }
            answeredNonces.insert(challenge.nonce)
            let credentials = DigestCredentials.answering(challenge, method: .register, uri: uri, username: trunk.username,
                                                          password: trunk.password, cnonce: env.makeToken())
            return register(&env, expires: expiresSeconds,
                            authorization: (code == 407 ? .proxyAuthorization : .authorization, credentials.headerValue))
        case 423:
            guard let minimum = (try? response.minExpires()).flatMap({ $0 }), Int(minimum) > expiresSeconds, minimum <= 86_400 else {
                return fail("423 without a usable Min-Expires")
            }
            expiresSeconds = Int(minimum)
            return register(&env, expires: expiresSeconds, authorization: nil)
        default:
            return fail("the trunk answered \(code) \(response.reasonPhrase?.string ?? "")")
        }
    }

    /// The REGISTER in flight timed out or could not be sent.
    public mutating func handleFailure<Peer>(_ what: String, at now: Instant) -> [TransactionUserAction<Peer>] {
        pending = nil
        if state == .stopped { return [] }
        return fail(what)
    }

    /// The refresh or retry timer.
    public mutating func timerFired<E: B2BUAEnvironment>(_ env: inout E, at now: Instant) -> [TransactionUserAction<E.Peer>] {
        switch state {
        case .registered, .waiting: return register(&env, expires: expiresSeconds, authorization: nil)
        case .idle, .registering, .stopped: return []
        }
    }

    /// Ends the registration: `Expires: 0` when it is registered (§10.2.2), and no more timers.
    public mutating func stop<E: B2BUAEnvironment>(_ env: inout E) -> [TransactionUserAction<E.Peer>] {
        let wasRegistered: Bool
        if case .registered = state { wasRegistered = true } else { wasRegistered = false }
        var actions: [TransactionUserAction<E.Peer>] = [.cancelTimer(timer)]
        if wasRegistered { actions += register(&env, expires: 0, authorization: nil) }
        state = .stopped
        return actions
    }

    // MARK: Steps

    private mutating func fail<Peer>(_ reason: String) -> [TransactionUserAction<Peer>] {
        state = .waiting(reason: reason)
        let delay = retryDelay
        retryDelay = min(retryDelay * 2, Self.maximumRetryDelay)
        return [.startTimer(timer, after: delay), .note("trunk \(trunk.name): registration failed: \(reason); retrying in \(delay)")]
    }

    private mutating func register<E: B2BUAEnvironment>(_ env: inout E, expires: Int,
                                                       authorization: (KnownHeader, String)?) -> [TransactionUserAction<E.Peer>] {
        guard let peer = env.peer(for: trunk) else { return fail("the trunk's address is unknown (does \(trunk.host) resolve?)") }
        cseq += 1
        let user = trunk.username.isEmpty ? "zvonok" : trunk.username
        let aor = "sip:\(user)@\(trunk.fromDomain)"
        let userContact = env.contactURI(facing: peer).replacingOccurrences(of: "sip:", with: "sip:\(user)@")
        var headers: [(KnownHeader, ByteString)] = [
            (.via, ByteString(PaidCall<E.Peer>.via(&env))),
            (.maxForwards, "70"),
            (.from, ByteString("<\(aor)>;tag=\(fromTag)")),
            (.to, ByteString("<\(aor)>")),
            (.callID, ByteString(callID)),
            (.cseq, ByteString("\(cseq) REGISTER")),
            (.contact, ByteString("<\(userContact)>")),
            (.expires, ByteString("\(expires)")),
        ]
        if let authorization { headers.append((authorization.0, ByteString(authorization.1))) }
        let requestURI = SIPURI(host: trunk.host, port: trunk.port,
                                parameters: trunk.transport == .udp ? [] : [("transport", trunk.transport.rawValue)])
        let request = SIPMessage.makeRequest(method: .register, requestURI: requestURI.text, headers: headers)
        lastRequest = request
        pending = TransactionID(clientRequest: request)
        if expires > 0 { state = .registering }
        return [.sendRequest(request, to: peer)]
    }

    /// The expiry the trunk granted our contact (§10.2.4): its Contact's `expires`, else Expires.
    private func grantedExpiry(_ response: SIPMessage) -> Int? {
        let ours = (try? response.contacts())??.addresses.first { address in
            guard let sip = address.uri.sipURI, let sent = lastRequest, let contact = (try? sent.contacts())??.addresses.first?.uri.sipURI
            else { return false }
            return sip.host.equalsIgnoringASCIICase(contact.host) && sip.port == contact.port
        }
        if let text = ours?.parameters.value("expires"), let value = text.decimalValue(limit: 86_400 * 365) {
            return Int(value)
        }
        return (try? response.expires()).flatMap { $0 }.map { Int($0) }
    }
}
