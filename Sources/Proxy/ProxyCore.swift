import Registrar
import SIPCore
import SIPTransaction

/// The stateful proxy of RFC 3261 §16 for the local domain, as a transaction user: pure, one per
/// worker, fed the transaction layer's events with the time and answering with actions.
///
/// A new request goes through the routing steps (`route`, §16.3–§16.5): loop detection (482),
/// loose-route pre-processing (§16.4: our own Route entries removed, the strict-router case
/// undone), then
/// - a request still carrying a Route, or an in-dialog request (To tag), follows its route set
///   (§16.12), but only when it came through one of our Record-Route entries: never an open relay;
/// - an out-of-dialog request must be for `sip:user@<domain>` (403 otherwise; phone numbers are
///   refused with a reason until calls to phones exist); its sender must authenticate (407) as its
///   From user (403 otherwise); an unknown user gets 404, one without registered devices 480;
///   otherwise it forks in parallel to every binding (§16.5, §16.6), each branch with the request
///   sent to the address the device registered from.
///
/// Each branch gets a Via whose branch starts with the loop hash, Max-Forwards one less, and for
/// dialog-creating requests a Record-Route (`lr`; two when the request leaves by another
/// transport or interface than it came). INVITE is answered 100 at once and each INVITE branch runs
/// Timer C (§16.6 step 11). Responses are handled by the response context (§16.7,
/// `ResponseContext`); a CANCEL from the caller is answered 200 and cancels every pending branch
/// (§16.10); the ACK of a 2xx and stray 2xx retransmissions are forwarded statelessly (§16.11,
/// RFC 6026 §7.2).
public struct ProxyCore<Environment: ProxyEnvironment>: TransactionUser {
    public typealias Peer = Environment.Peer
    public typealias Action = TransactionUserAction<Peer>

    public var environment: Environment
    public var policy: ProxyPolicy
    /// Response contexts by server transaction.
    private var contexts: [TransactionID: ResponseContext] = [:]
    /// Client transaction (branch) → the server transaction it serves.
    private var owners: [TransactionID: TransactionID] = [:]

    public init(environment: Environment, policy: ProxyPolicy = ProxyPolicy()) {
        self.environment = environment
        self.policy = policy
    }

    /// Requests being proxied (their response contexts).
    public var activeRequestCount: Int { contexts.count }
    /// Branches alive across them.
    public var activeBranchCount: Int { owners.count }

    public mutating func handle(_ event: TransactionUserEvent<Peer>, at now: Instant) -> [Action] {
        switch event {
        case .request(let request, let peer, let transaction, let cancels):
            if request.method == .cancel { return cancel(request, transaction: transaction, cancels: cancels) }
            return proxy(request, from: peer, transaction: transaction)
        case .response(let response, let transaction):
            return relay(response, branch: transaction)
        case .strayAck(let ack, let peer):
            return forwardAck(ack, from: peer)
        case .strayResponse(let response, _):
            return forwardStray(response)
        case .timedOut(let transaction):
            return branchFailed(transaction, statusCode: 408, reason: "Request Timeout")
        case .transportFailed(let transaction):
            return branchFailed(transaction, statusCode: 503, reason: "Service Unavailable")
        case .timerFired(.timerC(let branch)):
            return timerC(branch)
        case .timerFired(.call):
            // Call timers belong to the B2BUA; the proxy arms none.
            return []
        }
    }

    // MARK: Requests

    private mutating func proxy(_ request: SIPMessage, from peer: Peer, transaction: TransactionID) -> [Action] {
        let hash = LoopHash.of(request)
        let (decision, working) = route(request, from: peer, loopHash: hash)
        switch decision {
        case .reject(let code, let reason, let headers):
            return [.respond(request.makeResponse(statusCode: code, reason: reason, toTag: environment.makeToken(),
                                                  headers: headers), transaction: transaction)]
        case .respond(let response, let note):
            // A challenge or a ban needs no transaction state (§8.2.7; what Kamailio's sl does):
            // a retransmission is challenged afresh.
            return (note.map { [Action.note($0)] } ?? []) + [.respondStatelessly(response, transaction: transaction)]
        case .forward(let targets, let recordRoute):
            return fork(working, original: request, loopHash: hash, from: peer, transaction: transaction, targets: targets,
                        recordRoute: recordRoute)
        }
    }

