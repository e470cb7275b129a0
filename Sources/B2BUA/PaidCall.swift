// PaidCall: one paid (or free: trial, free direction) call from a local user to a phone number
// through a trunk, as the B2BUA of RFC 3261 §6 sees it — two dialogs (§12) and the money between
// them. This file owns every transition of a call; `B2BUACore` only finds the call an event
// belongs to. Pure: time comes as `now`, tokens from the environment.
//
// Phases and what moves them:
//
// | phase       | event                                    | actions                                                       | next        |
// |-------------|------------------------------------------|---------------------------------------------------------------|-------------|
// | authorizing | (start)                                  | 100 Trying to the caller; billing authorize                   | authorizing |
// | authorizing | authorized free/paid                     | INVITE to the first trunk; no-answer timer                    | calling     |
// | authorizing | refused / billing failed                 | 402/403/484 with Billing's reason / 503                       | (removed)   |
// | authorizing | caller CANCEL                            | 200 to CANCEL; 487 to the INVITE; remember                    | authorizing |
// | authorizing | authorized after the caller cancelled    | settle 0 s (unanswered 487)                                   | ending      |
// | calling     | trunk 1xx (not 100)                      | relay 180/183 (with SDP) to the caller; CANCEL if wanted      | calling     |
// | calling     | trunk 401/407, challenge not yet answered| same INVITE, CSeq+1, new branch, credentials                  | calling     |
// | calling     | trunk 408/5xx, timeout, transport failure| INVITE to the next trunk (new Call-ID, tags)                  | calling     |
// | calling     | trunk other final, or last trunk failed  | relay the code (401/407/3xx mapped); settle unanswered        | ending      |
// | calling     | caller CANCEL                            | 200; 487; CANCEL the trunk INVITE (at its first 1xx if none)  | calling     |
// | calling     | no-answer timer                          | 480 to the caller; CANCEL the trunk INVITE                    | calling     |
// | calling     | trunk 2xx, caller still waiting          | ACK to the trunk; 200 (trunk SDP) to the caller, retransmitted| answered    |
// |             |                                          | until ACK; credit cut-off and renew timers; leg probes        |             |
// | calling     | trunk 2xx after the caller's final (CANCEL crossing 200, no answer) | ACK then BYE to the trunk; settle 0 s | ending |
// | answered    | BYE from a leg                           | 200; BYE to the other leg; settle (caller/callee hung up)     | ending      |
// | answered    | re-INVITE / UPDATE / INFO from a leg     | relay to the other leg (491 while an offer is pending); relay | answered    |
// |             |                                          | its final response back (2xx INVITE: ACK that leg, 2xx retransmitted to the origin) |
// | answered    | renew timer                              | billing renew (used seconds)                                  | answered    |
// | answered    | renewed: extended / end(after)           | move the cut-off (and the next renew)                         | answered    |
// | answered    | cut-off timer                            | BYE with Reason on both legs; settle (credit exhausted)       | ending      |
// | answered    | dead leg: no ACK in 64·T1, probe or relay 408/481/timeout, session expiry | BYE the legs; settle (failed) | ending      |
// | ending      | linger timer (64·T1) and no request pending | —                                                          | (removed)   |
//
// Rules chosen where the RFCs and the issue are silent:
//  - Exactly one `settle` per reservation: `settleOnce` is the only place it is emitted. A refused
//    or failed authorisation opens no reservation and is not settled.
//  - CANCEL crossing the trunk's 200 (and a 200 after our own no-answer 480): the trunk leg is
//    ACKed and BYEd at once and the call is settled as unanswered (0 s): the caller never had it.
//  - CANCEL crossing our 200 to the caller: 200 to the CANCEL, the call goes on (§9.2).
//  - Pending relays when a call ends are answered 487 (INVITE) or 481 (others).
//  - The trunk's 401/407 is answered once per nonce; a challenge we cannot or already did answer
//    counts as the trunk failing (next trunk, else 503 to the caller: never the trunk's 401, which
//    the caller's softphone would try to answer with its own password).
//  - Liveness of each leg after the answer: an RFC 4028 session timer when negotiated (we refresh
//    with UPDATE when we are the refresher; otherwise the leg's own refresh must come in time), or
//    in-dialog OPTIONS every `keepaliveInterval`. 408, 481, a timeout or a transport failure of
//    a probe or relayed request is a dead leg.
//  - Requests to the trunk keep the trunk's configured transport (`sendRequestKeepingTransport`):
//    the caller's SDP easily makes an INVITE larger than the UDP MTU, and §18.1.1's switch to TCP
//    would then reach a provider that listens only on the UDP it was configured with.
//  - Topology hiding: the trunk leg is built from scratch (new Call-ID, tags, Via, Contact, CSeq);
//    only the body and Content-Type (and for INFO Content-Disposition, Info-Package) cross over.
import Billing
import Numbering
import SIPCore
import SIPDialog
import SIPTransaction

/// The timers of a call, as `TransactionUserTimer.call(id: key, purpose: rawValue)`.
enum CallTimer: UInt8, CaseIterable, Sendable {
    case retransmit2xxToCaller = 1, retransmit2xxToTrunk, renew, cutoff, probeCaller, probeTrunk, noAnswer, linger, smsGuard
}

/// The two legs of a call.
enum Leg: Sendable, Hashable {
    case caller, trunk
    var other: Leg { self == .caller ? .trunk : .caller }
}

/// RFC 3261 §6 B2BUA call state for one paid call; the rules are in this file's header.
struct PaidCall<Peer: Sendable & Hashable>: Sendable {
    typealias Action = B2BUAAction<Peer>

    enum Phase: Sendable, Equatable { case authorizing, calling, answered, ending }

    /// How a leg is kept honest once answered.
    enum Liveness: Sendable, Equatable {
        case refreshing(SessionTimer)   // we refresh (UPDATE at half the interval)
        case expecting(SessionTimer)    // the peer refreshes; expiry ends the call
        case keepalive                  // OPTIONS every keepaliveInterval
    }

    /// What a client transaction of the call is for.
    enum Purpose: Sendable {
        case relay(server: TransactionID, origin: SIPMessage, from: Leg)
        case bye(Leg)
        case probe(Leg)
        case strayBye
    }

