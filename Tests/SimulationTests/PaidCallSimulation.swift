import B2BUA
import Billing
import Numbering
import SIPCore
import SIPTransaction
import Testing
import ZvonokTesting

// The paid-call simulation (ARCHITECTURE "Tests, in layers" 3, issue 7): callers of a few
// accounts place many concurrent calls to phone numbers through one B2BUA core and its
// transaction table to one trunk, over lossy links; a billing answerer built on Billing's real
// `CreditControl` and `AccountBook` answers authorize/renew and applies every settle. At the end:
// no overspend, every reservation settled exactly once, no call, index entry or transaction left.

enum PaidNode: Hashable, Sendable {
    case caller(Int)
    case server
    case trunk
}

enum PaidTimer: Hashable, Sendable {
    case transaction(PaidNode, TransactionID, TransactionTimer)
    case user(TransactionUserTimer)
    case billing(Int)
    case start(Int)
    case hangUp(Int)
    case cancel(Int)
    case trunkRing(Int)
    case trunkAnswer(Int)
    case trunkRetransmit(Int)
}

struct SimulatedB2BUAEnvironment: B2BUAEnvironment {
    typealias Peer = PaidNode
    var domain = "zvonok.example"
    var numbering = try! NumberingPlan.bundled()
    var trunks = [Trunk(name: "sim", host: "203.0.113.1", username: "z", password: "p", fromDomain: "provider.example",
                        prefixes: ["7"], acceptedSources: ["203.0.113.1"])]
    var tokens = 0
    func isLocalDomain(_ uri: SIPURI) -> Bool { uri.host == "zvonok.example" }
    func localUser(forNumber digits: String) -> String? { nil }
    func numberAlias(ofAccount account: String) -> String? { nil }
    func peer(for trunk: Trunk) -> PaidNode? { .trunk }
    func peer(for uri: SIPURI) -> PaidNode? { .trunk }
    func sourceAddress(of peer: PaidNode) -> String {
        switch peer {
        case .caller(let n): "10.0.\(n / 250).\(n % 250 + 1)"
        case .server: "192.0.2.1"
        case .trunk: "203.0.113.1"
        }
    }
    func contactURI(facing peer: PaidNode) -> String { "sip:192.0.2.1:5060" }
    func billingTime(at instant: Instant) -> BillingTime { BillingTime(unixSeconds: 1_700_000_000 + instant.nanoseconds / 1_000_000_000) }
    mutating func makeToken() -> String {
        tokens += 1
        return "s\(tokens)"
    }
}

struct PaidCallSimulation: Simulation {
    struct CallerCall {
        let account: String
        var invite: SIPMessage?
        var inviteTransaction: TransactionID?
        var final: Int?
        var ok: SIPMessage?
        var ended = false
        var wantsCancel: Bool
        var holdSeconds: Int
    }

    struct TrunkCall {
        let request: SIPMessage
        let transaction: TransactionID
        var plan: Int
        var final: Int?
        var ok: SIPMessage?
        var acked = false
        var interval: Duration = .milliseconds(500)
        var firstOkAt: Instant?
    }

    var environment: SimulatedEnvironment<PaidNode, PaidTimer>
    var core = B2BUACore(environment: SimulatedB2BUAEnvironment(),
                         settings: B2BUASettings(keepaliveInterval: .seconds(30)))
    var serverTable = TransactionTable<PaidNode>(timers: .rfc3261, capacity: 100_000)
    var callerTable = TransactionTable<PaidNode>(timers: .rfc3261, capacity: 100_000)
    var trunkTable = TransactionTable<PaidNode>(timers: .rfc3261, capacity: 100_000)
    var random: SeededRandom
    var calls: [CallerCall] = []
    var callByInvite: [TransactionID: Int] = [:]
    var callByCallID: [String: Int] = [:]
    var trunkCalls: [TrunkCall] = []
    var trunkByTransaction: [TransactionID: Int] = [:]
    var trunkByCallID: [String: Int] = [:]
    var pendingBilling: [BillingRequest] = []
    var books: [String: AccountBook] = [:]
    let control = CreditControl(settings: CreditControlSettings(sliceSeconds: 60, maximumConcurrentCalls: 16))
    let plan = try! TariffPlan(name: "sim", rates: [
        Rate(prefix: "7", description: "Russia", pricePerMinuteMinor: 100, increment: BillingIncrement(firstSeconds: 1, nextSeconds: 1)),
    ])
    var opened: Set<ReservationID> = []
    var settleCounts: [ReservationID: Int] = [:]
    var violations: [String] = []
    let initialBalances: [String: Int64] = ["acc0": 20_000, "acc1": 3_000, "acc2": 150]