    /// §16.3 step 4, §16.4, §16.5: where `request` goes, and the request with our Route entries removed.
    mutating func route(_ request: SIPMessage, from peer: Peer, loopHash: String) -> (RouteDecision<Peer>, SIPMessage) {
        var working = request
        if LoopHash.isLoop(request, hash: loopHash, isOwnVia: environment.isOwnVia) {
            return (.reject(statusCode: 482, reason: "Loop Detected"), working)
        }
        guard var routes = try? request.routes(), let uriText = request.requestURIText,
              var uri = try? URI(parsing: uriText, context: .requestURI) else {
            return (.reject(statusCode: 400, reason: "Bad Route or Request-URI"), working)
        }
        var cameThroughUs = false
        // §16.4: a strict router before us put our Record-Route in the Request-URI.
        if let sip = uri.sipURI, environment.isOwnURI(sip), sip.user == nil, let last = routes.last {
            uri = last.uri
            working.setRequestURI(last.uri)
            routes.removeLast()
            working.replaceRoutes(with: routes)
            cameThroughUs = true
        }
        while let top = routes.first, let sip = top.uri.sipURI, environment.isOwnURI(sip) {
            routes.removeFirst()
            working.removeFirstValue(.route)
            cameThroughUs = true
        }
        let inDialog = (try? request.to())?.tag != nil

        if let next = routes.first {
            guard inDialog, cameThroughUs else {
                return (.reject(statusCode: 403, reason: "Not relaying: the Route does not lead through this proxy"), working)
            }
            guard let sip = next.uri.sipURI, let hop = environment.peer(for: sip, arrivedOn: peer) else {
                return (.reject(statusCode: 404, reason: "Next hop \(next.uri) cannot be reached"), working)
            }
            return (.forward([ForwardTarget(requestURI: nil, peer: hop)], recordRoute: false), working)
        }

        if inDialog {
            guard cameThroughUs else {
                return (.reject(statusCode: 403, reason: "Not relaying: in-dialog request not routed through this proxy"), working)
            }
            guard let sip = uri.sipURI else {
                return (.reject(statusCode: 416, reason: "Remote target must be a sip: URI"), working)
            }
            if let device = environment.binding(forContact: sip) {
                return (.forward([ForwardTarget(requestURI: nil, peer: device.peer, isRegisteredDevice: true)], recordRoute: false),
                        working)
            }
            guard let hop = environment.peer(for: sip, arrivedOn: peer) else {
                return (.reject(statusCode: 480, reason: "Temporarily Unavailable (the other party's device cannot be reached)"), working)
            }
            return (.forward([ForwardTarget(requestURI: nil, peer: hop)], recordRoute: false), working)
        }
        return (routeToLocalUser(request, uri: uri, from: peer), working)
    }

    /// An out-of-dialog request: the local domain only, an authenticated caller, the callee's devices.
    private mutating func routeToLocalUser(_ request: SIPMessage, uri: URI, from peer: Peer) -> RouteDecision<Peer> {
        guard let sip = uri.sipURI else {
            return .reject(statusCode: 403, reason: "Calls to phone numbers are not available yet on this server")
        }
        guard isLocalDomain(sip) else {
            return .reject(statusCode: 403, reason: "Not relaying for \(sip.host): this server serves \(environment.domain) only")
        }
        guard let user = sip.decodedUser?.string, !user.isEmpty else {
            return .reject(statusCode: 404, reason: "No user in the Request-URI")
        }
        if Self.isPhoneNumber(user, uri: sip) {
            return .reject(statusCode: 403, reason: "Calls to phone numbers are not available yet on this server")
        }
        if !environment.isTrustedSource(peer) {
            switch environment.authenticate(request, from: peer) {
            case .refused(let response, let note):
                return .respond(response, note: note)
            case .authenticated(let username):
                guard let from = (try? request.from())?.uri.sipURI, from.decodedUser?.string == username, isLocalDomain(from) else {
                    return .reject(statusCode: 403, reason: "Authenticated as \(username): From must be sip:\(username)@\(environment.domain)")
                }
            }
        }
        guard let account = environment.account(username: user), account.enabled else {
            return .reject(statusCode: 404, reason: "Not Found")
        }
        let bindings = environment.bindings(for: account.username).prefix(policy.maxBranches)
        guard !bindings.isEmpty else {
            return .reject(statusCode: 480, reason: "Temporarily Unavailable (\(user) is not online)")
        }
        let createsDialog = [SIPMethod.invite, .subscribe, .refer].contains(request.method)
        return .forward(bindings.map { ForwardTarget(requestURI: $0.contact, peer: $0.peer, isRegisteredDevice: true) },
                        recordRoute: createsDialog)
    }

    private func isLocalDomain(_ uri: SIPURI) -> Bool {
        uri.host.equalsIgnoringASCIICase(ByteString(environment.domain)) || environment.isOwnURI(uri)
    }

    /// `+7…`, all digits, or `;user=phone`: the B2BUA's address space, not a user name.
    static func isPhoneNumber(_ user: String, uri: SIPURI) -> Bool {
        if uri.userParameter?.equalsIgnoringASCIICase("phone") == true { return true }
        let digits = user.hasPrefix("+") ? user.dropFirst() : Substring(user)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-" || $0 == ".") }
    }