    struct Outstanding: Sendable {
        var purpose: Purpose
        var request: SIPMessage
        var leg: Leg
    }

    /// A 2xx to an INVITE that this side retransmits until its ACK comes (§13.3.1.4).
    struct Retransmission: Sendable {
        var response: SIPMessage
        var transaction: TransactionID
        var cseq: UInt32
        var interval: Duration
        var firstAt: Instant
    }

    let key: CallKey
    let account: String
    let destination: Destination
    let settings: B2BUASettings
    private(set) var phase: Phase = .authorizing

    // The caller's leg (we are its UAS).
    let callerInvite: SIPMessage
    let callerPeer: Peer
    let callerTransaction: TransactionID
    let callerCallID: String
    let callerFromTag: String
    let callerToTag: String
    private let callerSession: SessionTimer?
    private let callerSessionHeaders: [(KnownHeader, String)]
    private var callerFinalCode: Int?
    private(set) var callerDialog: Dialog?

    // The trunk's leg (we are its UAC).
    private let candidates: [Trunk]
    private var attempt = 0
    private var trunkPeer: Peer?
    private(set) var trunkCallIDs: [String] = []
    private(set) var trunkFromTag = ""
    private var trunkInvite: SIPMessage?
    private var trunkInviteTransaction: TransactionID?
    private var invites: [TransactionID: SIPMessage] = [:]
    private var trunkProceeding = false
    private var cancelWanted = false
    private var cancelSent = false
    private var answeredNonces: Set<String> = []
    private var sessionIntervalAsked: UInt32
    private(set) var trunkDialog: Dialog?
    private var trunkAck: SIPMessage?

    // Money.
    private var reservation: ReservationID?
    private var grantedSeconds: Int64 = 0
    private var answeredAt: Instant?
    private var answeredAtBilling: BillingTime?
    private var renewPending = false
    private var renewStopped = false
    private(set) var settled = false

    // Transactions and timers.
    private(set) var outstanding: [TransactionID: Outstanding] = [:]
    private var pendingServer: [TransactionID: SIPMethod] = [:]
    private var offerPending = false
    private var retransmissions: [Leg: Retransmission] = [:]
    private var liveness: [Leg: Liveness] = [:]
    private var armed: Set<CallTimer> = []
    private var lingerDone = false
    private var finishedWithoutReservation = false

    // MARK: What the core indexes

    /// Server transactions the call answers (the caller's INVITE; pending relays).
    var serverTransactions: [TransactionID] { [callerTransaction] + pendingServer.keys }
    /// Client transactions whose responses the call wants.
    var clientTransactions: [TransactionID] { Array(invites.keys) + outstanding.keys }
    /// Whether the call can be forgotten: settled (or never reserved), lingered, nothing pending.
    var isFinished: Bool {
        finishedWithoutReservation || (phase == .ending && lingerDone && outstanding.isEmpty && pendingServer.isEmpty)
    }

    // MARK: Start

    /// A call for `request` (an INVITE from `account` to `destination`), or the immediate answer
    /// when it cannot start (RFC 4028 422). The first actions send 100 Trying and ask billing.
    static func start(_ request: SIPMessage, from peer: Peer, transaction: TransactionID, account: String,
                      destination: Destination, candidates: [Trunk], key: CallKey, settings: B2BUASettings,
                      toTag: String, now: Instant, billingTime: BillingTime) -> (PaidCall?, [Action]) {
        var headers: [(KnownHeader, String)] = []
        var session: SessionTimer?
        switch SessionTimer.negotiate(request: request, localMinSE: settings.minSESeconds,
                                      preferredSeconds: settings.sessionIntervalSeconds) {
        case .tooSmall(let minSE):
            let response = request.makeResponse(statusCode: 422, reason: "Session Interval Too Small", toTag: toTag,
                                                headers: [(.minSE, String(minSE))])
            return (nil, [.transactionUser(.respond(response, transaction: transaction))])
        case .none:
            break
        case .accept(let timer, let responseHeaders):
            session = timer
            headers = responseHeaders
        }
        let call = PaidCall(key: key, account: account, destination: destination, settings: settings, callerInvite: request,
                            callerPeer: peer, callerTransaction: transaction,
                            callerCallID: request.firstValue(.callID)?.string ?? "",
                            callerFromTag: (try? request.from())?.tag?.string ?? "", callerToTag: toTag,
                            callerSession: session, callerSessionHeaders: headers, candidates: candidates,
                            sessionIntervalAsked: settings.sessionIntervalSeconds)
        let actions: [Action] = [
            .transactionUser(.respond(request.makeResponse(statusCode: 100, reason: "Trying"), transaction: transaction)),
            .billing(.authorize(key, account: AccountID(account), caller: account, dialled: .routable(destination), at: billingTime)),
        ]
        return (call, actions)
    }

    private init(key: CallKey, account: String, destination: Destination, settings: B2BUASettings, callerInvite: SIPMessage,
                 callerPeer: Peer, callerTransaction: TransactionID, callerCallID: String, callerFromTag: String,
                 callerToTag: String, callerSession: SessionTimer?, callerSessionHeaders: [(KnownHeader, String)],
                 candidates: [Trunk], sessionIntervalAsked: UInt32) {
        precondition(!candidates.isEmpty, "a call needs a trunk")
        self.key = key
        self.account = account
        self.destination = destination
        self.settings = settings
        self.callerInvite = callerInvite
        self.callerPeer = callerPeer
        self.callerTransaction = callerTransaction
        self.callerCallID = callerCallID
        self.callerFromTag = callerFromTag
        self.callerToTag = callerToTag
        self.callerSession = callerSession
        self.callerSessionHeaders = callerSessionHeaders
        self.candidates = candidates
        self.sessionIntervalAsked = sessionIntervalAsked
    }

    // MARK: Billing answers

    mutating func billing<E: B2BUAEnvironment>(_ answer: BillingAnswer, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        switch answer {
        case .authorized(_, let authorization):
            return authorized(authorization, &env, now: now)
        case .renewed(_, let renewal):
            return renewed(renewal, &env, now: now)
        case .failed(_, let reason):
            if phase == .authorizing { return authorizationFailed(reason) }
            renewPending = false
            renewStopped = true
            return []
        case .smsCounted:
            return []
        }
    }

