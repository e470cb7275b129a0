import B2BUA
import Proxy
import Registrar
import SIPCore
import SIPTransaction
import SIPTransport

/// The transaction user of one worker (RFC 3261 §17's TU): sends each request to the part of
/// the server that serves it — REGISTER to the registrar (§10.3); a call or SMS to a phone number
/// and everything in the dialogs of one to the B2BUA (paid calls, `B2BUACore.route`), after
/// authenticating the caller (407); a number that is a local user's alias, and a trunk's call to
/// one, to the proxy as a call to that user; a request addressed to the server itself (no user
/// part, outside a dialog, no Route) to the built-in responder as a UAS (OPTIONS → 200 §11, other
/// methods 405 or 501 §8.2.1); everything else, CANCEL included, to the stateful proxy (§16).
/// Responses, timeouts and timers go to whichever of the B2BUA and the proxy owns the transaction.
struct ZvonokTransactionUser: TransactionUser, ServiceAnswerTaking {
    typealias Peer = SIPPeer

    var builtIn: BuiltInResponder<SIPPeer>
    var proxy: ProxyCore<ServerProxyEnvironment>
    let registrar: RegistrarService
    let tokens: RandomTokens
    /// The B2BUA of paid calls and SMS; nil on a server without billing (tests of the proxy alone).
    let calls: CallsBox?
    /// The configured trunks (for the registrations worker 0 keeps with them).
    let trunkDirectory: TrunkDirectory?

    init(registrar: RegistrarService, addresses: ServerAddresses, proxyPolicy: ProxyPolicy, calls: CallsSetup? = nil) {
        let tokens = RandomTokens()
        self.tokens = tokens
        self.registrar = registrar
        self.trunkDirectory = calls?.trunks
        if let calls {
            let environment = ServerB2BUAEnvironment(
                registrar: registrar, addresses: addresses, trunkDirectory: calls.trunks, tokens: tokens,
                numbering: calls.numbering, workerIndex: calls.workerIndex, workerCount: calls.workerCount,
                wallClockOffsetNanoseconds: calls.wallClockOffsetNanoseconds)
            self.calls = CallsBox(core: B2BUACore(environment: environment, settings: calls.settings),
                                  billing: calls.billing, workerIndex: calls.workerIndex)
        } else {
            self.calls = nil
        }
        var builtIn = BuiltInResponder<SIPPeer>(makeTag: { tokens.token() })
        // What the server itself answers as a UAS; calls and messages are for users (the proxy).
        builtIn.allowedMethods = [.options, .register, .ack, .cancel]
        self.builtIn = builtIn
        proxy = ProxyCore(environment: ServerProxyEnvironment(registrar: registrar, addresses: addresses, tokens: tokens,
                                                              trunks: calls?.trunks),
                          policy: proxyPolicy)
    }

    mutating func handle(_ event: TransactionUserEvent<SIPPeer>, at now: Instant) -> [TransactionUserAction<SIPPeer>] {
        guard case .request(let request, let peer, let transaction, _) = event else {
            if let calls, let actions = calls.handleRegistrationEvent(event, at: now) { return actions }
            if let calls, calls.isBusy || Self.isTimerOfACall(event), calls.core.claims(event) {
                return perform(calls.core.handle(.transactionUser(event), at: now), calls)
            }
            return proxy.handle(event, at: now)
        }
        // Only a new INVITE or MESSAGE can start a B2BUA call or SMS; anything else is the B2BUA's
        // only while it has some (the proxy's hot path pays nothing otherwise).
        if let calls, request.method == .invite || request.method == .message || calls.isBusy {
            switch calls.core.route(request, from: peer) {
            case .notB2BUA:
                break
            case .claimed:
                return perform(calls.core.handle(.transactionUser(event), at: now), calls)
            case .outgoing:
                return outgoing(request, from: peer, transaction: transaction, calls: calls, at: now)
            case .toLocalUser(let username, _):
                var local = request
                local.setRequestURI(.sip(SIPURI(user: username, host: registrar.domain)))
                return proxy.handle(.request(local, from: peer, transaction: transaction, cancels: nil), at: now)
            case .refuse(let statusCode, let reason):
                return [.respond(request.makeResponse(statusCode: statusCode, reason: reason, toTag: tokens.token()),
                                 transaction: transaction)]
            }
        }
        switch request.method {
        case .register:
            return [.respondStatelessly(register(request, from: peer), transaction: transaction)]
        case .cancel:
            return proxy.handle(event, at: now)
        case _ where Self.isAddressedToServer(request):
            return builtIn.handle(event, at: now)
        default:
            return proxy.handle(event, at: now)
        }
    }