    /// §16.6: one copy of the request per target, each in a client transaction of its own.
    private mutating func fork(_ request: SIPMessage, original: SIPMessage, loopHash hash: String, from peer: Peer,
                               transaction: TransactionID, targets: [ForwardTarget<Peer>], recordRoute: Bool) -> [Action] {
        var context = ResponseContext(serverTransaction: transaction, request: original)
        var actions: [Action] = []
        if context.isInvite {
            actions.append(.respond(original.makeResponse(statusCode: 100, reason: "Trying"), transaction: transaction))
        }
        let unique = environment.makeToken()
        let maxForwards = (try? original.maxForwards()).flatMap { $0 }.map { $0 - 1 } ?? policy.defaultMaxForwards
        for (index, target) in targets.enumerated() {
            var out = request
            if let text = target.requestURI, let uri = try? URI(parsing: text) { out.setRequestURI(uri) }
            out.setMaxForwards(maxForwards)
            if recordRoute {
                let calleeSide = environment.recordRouteURI(facing: target.peer)
                let callerSide = environment.recordRouteURI(facing: peer)
                if callerSide != calleeSide { out.addHeader(.recordRoute, "<\(callerSide)>", at: .first) }
                out.addHeader(.recordRoute, "<\(calleeSide)>", at: .first)
            }
            // Transport and sent-by are placeholders: the server writes the leaving socket's (§18.1.1).
            out.addHeader(.via, "SIP/2.0/UDP 0.0.0.0;branch=\(LoopHash.branch(hash: hash, unique: "\(unique)\(index)"));rport",
                          at: .first)
            guard let id = TransactionID(clientRequest: out) else { continue }
            context.branches.append(.init(id: id))
            owners[id] = transaction
            if context.isInvite { actions.append(.startTimer(.timerC(id), after: policy.timerC)) }
            actions.append(target.isRegisteredDevice ? .sendRequestKeepingTransport(out, to: target.peer) : .sendRequest(out, to: target.peer))
        }
        contexts[transaction] = context
        return actions
    }

    /// §16.10: a CANCEL of a request being proxied is answered 200 and cancels its pending branches.
    private mutating func cancel(_ request: SIPMessage, transaction: TransactionID, cancels: TransactionID?) -> [Action] {
        guard let cancels else {
            return [.respond(request.makeResponse(statusCode: 481, reason: "Call/Transaction Does Not Exist",
                                                  toTag: environment.makeToken()), transaction: transaction)]
        }
        var actions: [Action] = [.respond(request.makeResponse(statusCode: 200, reason: "OK", toTag: environment.makeToken()),
                                          transaction: transaction)]
        guard var context = contexts[cancels] else { return actions }
        context.cancelled = true
        actions += cancelPendingBranches(&context)
        contexts[cancels] = context
        return actions
    }

    // MARK: Responses

    private mutating func relay(_ response: SIPMessage, branch: TransactionID) -> [Action] {
        guard let code = response.statusCode else { return [] }
        guard let owner = owners[branch], var context = contexts[owner], let index = context.branchIndex(branch) else {
            // The context is gone: 2xx retransmissions of an INVITE still go upstream (RFC 6026 §7.2).
            return branch.method == .invite && (200..<300).contains(code) ? forwardStray(response) : []
        }
        var upstream = response
        upstream.removeFirstValue(.via)
        var actions: [Action] = []
        if code < 200 {
            if context.branches[index].state == .trying { context.branches[index].state = .proceeding }
            if context.branches[index].cancelPending && !context.branches[index].cancelSent {
                context.branches[index].cancelPending = false
                context.branches[index].cancelSent = true
                actions.append(.cancelClientTransaction(branch))
            }
            if code > 100 {
                if context.isInvite && context.branches[index].state == .proceeding {
                    actions.append(.startTimer(.timerC(branch), after: policy.timerC))
                }
                if !context.finalSent { actions.append(.respond(upstream, transaction: owner)) }
            }
            contexts[owner] = context
            return actions
        }
        let wasCompleted = context.branches[index].state == .completed
        context.branches[index].state = .completed
        context.branches[index].cancelPending = false
        if context.isInvite { actions.append(.cancelTimer(.timerC(branch))) }
        if code < 300 {
            // §16.7 step 5: every 2xx goes upstream at once; an INVITE's other branches are cancelled.
            actions.append(.respond(upstream, transaction: owner))
            context.finalSent = true
            if context.isInvite { actions += cancelPendingBranches(&context) }
        } else if !wasCompleted {
            context.consider(upstream)
            if code >= 600 && context.isInvite { actions += cancelPendingBranches(&context) }
        }
        return actions + finishIfDone(context)
    }