    private mutating func authorized<E: B2BUAEnvironment>(_ authorization: Authorization, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        guard phase == .authorizing else { return [] }
        switch authorization {
        case .refused(let code, let reason):
            finishedWithoutReservation = true
            return callerFinalSent ? [] : [respondToCaller(code.rawValue, reason)]
        case .free(_, let opened), .paid(_, let opened):
            reservation = opened.id
            grantedSeconds = opened.grantedSeconds
            if cancelWanted {
                // The caller cancelled while billing decided: nothing was sent to a trunk.
                return finish(.unanswered(statusCode: callerFinalCode ?? 487), &env, now: now)
            }
            phase = .calling
            return sendTrunkInvite(&env, now: now) + [arm(.noAnswer, after: settings.maximumRingDuration)]
        }
    }

    private mutating func authorizationFailed(_ reason: String) -> [Action] {
        finishedWithoutReservation = true
        return callerFinalSent ? [] : [respondToCaller(503, "Service Unavailable (billing: \(reason))")]
    }

    private mutating func renewed<E: B2BUAEnvironment>(_ renewal: Renewal, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        renewPending = false
        guard phase == .answered, let answeredAt else { return [] }
        switch renewal {
        case .extended(let extended):
            grantedSeconds = extended.grantedSeconds
            return [arm(.cutoff, after: answeredAt + .seconds(grantedSeconds) - now)] + armRenew(now: now)
        case .end(let afterSeconds):
            renewStopped = true
            grantedSeconds = afterSeconds
            let left = answeredAt + .seconds(afterSeconds) - now
            if left <= .zero { return end(.creditExhausted, byeReason: Self.creditReason, except: nil, &env, now: now) }
            return [disarm(.renew), arm(.cutoff, after: left)]
        }
    }

    static var creditReason: String { "Q.850;cause=16;text=\"Call time limit reached: balance exhausted\"" }

    // MARK: The trunk INVITE

    private var callerIDUser: String = ""

    private mutating func sendTrunkInvite<E: B2BUAEnvironment>(_ env: inout E, now: Instant) -> [Action] where E.Peer == Peer {
        while attempt < candidates.count {
            let trunk = candidates[attempt]
            guard let peer = env.peer(for: trunk) else {
                attempt += 1
                continue
            }
            trunkPeer = peer
            trunkProceeding = false
            answeredNonces = []
            trunkFromTag = env.makeToken()
            let callID = env.makeCallID()
            trunkCallIDs.append(callID)
            switch trunk.callerID {
            case .e164Alias: callerIDUser = env.numberAlias(ofAccount: account).map { "+" + $0 } ?? account
            case .accountName: callerIDUser = account
            }
            let invite = buildTrunkInvite(trunk, callID: callID, cseq: 1, peer: peer, &env, authorization: nil)
            return [send(invite, to: peer)]
        }
        // No trunk could be reached.
        return relayFailure(503, "Service Unavailable (no trunk reachable)", &env, now: now)
    }

    private mutating func buildTrunkInvite<E: B2BUAEnvironment>(_ trunk: Trunk, callID: String, cseq: UInt32, peer: Peer,
                                                                 _ env: inout E, authorization: (KnownHeader, String)?) -> SIPMessage
    where E.Peer == Peer {
        let user = trunk.numberPrefix + destination.e164Digits
        let requestURI = SIPURI(user: user, host: trunk.host, port: trunk.port,
                                parameters: trunk.transport == .udp ? [] : [("transport", trunk.transport.rawValue)])
        var headers: [(KnownHeader, ByteString)] = [
            (.via, ByteString(Self.via(&env))),
            (.maxForwards, "70"),
            (.from, ByteString("<sip:\(callerIDUser)@\(trunk.fromDomain)>;tag=\(trunkFromTag)")),
            (.to, ByteString("<sip:\(user)@\(trunk.host)>")),
            (.callID, ByteString(callID)),
            (.cseq, ByteString("\(cseq) INVITE")),
            (.contact, ByteString("<\(env.contactURI(facing: peer))>")),
            (.allow, ByteString(Self.allow)),
        ]
        for (header, value) in SessionTimer.requestHeaders(intervalSeconds: sessionIntervalAsked, minSE: settings.minSESeconds) {
            headers.append((header, ByteString(value)))
        }
        if let authorization { headers.append((authorization.0, ByteString(authorization.1))) }
        var invite = SIPMessage.makeRequest(method: .invite, requestURI: requestURI.text, headers: headers)
        Self.copyBody(from: callerInvite, to: &invite)
        return invite
    }

    static var allow: String { "INVITE, ACK, CANCEL, BYE, UPDATE, INFO, OPTIONS" }

    static func via<E: B2BUAEnvironment>(_ env: inout E) -> String {
        // Transport and sent-by are placeholders: the server writes the leaving socket's (§18.1.1).
        "SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK\(env.makeToken());rport"
    }

    static func copyBody(from source: SIPMessage, to target: inout SIPMessage) {
        let body = source.body
        guard !body.isEmpty else { return }
        target.setBody(Array(body.bytes), contentType: source.firstValue(.contentType)?.string)
    }

    /// Sends `request` to the trunk (or the caller) in a new client transaction, remembering it.
    private mutating func send(_ invite: SIPMessage, to peer: Peer) -> Action {
        if let id = TransactionID(clientRequest: invite) {
            invites[id] = invite
            trunkInvite = invite
            trunkInviteTransaction = id
        }
        return .transactionUser(.sendRequestKeepingTransport(invite, to: peer))
    }

    private mutating func sendInDialog(_ request: SIPMessage, leg: Leg, purpose: Purpose) -> [Action] {
        guard let id = TransactionID(clientRequest: request) else { return [] }
        outstanding[id] = Outstanding(purpose: purpose, request: request, leg: leg)
        switch leg {
        case .caller: return [.transactionUser(.sendRequestKeepingTransport(request, to: callerPeer))]
        case .trunk: return trunkPeer.map { [.transactionUser(.sendRequestKeepingTransport(request, to: $0))] } ?? []
        }
    }

    // MARK: Responses