    init(seed: UInt64, calls count: Int) {
        random = SeededRandom(seed: seed, stream: 7)
        environment = SimulatedEnvironment(network: SimulatedNetwork(
            random: SeededRandom(seed: seed, stream: 8),
            defaultConditions: LinkConditions(latency: .milliseconds(5), jitter: .milliseconds(40), lossProbability: 0.1,
                                              duplicationProbability: 0.03)))
        for (account, balance) in initialBalances {
            var book = AccountBook(account: AccountID(account))
            try! book.apply(book.topUp(externalPaymentID: "init", amountMinor: balance, at: BillingTime(unixSeconds: 1)).entries)
            books[account] = book
        }
        for index in 0..<count {
            calls.append(CallerCall(account: "acc\(index % 3)", wantsCancel: random.chance(0.15),
                                    holdSeconds: random.uniform(in: 5...120)))
            environment.schedule(.start(index), after: random.duration(in: .zero...(.seconds(300))))
        }
    }

    mutating func handle(_ event: SimulatedEnvironment<PaidNode, PaidTimer>.Event) {
        let now = environment.now
        switch event {
        case .datagram(let datagram):
            guard let message = try? datagram.message() else {
                violations.append("unparsable datagram")
                return
            }
            switch datagram.to {
            case .server:
                apply(message.isRequest ? serverTable.receiveRequest(message, from: datagram.from, reliableTransport: false, at: now)
                      : serverTable.receiveResponse(message, from: datagram.from, at: now), at: .server)
            case .caller:
                apply(message.isRequest ? callerTable.receiveRequest(message, from: datagram.from, reliableTransport: false, at: now)
                      : callerTable.receiveResponse(message, from: datagram.from, at: now), at: datagram.to)
            case .trunk:
                apply(message.isRequest ? trunkTable.receiveRequest(message, from: datagram.from, reliableTransport: false, at: now)
                      : trunkTable.receiveResponse(message, from: datagram.from, at: now), at: .trunk)
            }
        case .timer(.transaction(let node, let id, let timer)):
            let outputs: [TransactionTableOutput<PaidNode>]
            switch node {
            case .server: outputs = serverTable.timerFired(timer, transaction: id, at: now)
            case .caller: outputs = callerTable.timerFired(timer, transaction: id, at: now)
            case .trunk: outputs = trunkTable.timerFired(timer, transaction: id, at: now)
            }
            apply(outputs, at: node)
        case .timer(.user(let timer)):
            perform(core.handle(.transactionUser(.timerFired(timer)), at: now))
        case .timer(.billing(let index)):
            answerBilling(pendingBilling[index])
        case .timer(.start(let index)): startCall(index)
        case .timer(.hangUp(let index)): hangUp(index)
        case .timer(.cancel(let index)): cancel(index)
        case .timer(.trunkRing(let index)):
            guard trunkCalls[index].final == nil else { return }
            trunkRespond(index, trunkCalls[index].request.makeResponse(statusCode: 180, reason: "Ringing", toTag: "t\(index)"))
        case .timer(.trunkAnswer(let index)): trunkAnswer(index)
        case .timer(.trunkRetransmit(let index)):
            var call = trunkCalls[index]
            guard !call.acked, let ok = call.ok, let first = call.firstOkAt, now - first < .seconds(32) else { return }
            call.interval = min(call.interval * 2, .seconds(4))
            trunkCalls[index] = call
            apply(trunkTable.respond(ok, transaction: call.transaction, at: now), at: .trunk)
            environment.schedule(.trunkRetransmit(index), after: call.interval)
        }
    }