    /// A branch that timed out or could not be sent counts as 408 or 503 (§16.7 step 2, §16.9).
    private mutating func branchFailed(_ branch: TransactionID, statusCode: Int, reason: String) -> [Action] {
        guard let owner = owners[branch], var context = contexts[owner], let index = context.branchIndex(branch),
              context.branches[index].state != .completed else { return [] }
        context.branches[index].state = .completed
        var actions: [Action] = context.isInvite ? [.cancelTimer(.timerC(branch))] : []
        context.consider(context.request.makeResponse(statusCode: statusCode, reason: reason, toTag: environment.makeToken()))
        actions += finishIfDone(context)
        return actions
    }

    /// §16.6 step 11: Timer C fired on an INVITE branch.
    private mutating func timerC(_ branch: TransactionID) -> [Action] {
        guard let owner = owners[branch], var context = contexts[owner], let index = context.branchIndex(branch) else { return [] }
        switch context.branches[index].state {
        case .completed:
            return []
        case .proceeding:
            // Cancel it; its 487 (or the CANCEL grace of §9.1) completes the branch.
            guard !context.branches[index].cancelSent else { return [] }
            context.branches[index].cancelSent = true
            contexts[owner] = context
            return [.cancelClientTransaction(branch)]
        case .trying:
            // Nothing heard: as a 408; should it wake up later, it is cancelled then.
            context.branches[index].state = .completed
            context.branches[index].cancelPending = true
            context.consider(context.request.makeResponse(statusCode: 408, reason: "Request Timeout", toTag: environment.makeToken()))
            return finishIfDone(context)
        }
    }

    /// Marks every pending branch for cancelling: at once when proceeding, on its first
    /// provisional response otherwise (§9.1).
    private func cancelPendingBranches(_ context: inout ResponseContext) -> [Action] {
        var actions: [Action] = []
        for index in context.branches.indices
        where context.branches[index].state != .completed && !context.branches[index].cancelSent {
            if context.branches[index].state == .proceeding {
                actions.append(.cancelClientTransaction(context.branches[index].id))
                context.branches[index].cancelSent = true
            } else {
                context.branches[index].cancelPending = true
            }
        }
        return actions
    }

    /// Stores `context`, or when every branch has completed sends the best final response (if no
    /// final response went yet) and forgets it.
    private mutating func finishIfDone(_ context: ResponseContext) -> [Action] {
        guard context.allBranchesCompleted else {
            contexts[context.serverTransaction] = context
            return []
        }
        contexts[context.serverTransaction] = nil
        for branch in context.branches { owners[branch.id] = nil }
        guard !context.finalSent else { return [] }
        let response = context.chosenResponse {
            context.request.makeResponse(statusCode: 408, reason: "Request Timeout", toTag: environment.makeToken())
        }
        return [.respond(response, transaction: context.serverTransaction)]
    }

    // MARK: Stateless forwarding

    /// A 2xx to an INVITE that matched no client transaction: forwarded upstream by its Via when
    /// the top Via is ours (RFC 6026 §7.2, §16.7 step 10); anything else is dropped (§16.7 step 3).
    private func forwardStray(_ response: SIPMessage) -> [Action] {
        guard let code = response.statusCode, (200..<300).contains(code), (try? response.cseq())?.method == .invite,
              let top = try? response.topVia(), environment.isOwnVia(top) else { return [] }
        var upstream = response
        upstream.removeFirstValue(.via)
        guard let peer = environment.responsePeer(for: upstream) else { return [] }
        return [.sendStateless(upstream, to: peer)]
    }

    /// The ACK of a 2xx (§13.2.2.4): an end-to-end request that follows the route set like any
    /// in-dialog request, forwarded without a transaction (§16.11 for ACK). Its Via branch is
    /// derived from the ACK so that retransmissions carry the same one.
    private mutating func forwardAck(_ ack: SIPMessage, from peer: Peer) -> [Action] {
        let hash = LoopHash.of(ack)
        let (decision, working) = route(ack, from: peer, loopHash: hash)
        guard case .forward(let targets, _) = decision, let target = targets.first else { return [] }
        var out = working
        out.setMaxForwards((try? ack.maxForwards()).flatMap { $0 }.map { $0 - 1 } ?? policy.defaultMaxForwards)
        out.addHeader(.via, "SIP/2.0/UDP 0.0.0.0;branch=\(LoopHash.branch(hash: hash, unique: "ack"));rport", at: .first)
        return [.sendStateless(out, to: target.peer)]
    }
}

extension SIPMessage {
    /// Replaces every Route header field by one field per entry of `routes`, in order.
    mutating func replaceRoutes(with routes: [NameAddress]) {
        removeHeaders(.route)
        for route in routes { addHeader(.route, route.description) }
    }
}