    mutating func response<E: B2BUAEnvironment>(_ response: SIPMessage, transaction: TransactionID, _ env: inout E,
                                                now: Instant) -> [Action] where E.Peer == Peer {
        guard let code = response.statusCode else { return [] }
        if invites[transaction] != nil { return inviteResponse(response, code: code, transaction: transaction, &env, now: now) }
        guard let record = outstanding[transaction], code >= 200 else { return [] }
        outstanding[transaction] = nil
        return inDialogFinal(record, response: response, code: code, &env, now: now)
    }

    /// A 2xx to one of our INVITEs that no transaction matched any more (Timer M passed).
    mutating func strayResponse<E: B2BUAEnvironment>(_ response: SIPMessage, _ env: inout E) -> [Action] where E.Peer == Peer {
        guard let code = response.statusCode, (200..<300).contains(code), (try? response.cseq())?.method == .invite else { return [] }
        return acknowledgeRepeated2xx(response) ?? []
    }

    private func acknowledgeRepeated2xx(_ response: SIPMessage) -> [Action]? {
        guard let dialog = trunkDialog, let ack = trunkAck, let peer = trunkPeer,
              response.firstValue(.callID)?.string == dialog.id.callID,
              (try? response.to())?.tag?.string == dialog.id.remoteTag else { return nil }
        guard (try? response.cseq())?.number == (try? ack.cseq())?.number else { return [] }
        return [.transactionUser(.sendStateless(ack, to: peer))]
    }

    private mutating func inviteResponse<E: B2BUAEnvironment>(_ response: SIPMessage, code: Int, transaction: TransactionID,
                                                              _ env: inout E, now: Instant) -> [Action] where E.Peer == Peer {
        let current = transaction == trunkInviteTransaction
        if (200..<300).contains(code) {
            if let repeated = acknowledgeRepeated2xx(response) { return repeated }
            if current && trunkDialog == nil && phase == .calling { return trunkAnswered(response, &env, now: now) }
            return hangUpStray2xx(response, invite: invites[transaction], &env)
        }
        guard current, phase == .calling, trunkDialog == nil else { return [] }
        if code < 200 {
            var actions: [Action] = []
            trunkProceeding = true
            if cancelWanted {
                if !cancelSent {
                    cancelSent = true
                    actions.append(.transactionUser(.cancelClientTransaction(transaction)))
                }
                return actions
            }
            if code > 100 && !callerFinalSent {
                var provisional = callerInvite.makeResponse(statusCode: code, reason: response.reasonPhrase?.string ?? "Ringing",
                                                            toTag: callerToTag,
                                                            headers: [(.contact, "<\(env.contactURI(facing: callerPeer))>")])
                Self.copyBody(from: response, to: &provisional)
                actions.append(.transactionUser(.respond(provisional, transaction: callerTransaction)))
            }
            return actions
        }
        invites[transaction] = nil
        return trunkFinalFailure(response, code: code, &env, now: now)
    }

    private mutating func trunkFinalFailure<E: B2BUAEnvironment>(_ response: SIPMessage?, code: Int, _ env: inout E,
                                                                 now: Instant) -> [Action] where E.Peer == Peer {
        if cancelWanted { return finish(.unanswered(statusCode: callerFinalCode ?? 487), &env, now: now) }
        if let response, code == 401 || code == 407, let retry = authenticatedInvite(response, &env) {
            return [send(retry, to: trunkPeer!)]
        }
        if let response, code == 422, let interval = SessionTimer.retryInterval(after: response, asked: sessionIntervalAsked),
           let invite = trunkInvite, let peer = trunkPeer {
            sessionIntervalAsked = interval
            var retry = invite
            let cseq = ((try? invite.cseq())?.number ?? 1) + 1
            retry.setHeader(.cseq, "\(cseq) INVITE")
            retry.setHeader(.sessionExpires, String(interval))
            retry.removeFirstValue(.via)
            retry.addHeader(.via, Self.via(&env), at: .first)
            return [send(retry, to: peer)]
        }
        let failover = code == 408 || (500...599).contains(code) || code == 401 || code == 407
        if failover && attempt + 1 < candidates.count {
            attempt += 1
            return sendTrunkInvite(&env, now: now)
        }
        let reason = response?.reasonPhrase?.string ?? ""
        switch code {
        case 401, 407: return relayFailure(503, "Service Unavailable (the trunk refused our credentials)", &env, now: now)
        case 300..<400: return relayFailure(480, "Temporarily Unavailable", &env, now: now)
        case 422: return relayFailure(503, "Service Unavailable (session interval refused by the trunk)", &env, now: now)
        default: return relayFailure(code, reason.isEmpty ? "Call Failed" : reason, &env, now: now)
        }
    }

    /// The final failure of the call before an answer: relay it to the caller and settle 0 s.
    private mutating func relayFailure<E: B2BUAEnvironment>(_ code: Int, _ reason: String, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        var actions: [Action] = []
        if !callerFinalSent { actions.append(respondToCaller(code, reason)) }
        return actions + finish(.unanswered(statusCode: code), &env, now: now)
    }

    /// RFC 3261 §22.2: the INVITE again with credentials for the trunk's challenge, once per nonce.
    private mutating func authenticatedInvite<E: B2BUAEnvironment>(_ response: SIPMessage, _ env: inout E) -> SIPMessage?
    where E.Peer == Peer {
        guard let invite = trunkInvite, let peer = trunkPeer,
              let header = authorization(for: response, request: invite, trunk: candidates[attempt], &env) else { return nil }
        let cseq = ((try? invite.cseq())?.number ?? 1) + 1
        let callID = invite.firstValue(.callID)?.string ?? ""
        return buildTrunkInvite(candidates[attempt], callID: callID, cseq: cseq, peer: peer, &env, authorization: header)
    }

    /// The Authorization/Proxy-Authorization header answering a 401/407 to `request`, if we can and
    /// have not answered this nonce yet.
    private mutating func authorization<E: B2BUAEnvironment>(for response: SIPMessage, request: SIPMessage, trunk: Trunk,
                                                             _ env: inout E) -> (KnownHeader, String)? {
        let realmOK = { (c: DigestChallenge) in trunk.realm.map { $0 == c.realm } ?? true }
        guard let challenge = response.answerableDigestChallenges().first(where: realmOK),
              !answeredNonces.contains(challenge.nonce), let method = request.method,
              let uri = request.requestURIText?.string else { return nil }
        answeredNonces.insert(challenge.nonce)
        let credentials = DigestCredentials.answering(challenge, method: method, uri: uri, username: trunk.username,
                                                      password: trunk.password, cnonce: env.makeToken())
        return (response.statusCode == 407 ? .proxyAuthorization : .authorization, credentials.headerValue)
    }