    mutating func send(_ request: SIPMessage, from node: PaidNode, to peer: PaidNode) {
        let now = environment.now
        switch node {
        case .server: apply(serverTable.sendRequest(request, to: peer, reliableTransport: false, at: now).1, at: node)
        case .caller: apply(callerTable.sendRequest(request, to: peer, reliableTransport: false, at: now).1, at: node)
        case .trunk: apply(trunkTable.sendRequest(request, to: peer, reliableTransport: false, at: now).1, at: node)
        }
    }

    mutating func apply(_ outputs: [TransactionTableOutput<PaidNode>], at node: PaidNode) {
        for output in outputs {
            switch output {
            case .send(let message, let peer, let id):
                // Each caller's messages leave from its own node (one table serves every caller).
                let from: PaidNode = { if case .caller = node { callerNode(of: id, default: node) } else { node } }()
                environment.send(message.serialized(), from: from, to: peer)
            case .startTimer(let timer, let delay, let id):
                environment.schedule(.transaction(node, id, timer), after: delay)
            case .cancelTimer(let timer, let id):
                environment.timers.cancel(.transaction(node, id, timer))
            case .terminated, .rejected:
                break
            case .request(let request, let peer, let id):
                switch node {
                case .server: serverRequest(request, from: peer, transaction: id)
                case .caller: callerRequest(request, transaction: id)
                case .trunk: trunkRequest(request, transaction: id)
                }
            case .response(let response, let id):
                switch node {
                case .server: serverEvent(.response(response, transaction: id))
                case .caller: callerResponse(response, transaction: id)
                case .trunk: break
                }
            case .strayAck(let ack, let peer):
                if node == .server { serverEvent(.strayAck(ack, from: peer)) }
                if node == .trunk, let callID = ack.firstValue(.callID)?.string, let index = trunkByCallID[callID] {
                    trunkCalls[index].acked = true
                }
            case .strayResponse(let response, let peer):
                if node == .server { serverEvent(.strayResponse(response, from: peer)) }
                if case .caller = node { callerStray(response) }
            case .timedOut(let id):
                if node == .server { serverEvent(.timedOut(id)) }
            case .transportFailed(let id):
                violations.append("transport failure \(id)")
            }
        }
    }

    var callerOfTransaction: [TransactionID: Int] = [:]

    func callerNode(of id: TransactionID, default node: PaidNode) -> PaidNode {
        callerOfTransaction[id].map { .caller($0) } ?? node
    }

    // MARK: The server (B2BUA)

    mutating func serverRequest(_ request: SIPMessage, from peer: PaidNode, transaction: TransactionID) {
        let cancels = request.method == .cancel ? serverTable.inviteTransaction(cancelledBy: request) : nil
        let event = TransactionUserEvent<PaidNode>.request(request, from: peer, transaction: transaction, cancels: cancels)
        switch core.route(request, from: peer) {
        case .outgoing:
            guard case .caller(let index) = peer else { return }
            perform(core.handle(.outgoing(request, from: peer, transaction: transaction, account: calls[index].account),
                                at: environment.now))
        case .claimed:
            perform(core.handle(.transactionUser(event), at: environment.now))
        default:
            // What the proxy would answer: a request for no call.
            let response = request.makeResponse(statusCode: 481, reason: "Call/Transaction Does Not Exist", toTag: "px")
            if request.method != .ack { apply(serverTable.respond(response, transaction: transaction, at: environment.now), at: .server) }
        }
    }

    mutating func serverEvent(_ event: TransactionUserEvent<PaidNode>) {
        guard core.claims(event) else { return }
        perform(core.handle(.transactionUser(event), at: environment.now))
    }

