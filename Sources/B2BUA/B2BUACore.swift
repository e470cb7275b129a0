import Billing
import Numbering
import SIPCore
import SIPDialog
import SIPTransaction

/// The B2BUA of RFC 3261 §6 for paid calls and SMS to phone numbers (ARCHITECTURE "INVITE to a
/// number", PRODUCT.md 3 and 4), as a pure core: one per worker, fed transaction-layer events and
/// billing answers with the time, answering with transaction-layer and billing actions.
///
/// It owns the table of calls and SMS relays and finds the one an event belongs to; every
/// transition of a call is in `PaidCall.swift`, of an SMS in `SMSRelay.swift`.
///
/// How the server drives it:
/// 1. A new request: `route(_:from:)`. `.outgoing` → authenticate the caller as for any call, then
///    `handle(.outgoing(request, from:, transaction:, account:))`; `.claimed` → `handle(.transactionUser(event))`;
///    `.toLocalUser` → the proxy, with the Request-URI `sip:<user>@<domain>`; `.refuse` → answer it.
/// 2. Any other transaction-layer event (responses, stray ACKs and responses, timeouts, transport
///    failures, `TransactionUserTimer.call` timers): if `claims(event)`, `handle(.transactionUser(event))`.
/// 3. Perform every returned action: `.transactionUser` exactly as the proxy's; `.billing` on the
///    billing edge, feeding the answer back as `handle(.billing(answer))` (on the same worker).
public struct B2BUACore<Environment: B2BUAEnvironment> {
    public typealias Peer = Environment.Peer
    public typealias Action = B2BUAAction<Peer>

    public var environment: Environment
    public var settings: B2BUASettings
    private var calls: [CallKey: PaidCall<Peer>] = [:]
    private var messages: [CallKey: SMSRelay<Peer>] = [:]
    private var nextKey: UInt64 = 1

    private struct LegKey: Hashable {
        var callID: String
        var tag: String
    }

    /// What one call or relay is found by.
    private struct Index: Equatable {
        var server: [TransactionID] = []
        var client: [TransactionID] = []
        var legs: [LegKey] = []
        var trunkCallIDs: [String] = []
        var callerInvite: LegKey?
    }

    private var indexes: [CallKey: Index] = [:]
    private var byServerTransaction: [TransactionID: CallKey] = [:]
    private var byClientTransaction: [TransactionID: CallKey] = [:]
    private var byLeg: [LegKey: CallKey] = [:]
    private var byTrunkCallID: [String: CallKey] = [:]
    private var byCallerInvite: [LegKey: CallKey] = [:]

    public init(environment: Environment, settings: B2BUASettings = B2BUASettings()) {
        self.environment = environment
        self.settings = settings
    }

    /// Calls in progress (including those lingering after their end).
    public var activeCallCount: Int { calls.count }
    /// SMS relays in progress.
    public var activeMessageCount: Int { messages.count }
    /// Calls whose reservation has been settled and which only linger.
    public var settledCallCount: Int { calls.values.filter(\.settled).count }

    // MARK: Routing

    /// Where a request goes (see `B2BUARoute`), before anyone authenticates it.
    public func route(_ request: SIPMessage, from peer: Peer) -> B2BUARoute {
        guard let method = request.method, let callID = request.firstValue(.callID)?.string else { return .notB2BUA }
        if method == .cancel {
            guard let fromTag = (try? request.from())?.tag?.string else { return .notB2BUA }
            return byCallerInvite[LegKey(callID: callID, tag: fromTag)] != nil ? .claimed : .notB2BUA
        }
        if let toTag = (try? request.to())?.tag?.string {
            return byLeg[LegKey(callID: callID, tag: toTag)] != nil ? .claimed : .notB2BUA
        }
        guard method == .invite || method == .message, let text = request.requestURIText,
              let uri = try? URI(parsing: text, context: .requestURI) else { return .notB2BUA }
        let source = environment.sourceAddress(of: peer)
        let fromTrunk = environment.trunks.contains { $0.acceptedSources.contains(source) }
        let number = phoneNumber(in: uri)
        if fromTrunk {
            guard case .success(let e164)? = number, let user = environment.localUser(forNumber: e164.digits) else {
                return .refuse(statusCode: 404, reason: "Not Found (no subscriber with this number)")
            }
            return .toLocalUser(username: user, fromTrunk: true)
        }
        guard let number else { return .notB2BUA }
        if case .success(let e164) = number, let user = environment.localUser(forNumber: e164.digits) {
            return .toLocalUser(username: user, fromTrunk: false)
        }
        return .outgoing
    }