    /// A 2xx from another fork or an abandoned attempt: ACK it and BYE it (§13.2.2.4).
    private mutating func hangUpStray2xx<E: B2BUAEnvironment>(_ response: SIPMessage, invite: SIPMessage?, _ env: inout E) -> [Action]
    where E.Peer == Peer {
        guard let invite, var dialog = Dialog(uacRequest: invite, response: response), let peer = trunkPeer else { return [] }
        let ack = dialog.makeAck(inviteSequence: dialog.localSequence, via: Self.via(&env))
        let bye = dialog.makeRequest(.bye, via: Self.via(&env))
        guard let id = TransactionID(clientRequest: bye) else { return [] }
        outstanding[id] = Outstanding(purpose: .strayBye, request: bye, leg: .trunk)
        return [.transactionUser(.sendStateless(ack, to: peer)), .transactionUser(.sendRequestKeepingTransport(bye, to: peer))]
    }

    /// The trunk answered: ACK it; answer the caller (or, if the caller is gone, hang the trunk up).
    private mutating func trunkAnswered<E: B2BUAEnvironment>(_ response: SIPMessage, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        guard let invite = trunkInvite, let peer = trunkPeer,
              let dialog = Dialog(uacRequest: invite, response: response) else {
            // A 2xx without Contact or tag: nothing can be built on it.
            return relayFailure(502, "Bad Gateway (unusable answer from the trunk)", &env, now: now)
        }
        trunkDialog = dialog
        let ack = dialog.makeAck(inviteSequence: dialog.localSequence, via: Self.via(&env))
        trunkAck = ack
        var actions: [Action] = [.transactionUser(.sendStateless(ack, to: peer)), disarm(.noAnswer)]
        if cancelWanted || callerFinalSent {
            // CANCEL (or our no-answer 480) crossed the 200: the caller never had the call.
            actions += end(.unanswered(statusCode: callerFinalCode ?? 487),
                           byeReason: "SIP;cause=487;text=\"Caller cancelled\"", except: .caller, &env, now: now)
            return actions
        }
        phase = .answered
        answeredAt = now
        answeredAtBilling = env.billingTime(at: now)
        var ok = callerInvite.makeResponse(statusCode: 200, reason: "OK", toTag: callerToTag,
                                           headers: [(.contact, "<\(env.contactURI(facing: callerPeer))>"), (.allow, Self.allow),
                                                     (.supported, "timer")] + callerSessionHeaders)
        Self.copyBody(from: response, to: &ok)
        callerFinalCode = 200
        callerDialog = Dialog(uasRequest: callerInvite, localTag: callerToTag)
        if callerDialog == nil, let from = try? callerInvite.from(), let to = try? callerInvite.to() {
            // A caller without Contact: reach it at its From URI (it still gets its BYE through the peer).
            callerDialog = Dialog(id: DialogID(callID: callerCallID, localTag: callerToTag, remoteTag: callerFromTag),
                                  localURI: to.uri.text.string, remoteURI: from.uri.text.string, remoteTarget: from.uri,
                                  remoteSequence: (try? callerInvite.cseq())?.number)
        }
        actions.append(.transactionUser(.respond(ok, transaction: callerTransaction)))
        actions += startRetransmitting(ok, transaction: callerTransaction, to: .caller, now: now)
        // Liveness of both legs.
        liveness[.caller] = callerSession.map { $0.refresher == .local ? .refreshing($0) : .expecting($0) } ?? .keepalive
        liveness[.trunk] = SessionTimer(uacResponse: response).map { $0.refresher == .local ? .refreshing($0) : .expecting($0) }
            ?? .keepalive
        actions += armProbe(.caller) + armProbe(.trunk)
        // Money: the grant counts from the answer.
        actions.append(arm(.cutoff, after: .seconds(grantedSeconds)))
        actions += armRenew(now: now)
        return actions
    }

    // MARK: Requests from the legs

    /// Which leg an in-dialog request or ACK comes from, by Call-ID and our tag (its To tag).
    func leg(of request: SIPMessage) -> Leg? {
        guard let callID = request.firstValue(.callID)?.string, let toTag = (try? request.to())?.tag?.string else { return nil }
        if callID == callerCallID && toTag == callerToTag { return .caller }
        if trunkCallIDs.contains(callID) && toTag == trunkFromTag { return .trunk }
        return nil
    }

    mutating func cancel<E: B2BUAEnvironment>(_ request: SIPMessage, transaction: TransactionID, _ env: inout E,
                                              now: Instant) -> [Action] where E.Peer == Peer {
        var actions: [Action] = [.transactionUser(.respond(request.makeResponse(statusCode: 200, reason: "OK", toTag: callerToTag),
                                                          transaction: transaction))]
        guard !callerFinalSent, phase == .authorizing || phase == .calling else { return actions }
        actions.append(respondToCaller(487, "Request Terminated"))
        cancelWanted = true
        if phase == .calling, trunkProceeding, !cancelSent, let invite = trunkInviteTransaction {
            cancelSent = true
            actions.append(.transactionUser(.cancelClientTransaction(invite)))
        }
        return actions
    }