    mutating func perform(_ actions: [B2BUAAction<PaidNode>]) {
        let now = environment.now
        for action in actions {
            switch action {
            case .transactionUser(.respond(let response, let id)), .transactionUser(.respondStatelessly(let response, let id)):
                apply(serverTable.respond(response, transaction: id, at: now), at: .server)
            case .transactionUser(.sendRequest(let request, let peer)), .transactionUser(.sendRequestKeepingTransport(let request, let peer)):
                send(request, from: .server, to: peer)
            case .transactionUser(.sendStateless(let message, let peer)):
                environment.send(message.serialized(), from: .server, to: peer)
            case .transactionUser(.cancelClientTransaction(let id)):
                if let invite = serverTable.request(of: id), let peer = serverTable.peer(of: id) {
                    send(invite.makeCancel(), from: .server, to: peer)
                }
            case .transactionUser(.startTimer(let timer, let delay)):
                environment.schedule(.user(timer), after: delay)
            case .transactionUser(.cancelTimer(let timer)):
                environment.timers.cancel(.user(timer))
            case .transactionUser(.note):
                break
            case .billing(let request):
                if case .settle = request {
                    answerBilling(request)
                } else {
                    pendingBilling.append(request)
                    environment.schedule(.billing(pendingBilling.count - 1), after: random.duration(in: .milliseconds(1)...(.milliseconds(80))))
                }
            }
        }
    }

    // MARK: Billing (in memory, the real credit-control core)

    mutating func answerBilling(_ request: BillingRequest) {
        switch request {
        case .authorize(let key, let account, let caller, let dialled, let at):
            var book = books[account.name]!
            let decision = control.authorize(book, plan: plan, caller: caller, dialled: dialled, at: at)
            do { try book.apply(decision.entries) } catch { violations.append("authorize: \(error)") }
            books[account.name] = book
            if let id = decision.outcome.reservation?.id { opened.insert(id) }
            perform(core.handle(.billing(.authorized(key, decision.outcome)), at: environment.now))
        case .renew(let key, let id, let used, let at):
            var book = books[id.account.name]!
            do {
                let decision = try control.renew(book, reservation: id, usedSeconds: used, at: at)
                try book.apply(decision.entries)
                books[id.account.name] = book
                perform(core.handle(.billing(.renewed(key, decision.outcome)), at: environment.now))
            } catch {
                violations.append("renew: \(error)")
            }
        case .settle(_, let id, let answeredAt, let endedAt, let reason):
            settleCounts[id, default: 0] += 1
            var book = books[id.account.name]!
            do {
                let decision = try control.settle(book, reservation: id, answeredAt: answeredAt, endedAt: endedAt, reason: reason)
                try book.apply(decision.entries)
            } catch {
                violations.append("settle: \(error)")
            }
            books[id.account.name] = book
        case .countSMS(let key, _, _):
            perform(core.handle(.billing(.smsCounted(key, sentToday: 1)), at: environment.now))
        }
    }

    // MARK: Callers

    mutating func startCall(_ index: Int) {
        let invite = SIPMessage.makeRequest(method: .invite, requestURI: ByteString("sip:+7495\(1_000_000 + index)@zvonok.example"), headers: [
            (.via, ByteString("SIP/2.0/UDP 10.0.0.\(index % 250 + 1);branch=z9hG4bKc\(index)")), (.maxForwards, "70"),
            (.from, ByteString("<sip:\(calls[index].account)@zvonok.example>;tag=f\(index)")),
            (.to, ByteString("<sip:+7495\(1_000_000 + index)@zvonok.example>")), (.callID, ByteString("call\(index)")),
            (.cseq, "1 INVITE"), (.contact, ByteString("<sip:u\(index)@10.0.0.\(index % 250 + 1)>")),
        ])
        let id = TransactionID(clientRequest: invite)!
        calls[index].invite = invite
        calls[index].inviteTransaction = id
        callByInvite[id] = index
        callByCallID["call\(index)"] = index
        callerOfTransaction[id] = index
        send(invite, from: .caller(index), to: .server)
    }