    /// The registrar answers REGISTER as a stateless UAS (§8.2.7), as Kamailio's does: the worker
    /// opens no transaction for it. A retransmitted REGISTER is answered afresh, with the same To
    /// tag; one that was accepted is recognised by its fingerprint and gets its 200 again
    /// (`RegistrarCore.register`), though its nonce count is spent.
    mutating func answerStatelessly(_ request: SIPMessage, from peer: SIPPeer, at now: Instant) -> SIPMessage? {
        request.method == .register ? register(request, from: peer) : nil
    }

    private func register(_ request: SIPMessage, from peer: SIPPeer) -> SIPMessage {
        registrar.register(request, from: peer, nonceRandom: tokens.nextUInt64())
    }

    /// A TU timer of the B2BUA (`TransactionUserTimer.call`), which must reach it even when idle.
    static func isTimerOfACall(_ event: TransactionUserEvent<SIPPeer>) -> Bool {
        if case .timerFired(.call) = event { return true }
        return false
    }

    /// Billing's answer to a request the B2BUA made, back on this worker.
    func handle(serviceAnswer: any Sendable, at now: Instant) -> [TransactionUserAction<SIPPeer>] {
        guard let calls else { return [] }
        if let settings = serviceAnswer as? B2BUASettings {
            calls.core.settings = settings
            return []
        }
        if serviceAnswer is SynchronizeTrunkRegistrations, let trunks = trunkDirectory {
            return calls.synchronizeRegistrations(with: trunks.registrations, at: now)
        }
        guard let answer = serviceAnswer as? BillingAnswer else { return [] }
        return perform(calls.core.handle(.billing(answer), at: now), calls)
    }

    /// A call or SMS to a phone number: the caller authenticates as for any call (407, §22.3), and
    /// must call as the user it authenticated as (403), before billing is asked anything.
    private mutating func outgoing(_ request: SIPMessage, from peer: SIPPeer, transaction: TransactionID, calls: CallsBox,
                                   at now: Instant) -> [TransactionUserAction<SIPPeer>] {
        switch registrar.authenticate(request, from: peer, toTag: tokens.token(), nonceRandom: tokens.nextUInt64()) {
        case .refused(let response, let note):
            return (note.map { [.note($0)] } ?? []) + [.respondStatelessly(response, transaction: transaction)]
        case .authenticated(let username):
            guard let from = (try? request.from())?.uri.sipURI, from.decodedUser?.string == username,
                  from.host.equalsIgnoringASCIICase(ByteString(registrar.domain)) else {
                let reason = "Authenticated as \(username): From must be sip:\(username)@\(registrar.domain)"
                return [.respond(request.makeResponse(statusCode: 403, reason: reason, toTag: tokens.token()), transaction: transaction)]
            }
            return perform(calls.core.handle(.outgoing(request, from: peer, transaction: transaction, account: username), at: now), calls)
        }
    }

    /// The B2BUA's actions: transaction-layer ones for the worker, billing ones to the billing edge.
    private func perform(_ actions: [B2BUAAction<SIPPeer>], _ calls: CallsBox) -> [TransactionUserAction<SIPPeer>] {
        var out: [TransactionUserAction<SIPPeer>] = []
        out.reserveCapacity(actions.count)
        for action in actions {
            switch action {
            case .transactionUser(let action): out.append(action)
            case .billing(let request): calls.billing.submit(request, fromWorker: calls.workerIndex)
            }
        }
        return out
    }

    /// A request for the server itself: no user part in the Request-URI, no To tag, no Route.
    static func isAddressedToServer(_ request: SIPMessage) -> Bool {
        guard let text = request.requestURIText, let uri = try? URI(parsing: text, context: .requestURI),
              let sip = uri.sipURI else { return false }
        return sip.user == nil && (try? request.to())?.tag == nil && !request.contains(.route)
    }
}