    mutating func request<E: B2BUAEnvironment>(_ request: SIPMessage, transaction: TransactionID, _ env: inout E,
                                               now: Instant) -> [Action] where E.Peer == Peer {
        guard let method = request.method else { return [] }
        func reply(_ code: Int, _ reason: String, _ headers: [(KnownHeader, String)] = []) -> [Action] {
            [.transactionUser(.respond(request.makeResponse(statusCode: code, reason: reason, headers: headers),
                                       transaction: transaction))]
        }
        guard let leg = leg(of: request) else { return reply(481, "Call/Transaction Does Not Exist") }
        let dialog = leg == .caller ? callerDialog : trunkDialog
        guard var dialog, phase == .answered || (phase == .ending && method == .bye) else {
            return reply(481, "Call/Transaction Does Not Exist")
        }
        guard dialog.receiveRequest(request) == .accepted else { return reply(500, "Server Internal Error (CSeq out of order)") }
        setDialog(dialog, leg)
        switch method {
        case .bye:
            let actions = reply(200, "OK")
            guard phase == .answered else { return actions }
            return actions + end(leg == .caller ? .callerHungUp : .calleeHungUp, byeReason: nil, except: leg, &env, now: now)
        case .invite, .update, .info:
            if method != .info {
                if offerPending { return reply(491, "Request Pending") }
                dialog.refreshRemoteTarget(from: request)
                setDialog(dialog, leg)
            }
            var actions: [Action] = []
            if method != .info, case .expecting? = liveness[leg] { actions += armProbe(leg) }
            return actions + relay(request, transaction: transaction, from: leg, &env)
        case .options:
            return reply(200, "OK", [(.allow, Self.allow)])
        default:
            return reply(405, "Method Not Allowed", [(.allow, Self.allow)])
        }
    }

    /// The ACK of a 2xx (§13.3.1.4): stops that 2xx's retransmissions.
    mutating func ack(_ ack: SIPMessage) -> [Action] {
        guard let leg = leg(of: ack), let pending = retransmissions[leg], (try? ack.cseq())?.number == pending.cseq else { return [] }
        retransmissions[leg] = nil
        return [disarm(leg == .caller ? .retransmit2xxToCaller : .retransmit2xxToTrunk)]
    }

    private mutating func relay<E: B2BUAEnvironment>(_ request: SIPMessage, transaction: TransactionID, from leg: Leg,
                                                      _ env: inout E) -> [Action] where E.Peer == Peer {
        guard var target = leg == .caller ? trunkDialog : callerDialog, let method = request.method else { return [] }
        let peerForContact = leg == .caller ? trunkPeer ?? callerPeer : callerPeer
        var headers: [(KnownHeader, String)] = []
        if method == .invite || method == .update { headers.append((.allow, Self.allow)) }
        if let disposition = request.firstValue(.contentDisposition) { headers.append((.contentDisposition, disposition.string)) }
        var out = target.makeRequest(method, via: Self.via(&env),
                                     contact: method == .info ? nil : "<\(env.contactURI(facing: peerForContact))>",
                                     headers: headers)
        for name in ["Info-Package"] { if let value = request.values(named: name).first { out.addHeader(named: name, value.string) } }
        Self.copyBody(from: request, to: &out)
        setDialog(target, leg.other)
        pendingServer[transaction] = method
        if method != .info { offerPending = true }
        return sendInDialog(out, leg: leg.other, purpose: .relay(server: transaction, origin: request, from: leg))
    }

    private mutating func setDialog(_ dialog: Dialog, _ leg: Leg) {
        if leg == .caller { callerDialog = dialog } else { trunkDialog = dialog }
    }

    // MARK: Final responses to our in-dialog requests

    private mutating func inDialogFinal<E: B2BUAEnvironment>(_ record: Outstanding, response: SIPMessage, code: Int,
                                                              _ env: inout E, now: Instant) -> [Action] where E.Peer == Peer {
        // The trunk may challenge any request (§22.2): answer once per nonce.
        if (code == 401 || code == 407) && record.leg == .trunk, var dialog = trunkDialog, phase != .ending || record.purpose.isBye,
           let header = authorization(for: response, request: record.request, trunk: candidates[attempt], &env) {
            var retry = record.request
            retry.setHeader(.cseq, "\(dialog.advanceLocalSequence()) \(record.request.method?.name ?? "")")
            retry.removeFirstValue(.via)
            retry.addHeader(.via, Self.via(&env), at: .first)
            retry.addHeader(header.0, header.1)
            trunkDialog = dialog
            return sendInDialog(retry, leg: .trunk, purpose: record.purpose)
        }
        switch record.purpose {
        case .bye, .strayBye:
            return []
        case .probe(let leg):
            return probeAnswered(leg, request: record.request, code: code, &env, now: now)
        case .relay(let server, let origin, let from):
            return relayAnswered(server: server, origin: origin, from: from, response: response, code: code, &env, now: now)
        }
    }

    private mutating func relayAnswered<E: B2BUAEnvironment>(server: TransactionID, origin: SIPMessage, from leg: Leg,
                                                             response: SIPMessage, code: Int, _ env: inout E,
                                                             now: Instant) -> [Action] where E.Peer == Peer {
        let method = origin.method ?? .info
        if method != .info { offerPending = false }
        var actions: [Action] = []
        if method == .invite && (200..<300).contains(code), var dialog = leg == .caller ? trunkDialog : callerDialog {
            // We are the UAC of the re-INVITE on the other leg: ACK its 2xx (§13.2.2.4).
            dialog.refreshRemoteTarget(from: response)
            let ack = dialog.makeAck(inviteSequence: (try? response.cseq())?.number ?? dialog.localSequence, via: Self.via(&env))
            setDialog(dialog, leg.other)
            let peer = leg.other == .caller ? callerPeer : trunkPeer ?? callerPeer
            actions.append(.transactionUser(leg.other == .caller ? .sendRequestKeepingTransport(ack, to: peer) : .sendStateless(ack, to: peer)))
        }
        guard pendingServer.removeValue(forKey: server) != nil else { return actions }
        var headers: [(KnownHeader, String)] = []
        if (200..<300).contains(code) && method != .info {
            let facing = leg == .caller ? callerPeer : trunkPeer ?? callerPeer
            headers.append((.contact, "<\(env.contactURI(facing: facing))>"))
            if leg == .caller { headers += callerSessionHeaders }
        }
        var answer = origin.makeResponse(statusCode: code, reason: response.reasonPhrase?.string ?? "", headers: headers)
        Self.copyBody(from: response, to: &answer)
        actions.append(.transactionUser(.respond(answer, transaction: server)))
        if method == .invite && (200..<300).contains(code) {
            actions += startRetransmitting(answer, transaction: server, to: leg, now: now)
        }
        if code == 408 || code == 481 {
            // RFC 5057 §5.2: the other leg's dialog is gone.
            actions += end(.failed("the \(leg.other == .caller ? "caller" : "trunk") leg answered \(code) in the dialog"),
                           byeReason: nil, except: nil, &env, now: now)
        }
        return actions
    }