    mutating func callerResponse(_ response: SIPMessage, transaction: TransactionID) {
        guard let index = callByInvite[transaction], let code = response.statusCode else { return }
        if code < 200 {
            if code > 100, calls[index].wantsCancel {
                calls[index].wantsCancel = false
                environment.schedule(.cancel(index), after: random.duration(in: .zero...(.seconds(2))))
            }
            return
        }
        if calls[index].final == nil {
            calls[index].final = code
            if (200..<300).contains(code) {
                calls[index].ok = response
                environment.schedule(.hangUp(index), after: .seconds(Int64(calls[index].holdSeconds)))
            }
        }
        if (200..<300).contains(code) { ackOK(index, response) }
    }

    mutating func callerStray(_ response: SIPMessage) {
        guard let callID = response.firstValue(.callID)?.string, let index = callByCallID[callID],
              (try? response.cseq())?.method == .invite, (200..<300).contains(response.statusCode ?? 0) else { return }
        ackOK(index, response)
    }

    mutating func ackOK(_ index: Int, _ response: SIPMessage) {
        guard let invite = calls[index].invite else { return }
        let ack = SIPMessage.makeRequest(method: .ack, requestURI: "sip:192.0.2.1:5060", headers: [
            (.via, ByteString("SIP/2.0/UDP 10.0.0.\(index % 250 + 1);branch=z9hG4bKack\(index)")), (.maxForwards, "70"),
            (.from, invite.firstValue(.from)!), (.to, response.firstValue(.to)!), (.callID, invite.firstValue(.callID)!),
            (.cseq, "1 ACK"),
        ])
        environment.send(ack.serialized(), from: .caller(index), to: .server)
    }

    mutating func hangUp(_ index: Int) {
        guard !calls[index].ended, let ok = calls[index].ok, let invite = calls[index].invite else { return }
        calls[index].ended = true
        let bye = SIPMessage.makeRequest(method: .bye, requestURI: "sip:192.0.2.1:5060", headers: [
            (.via, ByteString("SIP/2.0/UDP 10.0.0.\(index % 250 + 1);branch=z9hG4bKbye\(index)")), (.maxForwards, "70"),
            (.from, invite.firstValue(.from)!), (.to, ok.firstValue(.to)!), (.callID, invite.firstValue(.callID)!),
            (.cseq, "2 BYE"),
        ])
        callerOfTransaction[TransactionID(clientRequest: bye)!] = index
        send(bye, from: .caller(index), to: .server)
    }

    mutating func cancel(_ index: Int) {
        guard calls[index].final == nil, let invite = calls[index].invite else { return }
        let cancel = invite.makeCancel()
        callerOfTransaction[TransactionID(clientRequest: cancel)!] = index
        send(cancel, from: .caller(index), to: .server)
    }

    /// A BYE (credit cut-off, dead leg) or OPTIONS probe from the B2BUA to a caller: 200.
    mutating func callerRequest(_ request: SIPMessage, transaction: TransactionID) {
        if request.method == .bye, let callID = request.firstValue(.callID)?.string, let index = callByCallID[callID] {
            calls[index].ended = true
        }
        apply(callerTable.respond(request.makeResponse(statusCode: 200, reason: "OK"), transaction: transaction, at: environment.now),
              at: .caller(0))
    }

    // MARK: The trunk

    mutating func trunkRequest(_ request: SIPMessage, transaction: TransactionID) {
        let now = environment.now
        switch request.method {
        case .invite where (try? request.to())?.tag == nil:
            let index = trunkCalls.count
            let roll = random.uniform(in: 0...99)
            trunkCalls.append(TrunkCall(request: request, transaction: transaction, plan: roll < 10 ? 503 : roll < 25 ? 486 : 200))
            trunkByTransaction[transaction] = index
            if let callID = request.firstValue(.callID)?.string { trunkByCallID[callID] = index }
            environment.schedule(.trunkRing(index), after: random.duration(in: .milliseconds(10)...(.milliseconds(300))))
            environment.schedule(.trunkAnswer(index), after: random.duration(in: .milliseconds(400)...(.seconds(4))))
        case .cancel:
            apply(trunkTable.respond(request.makeResponse(statusCode: 200, reason: "OK", toTag: "tc"), transaction: transaction, at: now),
                  at: .trunk)
            if let invite = trunkTable.inviteTransaction(cancelledBy: request), let index = trunkByTransaction[invite],
               trunkCalls[index].final == nil {
                trunkCalls[index].final = 487
                trunkRespond(index, trunkCalls[index].request.makeResponse(statusCode: 487, reason: "Request Terminated", toTag: "t\(index)"))
            }
        default:
            var response = request.makeResponse(statusCode: 200, reason: "OK", toTag: "tx")
            if request.method == .invite { response.addHeader(.contact, "<sip:far@203.0.113.50>") }
            apply(trunkTable.respond(response, transaction: transaction, at: now), at: .trunk)
        }
    }