    /// Whether a transaction-layer event belongs to the B2BUA (a request: `route` said `.claimed`).
    public func claims(_ event: TransactionUserEvent<Peer>) -> Bool {
        switch event {
        case .request(let request, let peer, _, let cancels):
            if let cancels, byServerTransaction[cancels] != nil { return true }
            return route(request, from: peer) == .claimed
        case .strayAck(let ack, let peer):
            return route(ack, from: peer) == .claimed
        case .response(_, let transaction):
            return byClientTransaction[transaction] != nil
        case .strayResponse(let response, _):
            return response.firstValue(.callID).map { byTrunkCallID[$0.string] != nil } ?? false
        case .timedOut(let transaction), .transportFailed(let transaction):
            return byClientTransaction[transaction] != nil || byServerTransaction[transaction] != nil
        case .timerFired(.call):
            return true
        case .timerFired(.timerC):
            return false
        }
    }

    /// The number a Request-URI dials: nil when it is no phone number (`sip:alice@domain`, another
    /// domain), else the E.164 number or Numbering's refusal (484 with how to dial).
    func phoneNumber(in uri: URI) -> Result<E164Number, NumberingError>? {
        switch uri {
        case .tel(let tel):
            return Result { () throws(NumberingError) in try E164Number.fromTelURI(tel.number.string) }
        case .sip(let sip):
            guard environment.isLocalDomain(sip), let user = sip.user?.string, let decoded = sip.decodedUser?.string,
                  Self.looksLikeNumber(decoded, uri: sip) else { return nil }
            return Result { () throws(NumberingError) in try E164Number.fromSIPUserPart(user) }
        case .other:
            return nil
        }
    }