    // MARK: Timeouts and transport failures of client transactions

    mutating func clientFailed<E: B2BUAEnvironment>(_ transaction: TransactionID, code: Int, _ env: inout E,
                                                    now: Instant) -> [Action] where E.Peer == Peer {
        if invites.removeValue(forKey: transaction) != nil {
            guard transaction == trunkInviteTransaction, phase == .calling, trunkDialog == nil else { return [] }
            return trunkFinalFailure(nil, code: code, &env, now: now)
        }
        guard let record = outstanding.removeValue(forKey: transaction) else { return [] }
        switch record.purpose {
        case .bye, .strayBye:
            return []
        case .probe(let leg):
            return end(.failed("the \(leg == .caller ? "caller" : "trunk") leg stopped answering"), byeReason: nil,
                       except: leg, &env, now: now)
        case .relay(let server, let origin, let from):
            var actions: [Action] = []
            if origin.method != .info { offerPending = false }
            if pendingServer.removeValue(forKey: server) != nil {
                actions.append(.transactionUser(.respond(origin.makeResponse(statusCode: code, reason: code == 408
                    ? "Request Timeout" : "Service Unavailable"), transaction: server)))
            }
            return actions + end(.failed("the \(from.other == .caller ? "caller" : "trunk") leg stopped answering"),
                                 byeReason: nil, except: from.other, &env, now: now)
        }
    }

    /// The caller's INVITE server transaction failed (Timer H, transport): the caller is gone.
    mutating func serverFailed<E: B2BUAEnvironment>(_ transaction: TransactionID, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        if transaction == callerTransaction {
            if callerFinalCode == nil { callerFinalCode = 408 }
            switch phase {
            case .answered:
                return end(.failed("the caller leg failed"), byeReason: nil, except: nil, &env, now: now)
            case .calling:
                cancelWanted = true
                if trunkProceeding, !cancelSent, let invite = trunkInviteTransaction {
                    cancelSent = true
                    return [.transactionUser(.cancelClientTransaction(invite))]
                }
                return []
            case .authorizing:
                cancelWanted = true
                return []
            case .ending:
                return []
            }
        }
        pendingServer[transaction] = nil
        return []
    }

    // MARK: Timers

    mutating func timer<E: B2BUAEnvironment>(_ timer: CallTimer, _ env: inout E, now: Instant) -> [Action] where E.Peer == Peer {
        guard armed.remove(timer) != nil else { return [] }
        switch timer {
        case .retransmit2xxToCaller: return retransmit(.caller, &env, now: now)
        case .retransmit2xxToTrunk: return retransmit(.trunk, &env, now: now)
        case .renew:
            guard phase == .answered, !renewPending, !renewStopped, let reservation, let answeredAt else { return [] }
            renewPending = true
            return [.billing(.renew(key, reservation: reservation, usedSeconds: Self.seconds(now - answeredAt),
                                    at: env.billingTime(at: now)))]
        case .cutoff:
            guard phase == .answered else { return [] }
            return end(.creditExhausted, byeReason: Self.creditReason, except: nil, &env, now: now)
        case .probeCaller: return probe(.caller, &env, now: now)
        case .probeTrunk: return probe(.trunk, &env, now: now)
        case .noAnswer:
            guard phase == .calling, !cancelWanted else { return [] }
            var actions: [Action] = []
            if !callerFinalSent { actions.append(respondToCaller(480, "Temporarily Unavailable (no answer)")) }
            cancelWanted = true
            if trunkProceeding, !cancelSent, let invite = trunkInviteTransaction {
                cancelSent = true
                actions.append(.transactionUser(.cancelClientTransaction(invite)))
            }
            return actions
        case .linger:
            lingerDone = true
            return []
        case .smsGuard:
            return []
        }
    }

    private mutating func retransmit<E: B2BUAEnvironment>(_ leg: Leg, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        guard var pending = retransmissions[leg] else { return [] }
        if now - pending.firstAt >= settings.timers.transactionTimeout {
            // §13.3.1.4: no ACK in 64·T1: the session ends.
            retransmissions[leg] = nil
            return end(.failed("no ACK from the \(leg == .caller ? "caller" : "trunk")"), byeReason: nil, except: nil, &env, now: now)
        }
        pending.interval = settings.timers.doubledCappedAtT2(pending.interval)
        retransmissions[leg] = pending
        return [.transactionUser(.respond(pending.response, transaction: pending.transaction)),
                arm(leg == .caller ? .retransmit2xxToCaller : .retransmit2xxToTrunk, after: pending.interval)]
    }

    private mutating func startRetransmitting(_ response: SIPMessage, transaction: TransactionID, to leg: Leg,
                                              now: Instant) -> [Action] {
        let cseq = (try? response.cseq())?.number ?? 0
        retransmissions[leg] = Retransmission(response: response, transaction: transaction, cseq: cseq,
                                              interval: settings.timers.t1, firstAt: now)
        return [arm(leg == .caller ? .retransmit2xxToCaller : .retransmit2xxToTrunk, after: settings.timers.t1)]
    }

    private mutating func armProbe(_ leg: Leg) -> [Action] {
        let timer: CallTimer = leg == .caller ? .probeCaller : .probeTrunk
        switch liveness[leg] {
        case .refreshing(let session)?: return [arm(timer, after: session.refreshAfter)]
        case .expecting(let session)?: return [arm(timer, after: session.expiryAfter)]
        case .keepalive?: return [arm(timer, after: settings.keepaliveInterval)]
        case nil: return []
        }
    }