    mutating func trunkAnswer(_ index: Int) {
        guard trunkCalls[index].final == nil else { return }
        let plan = trunkCalls[index].plan
        trunkCalls[index].final = plan
        var response = trunkCalls[index].request.makeResponse(statusCode: plan, reason: plan == 200 ? "OK" : "Nope", toTag: "t\(index)")
        if plan == 200 {
            response.addHeader(.contact, "<sip:far\(index)@203.0.113.50>")
            trunkCalls[index].ok = response
            trunkCalls[index].firstOkAt = environment.now
            environment.schedule(.trunkRetransmit(index), after: trunkCalls[index].interval)
        }
        trunkRespond(index, response)
    }

    mutating func trunkRespond(_ index: Int, _ response: SIPMessage) {
        apply(trunkTable.respond(response, transaction: trunkCalls[index].transaction, at: environment.now), at: .trunk)
    }

    // MARK: Checks

    func check() -> [String] {
        var problems = violations
        for id in opened where settleCounts[id] != 1 {
            problems.append("reservation \(id) settled \(settleCounts[id] ?? 0) times")
        }
        for (id, count) in settleCounts where !opened.contains(id) || count != 1 {
            problems.append("settle of \(id) ×\(count) without a reservation")
        }
        for (account, book) in books {
            if book.balanceMinor < 0 { problems.append("\(account) overspent: \(book.balanceMinor)") }
            if !book.openReservations.isEmpty { problems.append("\(account) has open reservations") }
            do { try book.verifyInvariants() } catch { problems.append("\(account): \(error)") }
            let charged = initialBalances[account]! - book.balanceMinor
            if charged > initialBalances[account]! { problems.append("\(account) charged more than it had") }
        }
        if core.activeCallCount != 0 || core.activeMessageCount != 0 { problems.append("\(core.activeCallCount) calls leaked") }
        if core.indexSizes.contains(where: { $0 != 0 }) { problems.append("index entries leaked: \(core.indexSizes)") }
        if serverTable.count != 0 { problems.append("\(serverTable.count) server-side transactions leaked") }
        if callerTable.count != 0 || trunkTable.count != 0 { problems.append("UA transactions leaked") }
        return problems
    }
}

@Suite struct PaidCallSimulationTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func manyConcurrentPaidCallsOverALossyNetwork(seed: UInt64) {
        var simulation = PaidCallSimulation(seed: seed, calls: 150)
        let outcome = simulation.drive(maxSteps: 3_000_000)
        #expect(outcome == .idle(steps: outcome.steps), "seed \(seed): \(outcome)")
        let problems = simulation.check()
        #expect(problems.isEmpty, "seed \(seed): \(problems.prefix(10))")
        // Not vacuous: calls were answered, billed, refused and cut off.
        let settled = simulation.settleCounts.count
        let charged = simulation.books.values.flatMap(\.settlements).filter { $0.chargedMinor > 0 }.count
        let cutOff = simulation.books.values.flatMap(\.settlements).filter { $0.record.endReason == .creditExhausted }.count
        print("paid-call simulation seed \(seed): \(settled) settled, \(charged) charged, \(cutOff) cut off, "
              + "network \(simulation.environment.network.statistics)")
        #expect(settled > 40 && charged > 10 && cutOff > 0)
        #expect(simulation.calls.contains { $0.final == 402 } && simulation.calls.contains { $0.final == 487 })
        #expect(simulation.environment.network.statistics.dropped > 0)
    }
}
