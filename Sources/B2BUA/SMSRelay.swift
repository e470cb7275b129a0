// SMSRelay: one MESSAGE (RFC 3428) from a local user to a phone number, handed to a trunk's SMS
// gateway. This file owns every transition of the relay.
//
// | phase    | event                                 | actions                                                 | next     |
// |----------|---------------------------------------|---------------------------------------------------------|----------|
// | counting | (start: destination already checked)  | billing countSMS (the edge increments the day's count)   | counting |
// | counting | smsCounted n > daily limit            | 403 "daily SMS limit reached"                            | done     |
// | counting | smsCounted n ≤ limit                  | MESSAGE to the first gateway                             | sending  |
// | counting | billing failed                        | 503                                                      | done     |
// | sending  | 401/407, nonce not yet answered       | MESSAGE again with credentials, CSeq+1                   | sending  |
// | sending  | 408/5xx/timeout/transport failure     | MESSAGE to the next trunk's gateway, else relay it       | sending  |
// | sending  | other final response                  | relay its code and reason (401/407 → 503)                | done     |
//
// Which numbers are served is decided before (`SMSPolicy`): mobiles of RU, UA, KZ and UZ, free.
// The count is kept by the edge (an action/answer pair), not here: a worker's counter would reset
// on restart and be split across workers.
import Billing
import Numbering
import SIPCore
import SIPTransaction

/// RFC 3428 MESSAGE relay state for one SMS; its rules are in this file's header.
struct SMSRelay<Peer: Sendable & Hashable>: Sendable {
    typealias Action = B2BUAAction<Peer>
    enum Phase: Sendable, Equatable { case counting, sending, done }

    let key: CallKey
    let account: String
    let request: SIPMessage
    let transaction: TransactionID
    let digits: String
    let candidates: [Trunk]
    let dailyLimit: Int
    private(set) var phase: Phase = .counting
    private var attempt = 0
    private var sent: SIPMessage?
    private var sentTransaction: TransactionID?
    private var gatewayPeer: Peer?
    private var answeredNonces: Set<String> = []
    private let toTag: String

    var isFinished: Bool { phase == .done }
    var clientTransactions: [TransactionID] { sentTransaction.map { [$0] } ?? [] }

    static func start(_ request: SIPMessage, transaction: TransactionID, account: String, digits: String, candidates: [Trunk],
                      key: CallKey, settings: B2BUASettings, toTag: String, now billingTime: BillingTime) -> (SMSRelay, [Action]) {
        let relay = SMSRelay(key: key, account: account, request: request, transaction: transaction, digits: digits,
                             candidates: candidates, dailyLimit: settings.smsDailyLimit, toTag: toTag)
        let day = billingTime.localDay(utcOffsetSeconds: settings.utcOffsetSeconds)
        return (relay, [.billing(.countSMS(key, account: AccountID(account), localDay: day))])
    }

    private init(key: CallKey, account: String, request: SIPMessage, transaction: TransactionID, digits: String,
                 candidates: [Trunk], dailyLimit: Int, toTag: String) {
        self.key = key
        self.account = account
        self.request = request
        self.transaction = transaction
        self.digits = digits
        self.candidates = candidates
        self.dailyLimit = dailyLimit
        self.toTag = toTag
    }

    mutating func billing<E: B2BUAEnvironment>(_ answer: BillingAnswer, _ env: inout E) -> [Action] where E.Peer == Peer {
        guard phase == .counting else { return [] }
        switch answer {
        case .smsCounted(_, let sentToday):
            if sentToday > dailyLimit {
                return reply(403, "Forbidden: daily SMS limit reached (\(dailyLimit) \(dailyLimit == 1 ? "message" : "messages") a day), try again tomorrow")
            }
            phase = .sending
            return sendToGateway(&env, authorization: nil, cseq: 1)
        case .failed(_, let reason):
            return reply(503, "Service Unavailable (\(reason))")
        case .authorized, .renewed:
            return []
        }
    }