    /// `+7…`, `8495…`, `00…` (digits and visual separators), or `;user=phone`: a phone number, not a user name.
    static func looksLikeNumber(_ user: String, uri: SIPURI) -> Bool {
        if uri.userParameter?.equalsIgnoringASCIICase("phone") == true { return true }
        let digits = user.hasPrefix("+") ? user.dropFirst() : Substring(user)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && ($0.isNumber || "-.()".contains($0)) }
    }

    // MARK: Events

    public mutating func handle(_ event: B2BUAEvent<Peer>, at now: Instant) -> [Action] {
        switch event {
        case .outgoing(let request, let peer, let transaction, let account):
            return outgoing(request, from: peer, transaction: transaction, account: account, now: now)
        case .billing(let answer):
            return step(answer.key) { call, env in call.billing(answer, &env, now: now) }
                ?? stepMessage(answer.key) { relay, env in relay.billing(answer, &env) } ?? []
        case .transactionUser(let event):
            return transactionUser(event, now: now)
        }
    }

    private mutating func outgoing(_ request: SIPMessage, from peer: Peer, transaction: TransactionID, account: String,
                                   now: Instant) -> [Action] {
        func reply(_ code: Int, _ reason: String, _ headers: [(KnownHeader, String)] = []) -> [Action] {
            [.transactionUser(.respond(request.makeResponse(statusCode: code, reason: reason, toTag: environment.makeToken(),
                                                            headers: headers), transaction: transaction))]
        }
        guard calls.count + messages.count < settings.maximumCalls else {
            return reply(503, "Service Unavailable (too many calls)", [(.retryAfter, "5")])
        }
        guard let text = request.requestURIText, let uri = try? URI(parsing: text, context: .requestURI),
              let number = phoneNumber(in: uri) else { return reply(404, "Not Found (not a phone number)") }
        let e164: E164Number
        switch number {
        case .failure(let error): return reply(484, "Address Incomplete: \(error.reasonPhrase)")
        case .success(let value): e164 = value
        }
        let key = CallKey(nextKey)
        nextKey += 1
        let billingNow = environment.billingTime(at: now)
        let toTag = environment.makeToken()
        switch request.method {
        case .invite:
            let candidates = Trunk.candidates(for: e164.digits, among: environment.trunks)
            guard !candidates.isEmpty else { return reply(503, "Service Unavailable (no trunk serves \(e164))") }
            let dialled = uri.sipURI?.user?.string ?? uri.telURI?.number.string ?? e164.description
            let destination = Destination(dialled: dialled, number: e164, numbering: environment.numbering)
            let (call, actions) = PaidCall<Peer>.start(request, from: peer, transaction: transaction, account: account,
                                                       destination: destination, candidates: candidates, key: key,
                                                       settings: settings, toTag: toTag, now: now, billingTime: billingNow)
            if let call {
                calls[key] = call
                reindex(key)
            }
            return actions
        case .message:
            guard SMSPolicy.serves(e164, numbering: environment.numbering) else { return reply(403, SMSPolicy.refusal) }
            let candidates = Trunk.candidates(for: e164.digits, among: environment.trunks, sms: true)
            guard !candidates.isEmpty else { return reply(503, "Service Unavailable (no SMS gateway serves \(e164))") }
            let (relay, actions) = SMSRelay<Peer>.start(request, transaction: transaction, account: account, digits: e164.digits,
                                                        candidates: candidates, key: key, settings: settings, toTag: toTag,
                                                        now: billingNow)
            messages[key] = relay
            reindex(key)
            return actions
        default:
            return reply(405, "Method Not Allowed", [(.allow, "INVITE, MESSAGE")])
        }
    }

    private mutating func transactionUser(_ event: TransactionUserEvent<Peer>, now: Instant) -> [Action] {
        switch event {
        case .request(let request, _, let transaction, let cancels):
            if request.method == .cancel {
                let key = cancels.flatMap { byServerTransaction[$0] } ?? callerInviteKey(of: request)
                if let key, let actions = step(key, { call, env in call.cancel(request, transaction: transaction, &env, now: now) }) {
                    return actions
                }
                return [.transactionUser(.respond(request.makeResponse(statusCode: 481, reason: "Call/Transaction Does Not Exist",
                                                                       toTag: environment.makeToken()), transaction: transaction))]
            }
            if let key = legKey(of: request),
               let actions = step(key, { call, env in call.request(request, transaction: transaction, &env, now: now) }) {
                return actions
            }
            return [.transactionUser(.respond(request.makeResponse(statusCode: 481, reason: "Call/Transaction Does Not Exist",
                                                                   toTag: environment.makeToken()), transaction: transaction))]
        case .strayAck(let ack, _):
            guard let key = legKey(of: ack) else { return [] }
            return step(key) { call, _ in call.ack(ack) } ?? []
        case .response(let response, let transaction):
            guard let key = byClientTransaction[transaction] else { return [] }
            return step(key) { call, env in call.response(response, transaction: transaction, &env, now: now) }
                ?? stepMessage(key) { relay, env in relay.response(response, transaction: transaction, &env) } ?? []
        case .strayResponse(let response, _):
            guard let callID = response.firstValue(.callID)?.string, let key = byTrunkCallID[callID] else { return [] }
            return step(key) { call, env in call.strayResponse(response, &env) } ?? []
        case .timedOut(let transaction):
            return failed(transaction, code: 408, now: now)
        case .transportFailed(let transaction):
            return failed(transaction, code: 503, now: now)
        case .timerFired(.call(let id, let purpose)):
            guard let timer = CallTimer(rawValue: purpose) else { return [] }
            return step(CallKey(id)) { call, env in call.timer(timer, &env, now: now) } ?? []
        case .timerFired(.timerC):
            return []
        }
    }

    private mutating func failed(_ transaction: TransactionID, code: Int, now: Instant) -> [Action] {
        if let key = byClientTransaction[transaction] {
            return step(key) { call, env in call.clientFailed(transaction, code: code, &env, now: now) }
                ?? stepMessage(key) { relay, env in relay.clientFailed(transaction, code: code, &env) } ?? []
        }
        if let key = byServerTransaction[transaction] {
            return step(key) { call, env in call.serverFailed(transaction, &env, now: now) } ?? []
        }
        return []
    }

    private func legKey(of request: SIPMessage) -> CallKey? {
        guard let callID = request.firstValue(.callID)?.string, let tag = (try? request.to())?.tag?.string else { return nil }
        return byLeg[LegKey(callID: callID, tag: tag)]
    }

    private func callerInviteKey(of request: SIPMessage) -> CallKey? {
        guard let callID = request.firstValue(.callID)?.string, let tag = (try? request.from())?.tag?.string else { return nil }
        return byCallerInvite[LegKey(callID: callID, tag: tag)]
    }

    // MARK: The table

    /// Runs `body` on call `key` (nil when there is no such call), then re-indexes or forgets it.
    private mutating func step(_ key: CallKey, _ body: (inout PaidCall<Peer>, inout Environment) -> [Action]) -> [Action]? {
        guard var call = calls.removeValue(forKey: key) else { return nil }
        let actions = body(&call, &environment)
        calls[key] = call
        reindex(key)
        return actions
    }

    private mutating func stepMessage(_ key: CallKey, _ body: (inout SMSRelay<Peer>, inout Environment) -> [Action]) -> [Action]? {
        guard var relay = messages.removeValue(forKey: key) else { return nil }
        let actions = body(&relay, &environment)
        messages[key] = relay
        reindex(key)
        return actions
    }

    private mutating func reindex(_ key: CallKey) {
        var index = Index()
        if let call = calls[key] {
            if call.isFinished {
                calls[key] = nil
            } else {
                index.server = call.serverTransactions
                index.client = call.clientTransactions
                index.legs = [LegKey(callID: call.callerCallID, tag: call.callerToTag)]
                    + call.trunkCallIDs.map { LegKey(callID: $0, tag: call.trunkFromTag) }
                index.trunkCallIDs = call.trunkCallIDs
                index.callerInvite = LegKey(callID: call.callerCallID, tag: call.callerFromTag)
            }
        } else if let relay = messages[key] {
            if relay.isFinished {
                messages[key] = nil
            } else {
                index.server = [relay.transaction]
                index.client = relay.clientTransactions
            }
        }
        let old = indexes[key] ?? Index()
        guard old != index else { return }
        for id in old.server where byServerTransaction[id] == key { byServerTransaction[id] = nil }
        for id in old.client where byClientTransaction[id] == key { byClientTransaction[id] = nil }
        for leg in old.legs where byLeg[leg] == key { byLeg[leg] = nil }
        for callID in old.trunkCallIDs where byTrunkCallID[callID] == key { byTrunkCallID[callID] = nil }
        if let invite = old.callerInvite, byCallerInvite[invite] == key { byCallerInvite[invite] = nil }
        for id in index.server { byServerTransaction[id] = key }
        for id in index.client { byClientTransaction[id] = key }
        for leg in index.legs { byLeg[leg] = key }
        for callID in index.trunkCallIDs { byTrunkCallID[callID] = key }
        if let invite = index.callerInvite { byCallerInvite[invite] = key }
        indexes[key] = index == Index() ? nil : index
    }

    /// The sizes of the lookup tables (all zero when no call or SMS is in progress): for leak checks.
    public var indexSizes: [Int] {
        [indexes.count, byServerTransaction.count, byClientTransaction.count, byLeg.count, byTrunkCallID.count,
         byCallerInvite.count]
    }
}
