import B2BUA
import Billing
import SIPCore
import SIPTransaction

/// One B2BUA core on a fake clock, with a caller (alice at a private address behind
/// udp:198.51.100.10:5060) and an in-memory billing answerer built on Billing's real
/// `CreditControl` and `AccountBook`.
struct CallHarness {
    var core = B2BUACore(environment: FakeB2BUAEnvironment())
    var now = Instant.zero
    let caller = "udp:198.51.100.10:5060"
    var book = AccountBook(account: AccountID("alice"))
    let control = CreditControl(settings: CreditControlSettings(sliceSeconds: 120))
    static let plan = try! TariffPlan(name: "test", rates: [
        Rate(prefix: "7", description: "Russia", pricePerMinuteMinor: 100, increment: BillingIncrement(firstSeconds: 60, nextSeconds: 60)),
        Rate(prefix: "1", description: "USA", pricePerMinuteMinor: 200, increment: BillingIncrement(firstSeconds: 1, nextSeconds: 1)),
    ])
    static let offer = "v=0\r\no=alice 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    static let answerSDP = "v=0\r\no=far 2 2 IN IP4 203.0.113.77\r\ns=-\r\nc=IN IP4 203.0.113.77\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"

    init(balanceMinor: Int64 = 1_000) {
        if balanceMinor > 0 {
            let topUp = try! book.topUp(externalPaymentID: "p1", amountMinor: balanceMinor, at: BillingTime(unixSeconds: 1_000))
            try! book.apply(topUp.entries)
        }
    }

    mutating func advance(_ duration: Duration) { now = now + duration }

    mutating func handle(_ event: B2BUAEvent<String>) -> [Action] { core.handle(event, at: now) }
    mutating func tu(_ event: TransactionUserEvent<String>) -> [Action] { core.handle(.transactionUser(event), at: now) }

    func invite(to uri: String = "sip:+74951112233@zvonok.example", callID: String = "call-1@10.0.0.5") -> SIPMessage {
        let text = [
            "INVITE \(uri) SIP/2.0",
            "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKcaller1;rport",
            "Max-Forwards: 70",
            "From: \"Alice\" <sip:alice@zvonok.example>;tag=alicetag",
            "To: <\(uri)>",
            "Call-ID: \(callID)",
            "CSeq: 10 INVITE",
            "Contact: <sip:alice@10.0.0.5:5060;ob>",
            "User-Agent: SecretPhone/1.0",
            "X-Internal-Secret: 42",
            "Proxy-Authorization: Digest username=\"alice\", realm=\"zvonok.example\"",
            "Content-Type: application/sdp",
            "Content-Length: \(Self.offer.utf8.count)",
            "", Self.offer,
        ].joined(separator: "\r\n")
        return try! SIPMessage(parsing: text)
    }

    /// A request from the caller in its dialog with the B2BUA (our To tag `toTag`).
    func inDialog(_ method: SIPMethod, cseq: Int, toTag: String, body: String = "", callID: String = "call-1@10.0.0.5",
                  branch: String) -> SIPMessage {
        var lines = [
            "\(method.name) sip:192.0.2.1:5060 SIP/2.0",
            "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK\(branch);rport",
            "Max-Forwards: 70",
            "From: <sip:alice@zvonok.example>;tag=alicetag",
            "To: <sip:+74951112233@zvonok.example>;tag=\(toTag)",
            "Call-ID: \(callID)",
            "CSeq: \(cseq) \(method.name)",
            "Contact: <sip:alice@10.0.0.5:5060;ob>",
        ]
        if !body.isEmpty { lines.append("Content-Type: application/sdp") }
        lines += ["Content-Length: \(body.utf8.count)", "", body]
        return try! SIPMessage(parsing: lines.joined(separator: "\r\n"))
    }

    /// A request from the trunk in its dialog with the B2BUA.
    func fromTrunk(_ method: SIPMethod, cseq: Int, trunkInvite: SIPMessage, branch: String, body: String = "") -> SIPMessage {
        let from = trunkInvite.firstValue(.from)!.string
        let to = trunkInvite.firstValue(.to)!.string
        var lines = [
            "\(method.name) sip:192.0.2.1:5060 SIP/2.0",
            "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK\(branch)",
            "Max-Forwards: 70",
            "From: \(to);tag=far",
            "To: \(from)",
            "Call-ID: \(trunkInvite.firstValue(.callID)!.string)",
            "CSeq: \(cseq) \(method.name)",
            "Contact: <sip:far@203.0.113.50>",
        ]
        if !body.isEmpty { lines.append("Content-Type: application/sdp") }
        lines += ["Content-Length: \(body.utf8.count)", "", body]
        return try! SIPMessage(parsing: lines.joined(separator: "\r\n"))
    }

    /// The billing edge's answer to an authorize request, from the real credit-control core.
    mutating func authorize(_ request: BillingRequest) -> BillingAnswer {
        guard case .authorize(let key, _, let caller, let dialled, let at) = request else { fatalError("not authorize: \(request)") }
        let decision = control.authorize(book, plan: Self.plan, caller: caller, dialled: dialled, at: at)
        try! book.apply(decision.entries)
        return .authorized(key, decision.outcome)
    }

    mutating func renew(_ request: BillingRequest) -> BillingAnswer {
        guard case .renew(let key, let id, let used, let at) = request else { fatalError("not renew: \(request)") }
        let decision = try! control.renew(book, reservation: id, usedSeconds: used, at: at)
        try! book.apply(decision.entries)
        return .renewed(key, decision.outcome)
    }

    mutating func settle(_ request: BillingRequest) -> Settlement {
        guard case .settle(_, let id, let answeredAt, let endedAt, let reason) = request else { fatalError("not settle: \(request)") }
        let decision = try! control.settle(book, reservation: id, answeredAt: answeredAt, endedAt: endedAt, reason: reason)
        try! book.apply(decision.entries)
        return decision.outcome
    }

    /// Starts a call: the INVITE, its authorisation, and returns the trunk INVITE and its transaction.
    mutating func startCall(to uri: String = "sip:+74951112233@zvonok.example") -> (invite: SIPMessage, server: TransactionID,
                                                                                    trunkInvite: SIPMessage, trunk: TransactionID, actions: [Action]) {
        let invite = invite(to: uri)
        let server = TransactionID(serverRequest: invite)!
        expectRoute(core.route(invite, from: caller) == .outgoing)
        let first = handle(.outgoing(invite, from: caller, transaction: server, account: "alice"))
        let answer = authorize(first.billing[0])
        let second = handle(.billing(answer))
        let trunkInvite = second.sent[0].0
        return (invite, server, trunkInvite, TransactionID(clientRequest: trunkInvite)!, first + second)
    }

    /// Runs timers: fires `purpose` of call 1.
    mutating func fire(_ purpose: UInt8, call: UInt64 = 1) -> [Action] {
        tu(.timerFired(.call(id: call, purpose: purpose)))
    }
}

func expectRoute(_ condition: Bool) { precondition(condition, "unexpected route") }