    private mutating func sendToGateway<E: B2BUAEnvironment>(_ env: inout E, authorization: (KnownHeader, String)?,
                                                              cseq: UInt32) -> [Action] where E.Peer == Peer {
        while attempt < candidates.count {
            let trunk = candidates[attempt]
            guard let text = trunk.smsGatewayURI, let gateway = (try? URI(parsing: text))?.sipURI,
                  let peer = env.peer(for: gateway) else {
                attempt += 1
                continue
            }
            gatewayPeer = peer
            let user = trunk.numberPrefix + digits
            let host = gateway.host.string
            let uri = SIPURI(secure: gateway.isSecure, user: user, host: host, port: gateway.port,
                             parameters: gateway.transport.map { [("transport", $0.string)] } ?? [])
            let from = trunk.callerID == .e164Alias ? env.numberAlias(ofAccount: account).map { "+" + $0 } ?? account : account
            let callID = cseq == 1 ? env.makeCallID() : (sent?.firstValue(.callID)?.string ?? env.makeCallID())
            let fromTag = cseq == 1 ? env.makeToken() : ((try? sent?.from())??.tag?.string ?? env.makeToken())
            var headers: [(KnownHeader, ByteString)] = [
                (.via, ByteString(PaidCall<Peer>.via(&env))), (.maxForwards, "70"),
                (.from, ByteString("<sip:\(from)@\(trunk.fromDomain)>;tag=\(fromTag)")),
                (.to, ByteString("<sip:\(user)@\(host)>")), (.callID, ByteString(callID)),
                (.cseq, ByteString("\(cseq) MESSAGE")),
            ]
            if let authorization { headers.append((authorization.0, ByteString(authorization.1))) }
            var message = SIPMessage.makeRequest(method: .message, requestURI: uri.text, headers: headers)
            PaidCall<Peer>.copyBody(from: request, to: &message)
            sent = message
            sentTransaction = TransactionID(clientRequest: message)
            return [.transactionUser(.sendRequestKeepingTransport(message, to: peer))]  // as calls: the gateway's transport
        }
        return reply(503, "Service Unavailable (no SMS gateway reachable)")
    }

    mutating func response<E: B2BUAEnvironment>(_ response: SIPMessage, transaction id: TransactionID, _ env: inout E) -> [Action]
    where E.Peer == Peer {
        guard phase == .sending, id == sentTransaction, let code = response.statusCode, code >= 200 else { return [] }
        sentTransaction = nil
        if code == 401 || code == 407, let sent, let header = authorization(for: response, request: sent, &env) {
            let cseq = ((try? sent.cseq())?.number ?? 1) + 1
            return sendToGateway(&env, authorization: header, cseq: cseq)
        }
        return failed(code, response.reasonPhrase?.string ?? "", &env)
    }

    mutating func clientFailed<E: B2BUAEnvironment>(_ id: TransactionID, code: Int, _ env: inout E) -> [Action] where E.Peer == Peer {
        guard phase == .sending, id == sentTransaction else { return [] }
        sentTransaction = nil
        return failed(code, code == 408 ? "Request Timeout" : "Service Unavailable", &env)
    }

    private mutating func failed<E: B2BUAEnvironment>(_ code: Int, _ reason: String, _ env: inout E) -> [Action] where E.Peer == Peer {
        if (code == 408 || (500...599).contains(code)) && attempt + 1 < candidates.count {
            attempt += 1
            answeredNonces = []
            return sendToGateway(&env, authorization: nil, cseq: 1)
        }
        switch code {
        case 200..<300: return reply(code, reason.isEmpty ? "OK" : reason)
        case 401, 407: return reply(503, "Service Unavailable (the SMS gateway refused our credentials)")
        default: return reply(code, reason.isEmpty ? "SMS not delivered" : reason)
        }
    }

    private mutating func authorization<E: B2BUAEnvironment>(for response: SIPMessage, request: SIPMessage,
                                                             _ env: inout E) -> (KnownHeader, String)? {
        let trunk = candidates[attempt]
        guard let challenge = response.answerableDigestChallenges().first(where: { c in trunk.realm.map { $0 == c.realm } ?? true }),
              !answeredNonces.contains(challenge.nonce), let uri = request.requestURIText?.string else { return nil }
        answeredNonces.insert(challenge.nonce)
        let credentials = DigestCredentials.answering(challenge, method: .message, uri: uri, username: trunk.username,
                                                      password: trunk.password, cnonce: env.makeToken())
        return (response.statusCode == 407 ? .proxyAuthorization : .authorization, credentials.headerValue)
    }

    private mutating func reply(_ code: Int, _ reason: String) -> [Action] {
        phase = .done
        return [.transactionUser(.respond(request.makeResponse(statusCode: code, reason: reason, toTag: toTag),
                                          transaction: transaction))]
    }
}

/// Which phone numbers free SMS go to (PRODUCT.md 4): mobile numbers of Russia, Ukraine,
/// Kazakhstan and Uzbekistan, as Numbering classifies them.
public enum SMSPolicy {
    public static let countries: Set<String> = ["RU", "UA", "KZ", "UZ"]

    /// The reason phrase of the 403 for any other destination.
    public static let refusal = "Forbidden: free SMS go only to mobile numbers of Russia (+79), Ukraine (+380), "
        + "Kazakhstan (+76, +77) and Uzbekistan (+998)"

    /// Whether SMS to `number` are served.
    public static func serves(_ number: E164Number, numbering: NumberingPlan) -> Bool {
        guard let numberClass = numbering.classify(number) else { return false }
        return numberClass.kind == .mobile && countries.contains(numberClass.country)
    }
}