    private mutating func probe<E: B2BUAEnvironment>(_ leg: Leg, _ env: inout E, now: Instant) -> [Action] where E.Peer == Peer {
        guard phase == .answered, var dialog = leg == .caller ? callerDialog : trunkDialog else { return [] }
        let request: SIPMessage
        switch liveness[leg] {
        case .refreshing(let session)?:
            // RFC 4028 §10: refresh with UPDATE (no body, no offer); we send it, so we are its UAC.
            request = dialog.makeRequest(.update, via: Self.via(&env), contact: "<\(env.contactURI(facing: leg == .caller ? callerPeer : trunkPeer ?? callerPeer))>",
                                         headers: [(.supported, "timer"), (.sessionExpires, "\(session.intervalSeconds);refresher=uac")])
        case .expecting?:
            return end(.failed("session expired: no refresh from the \(leg == .caller ? "caller" : "trunk") (RFC 4028)"),
                       byeReason: nil, except: nil, &env, now: now)
        case .keepalive?:
            request = dialog.makeRequest(.options, via: Self.via(&env))
        case nil:
            return []
        }
        setDialog(dialog, leg)
        return sendInDialog(request, leg: leg, purpose: .probe(leg))
    }

    private mutating func probeAnswered<E: B2BUAEnvironment>(_ leg: Leg, request: SIPMessage, code: Int, _ env: inout E,
                                                             now: Instant) -> [Action] where E.Peer == Peer {
        guard phase == .answered else { return [] }
        if code == 408 || code == 481 {
            return end(.failed("the \(leg == .caller ? "caller" : "trunk") leg answered \(code) to a probe"), byeReason: nil,
                       except: code == 481 ? leg : nil, &env, now: now)
        }
        if request.method == .update && (code == 405 || code == 501) { liveness[leg] = .keepalive }
        return armProbe(leg)
    }

    // MARK: Ending

    /// Ends an answered call (or the trunk leg of one the caller never had): answers what is
    /// pending, BYEs every leg with a dialog except `except`, settles once and lingers.
    private mutating func end<E: B2BUAEnvironment>(_ reason: EndReason, byeReason: String?, except: Leg?, _ env: inout E,
                                                    now: Instant) -> [Action] where E.Peer == Peer {
        guard phase != .ending else { return [] }
        var actions: [Action] = []
        for (server, method) in pendingServer {
            let code = method == .invite ? 487 : 481
            actions.append(.transactionUser(.respond(Self.answerFor(server, method: method, code: code, outstanding: outstanding),
                                                     transaction: server)))
        }
        pendingServer = [:]
        for leg in [Leg.caller, .trunk] where leg != except {
            guard var dialog = leg == .caller ? callerDialog : trunkDialog else { continue }
            let bye = dialog.makeRequest(.bye, via: Self.via(&env), headers: byeReason.map { [(.reason, $0)] } ?? [])
            setDialog(dialog, leg)
            actions += sendInDialog(bye, leg: leg, purpose: .bye(leg))
        }
        return actions + finish(reason, &env, now: now)
    }

    /// The response to a pending relayed request, built from its origin request.
    private static func answerFor(_ server: TransactionID, method: SIPMethod, code: Int,
                                  outstanding: [TransactionID: Outstanding]) -> SIPMessage {
        for record in outstanding.values {
            if case .relay(let s, let origin, _) = record.purpose, s == server {
                return origin.makeResponse(statusCode: code, reason: code == 487 ? "Request Terminated" : "Call/Transaction Does Not Exist")
            }
        }
        preconditionFailure("a pending server transaction without its relay")
    }

    /// Settles once, disarms every timer and lingers 64·T1 for retransmissions.
    private mutating func finish<E: B2BUAEnvironment>(_ reason: EndReason, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        phase = .ending
        var actions: [Action] = settleOnce(reason, &env, now: now)
        for timer in armed.sorted(by: { $0.rawValue < $1.rawValue }) { actions.append(disarm(timer)) }
        retransmissions = [:]
        actions.append(arm(.linger, after: settings.timers.transactionTimeout))
        return actions
    }

    private mutating func settleOnce<E: B2BUAEnvironment>(_ reason: EndReason, _ env: inout E, now: Instant) -> [Action]
    where E.Peer == Peer {
        guard let reservation, !settled else { return [] }
        settled = true
        return [.billing(.settle(key, reservation: reservation, answeredAt: answeredAtBilling, endedAt: billedEnd(env, now: now),
                                 reason: reason))]
    }

    /// The end of the call as billing sees it. For an answered call: the answer's wall-clock
    /// second plus the talk measured on the monotonic clock, rounded up to whole seconds (a
    /// started second counts). Subtracting two separately truncated wall-clock readings instead
    /// would be off by up to a second either way (a call of 30.04 s could read as 31 s, one of 30.9 s as 30 s),
    /// and a wall clock stepped by NTP mid-call would bill the step.
    private func billedEnd<E: B2BUAEnvironment>(_ env: E, now: Instant) -> BillingTime where E.Peer == Peer {
        guard let answeredAt, let answeredAtBilling else { return env.billingTime(at: now) }
        return answeredAtBilling.adding(seconds: Self.startedSeconds(now - answeredAt))
    }

    // MARK: Helpers

    private var callerFinalSent: Bool { callerFinalCode != nil }

    private mutating func respondToCaller(_ code: Int, _ reason: String) -> Action {
        callerFinalCode = code
        return .transactionUser(.respond(callerInvite.makeResponse(statusCode: code, reason: reason, toTag: callerToTag),
                                         transaction: callerTransaction))
    }

    private mutating func armRenew(now: Instant) -> [Action] {
        guard !renewStopped, let answeredAt else { return [] }
        let at = answeredAt + .seconds(max(grantedSeconds - settings.renewLeadSeconds, grantedSeconds / 2))
        return [arm(.renew, after: max(at - now, .zero))]
    }

    private mutating func arm(_ timer: CallTimer, after delay: Duration) -> Action {
        armed.insert(timer)
        return .transactionUser(.startTimer(.call(id: key.rawValue, purpose: timer.rawValue), after: max(delay, .zero)))
    }

    private mutating func disarm(_ timer: CallTimer) -> Action {
        armed.remove(timer)
        return .transactionUser(.cancelTimer(.call(id: key.rawValue, purpose: timer.rawValue)))
    }

    /// Whole seconds of a duration (rounded down).
    static func seconds(_ duration: Duration) -> Int64 { duration.components.seconds }

    /// Whole seconds of a duration, any started second counted (rounded up; zero stays zero).
    static func startedSeconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds + (attoseconds > 0 ? 1 : 0)
    }
}

extension PaidCall.Purpose {
    var isBye: Bool {
        switch self {
        case .bye, .strayBye: true
        default: false
        }
    }
}
