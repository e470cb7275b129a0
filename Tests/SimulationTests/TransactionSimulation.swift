import SIPCore
import SIPTransaction
import ZvonokTesting

// The transaction-layer simulation (ARCHITECTURE "Tests, in layers" 3): many user-agent clients,
// each with its own `TransactionTable` on the client side, and one server (a `TransactionTable` and
// the `AnsweringServer` TU below) over UDP-like links that lose, duplicate, delay and reorder
// datagrams under a seed. `TransactionSimulation` is the driver of every endpoint, a copy of what
// `Worker.apply` does (sends, timers, deliveries), plus the checks; `TransactionSimulationTests`
// runs it and reads the verdict.

/// An endpoint of the simulation.
enum Node: Hashable, Sendable, CustomStringConvertible {
    case client(Int)
    case server

    var description: String {
        switch self {
        case .client(let n): "client\(n)"
        case .server: "server"
        }
    }
}

/// Every timer of the simulation: the transactions' own (§17) and the user agents'.
enum SimulationTimer: Hashable, Sendable {
    case transaction(Node, TransactionID, TransactionTimer)
    /// A client starts its `plan`-th transaction.
    case start(client: Int, plan: Int)
    /// A client's TU CANCELs the INVITE of client record `record` (§9.1), if it is still unanswered.
    case cancel(record: Int)
    /// The server TU's think time or 2xx retransmission timer.
    case server(ServerWakeup)
}

/// What the server TU waits for (its "think time", and §13.3.1.4's 2xx retransmissions).
enum ServerWakeup: Hashable, Sendable {
    case ring(call: Int)
    case answer(call: Int)
    case retransmit2xx(call: Int)
}

/// One run's parameters. The seed decides everything else that varies (the workload, the think
/// times, the network's choices), so a seed replays a run exactly.
struct Scenario: Sendable, CustomStringConvertible {
    var seed: UInt64
    var clients: Int
    var transactionsPerClient: Int
    /// Transactions start uniformly over this window.
    var loadWindow: Duration
    /// Every link, both directions.
    var link: LinkConditions
    /// How long the server TU takes to answer OPTIONS, MESSAGE and REGISTER.
    var nonInviteThink: ClosedRange<Duration>
    /// INVITE: from the request to 180 Ringing, then from 180 to the final response.
    var ringDelay: ClosedRange<Duration>
    var answerDelay: ClosedRange<Duration>
    /// An INVITE is answered 486 Busy Here with this probability, else 200 OK.
    var busyProbability = 0.35
    /// A client CANCELs an INVITE this long after its first provisional response, with this probability.
    var cancelProbability = 0.25
    var cancelDelay: ClosedRange<Duration> = .milliseconds(100)...(.milliseconds(3_000))
    /// A UA CANCELs an INVITE that rang this long without a final response (a "no answer" timer).
    var ringTimeout: Duration = .seconds(45)
    var timers = TransactionTimerSettings.rfc3261
    /// Deliberate bugs, to show that the checks can fail.
    var faults = Faults()

    struct Faults: Sendable {
        /// The server TU never answers every n-th request it gets.
        var serverIgnoresEvery: Int?
        /// The client TUs also ACK non-2xx final responses themselves (the transaction's job, §17.1.1.3).
        var clientTUAcksNon2xx = false
    }

    var transactionCount: Int { clients * transactionsPerClient }

    /// The lossy run of `seed`: 10, 20 or 30 % loss by the seed (seed % 3), 5 % duplication, jitter and
    /// stragglers. The delay spread (latency 5 ms … maximumDelay 355 ms) stays under T1, which the
    /// checks rely on (`TransactionSimulation.checkDelaySpread`).
    static func lossy(seed: UInt64, clients: Int = 40, transactionsPerClient: Int = 50) -> Scenario {
        let lossPercent = 10 + Int(seed % 3) * 10
        return Scenario(
            seed: seed, clients: clients, transactionsPerClient: transactionsPerClient,
            loadWindow: .seconds(60),
            link: LinkConditions(latency: .milliseconds(5), jitter: .milliseconds(100),
                                 lossProbability: Double(lossPercent) / 100, duplicationProbability: 0.05,
                                 delayProbability: 0.05, maximumExtraDelay: .milliseconds(250)),
            nonInviteThink: .zero...(.milliseconds(400)),
            ringDelay: .zero...(.milliseconds(400)),
            answerDelay: .milliseconds(100)...(.milliseconds(3_000)))
    }

    /// A run where the network loses, duplicates and delays nothing beyond jitter, and every think
    /// time is short enough that no timer retransmits (request or response): the message counts are exact.
    static func lossless(seed: UInt64) -> Scenario {
        Scenario(
            seed: seed, clients: 20, transactionsPerClient: 25, loadWindow: .seconds(30),
            link: LinkConditions(latency: .milliseconds(5), jitter: .milliseconds(60)),
            // A request's round trip is at most 2 · 65 ms, so a think time up to 250 ms answers well
            // inside T1 (500 ms) and no E/A/G timer nor the TU's 2xx timer ever retransmits.
            nonInviteThink: .zero...(.milliseconds(250)),
            ringDelay: .zero...(.milliseconds(350)),
            answerDelay: .milliseconds(100)...(.milliseconds(2_000)))
    }

    var description: String {
        "seed \(seed) (ZVONOK_SIM_SEED=\(seed)): \(transactionCount) transactions, loss \(link.lossProbability), "
            + "duplication \(link.duplicationProbability)"
    }
}

/// One client transaction, as its user agent (TU) saw it.
struct ClientRecord {
    let client: Int
    let method: SIPMethod
    let request: SIPMessage
    let id: TransactionID
    /// For a CANCEL: the INVITE's record.
    let cancelling: Int?
    var wantsCancel = false
    var cancelScheduled = false
    /// The CANCEL's record, once sent.
    var cancelRecord: Int?
    var provisionals = 0
    /// The first final response delivered, and how many were (2xx retransmissions reach the TU).
    var finalStatus: Int?
    var finalDeliveries = 0
    /// Final responses to it that the network brought to the client (whatever the table did).
    var finalArrivals = 0
    var timedOut = false
    var terminations = 0
    /// How often the transaction sent the request (1 + retransmissions).
    var requestSends = 0
    /// ACKs the INVITE transaction sent (non-2xx, §17.1.1.3) and ACKs the TU sent (2xx, §13.2.2.4).
    var transactionAcks = 0
    var userAgentAcks = 0
}

/// The server's transaction user: answers OPTIONS, MESSAGE and REGISTER with 200 after a think
/// time; INVITE with 180 and then 200 or 486, or 487 when a CANCEL came first (§9.2); CANCEL with
/// 200 (481 without its INVITE); and retransmits each 2xx to INVITE itself until the ACK comes or
/// 64·T1 pass (§13.3.1.4). It is pure like every TU (time comes in as `now`); its think times are
/// timers it asks the driver for in `wakeups`.
struct AnsweringServer: TransactionUser {
    typealias Peer = Node

    struct Call {
        let id: TransactionID
        let request: SIPMessage
        let toTag: String
        var plannedStatus = 200
        var finalStatus: Int?
        var finalResponse: SIPMessage?
        var ringingSent = false
        var ringDelay: Duration = .zero
        /// INVITE: a CANCEL came before the final response.
        var cancelled = false
        /// INVITE answered 2xx: the ACK came (§13.3.1.4), and the 2xx retransmission state.
        var ackReceived = false
        var firstFinalAt: Instant?
        var retransmitInterval: Duration = .zero
        /// INVITE: Timer H fired (no ACK for the non-2xx).
        var timedOut = false
        var timedOutAt: Instant?
        /// ACKs for this INVITE's non-2xx response that reached the TU (the transaction was gone).
        var lateNon2xxAcks = 0
    }

    let scenario: Scenario
    var random: SeededRandom
    private(set) var calls: [Call] = []
    private(set) var callByTransaction: [TransactionID: Int] = [:]
    private var inviteByCallID: [ByteString: Int] = [:]
    /// Timers asked for by the last call, for the driver to arm (then emptied).
    var wakeups: [(ServerWakeup, after: Duration)] = []
    /// Things that must not happen (a response to the server, a transport failure…).
    var violations: [String] = []
    private(set) var strayAcks = 0
    private(set) var ignoredRequests = 0

    init(scenario: Scenario) {
        self.scenario = scenario
        random = SeededRandom(seed: scenario.seed, stream: 2)
    }

    func call(_ id: TransactionID) -> Call? { callByTransaction[id].map { calls[$0] } }

    mutating func handle(_ event: TransactionUserEvent<Node>, at now: Instant) -> [TransactionUserAction<Node>] {
        switch event {
        case .request(let request, _, let id, let cancels):
            return receive(request, transaction: id, cancels: cancels, at: now)
        case .strayAck(let ack, _):
            strayAcks += 1
            guard let callID = try? ack.callID(), let index = inviteByCallID[callID] else {
                violations.append("an ACK for no INVITE reached the server TU")
                return []
            }
            if let branch = try? ack.topVia()?.branch, branch == calls[index].id.branch {
                calls[index].lateNon2xxAcks += 1   // the ACK of a non-2xx: its transaction is gone
            } else {
                calls[index].ackReceived = true
            }
            return []
        case .timedOut(let id):
            guard let index = callByTransaction[id] else {
                violations.append("timedOut for an unknown server transaction \(id)")
                return []
            }
            calls[index].timedOut = true
            calls[index].timedOutAt = now
            return []
        case .response, .strayResponse:
            violations.append("the server TU got a response: it sends no requests")
            return []
        case .transportFailed(let id):
            violations.append("transport failure on \(id): the simulated network never fails a send")
            return []
        case .timerFired(let timer):
            violations.append("TU timer \(timer) fired: this TU arms none")
            return []
        }
    }

    mutating func wake(_ wakeup: ServerWakeup, at now: Instant) -> [TransactionUserAction<Node>] {
        switch wakeup {
        case .ring(let index):
            guard calls[index].finalStatus == nil else { return [] }
            calls[index].ringingSent = true
            return [respond(index, 180, "Ringing")]
        case .answer(let index):
            guard calls[index].finalStatus == nil else { return [] }
            let status = calls[index].plannedStatus
            let action = final(index, status, status == 200 ? "OK" : status == 486 ? "Busy Here" : "OK", at: now)
            if calls[index].request.method == .invite, status == 200 {
                calls[index].retransmitInterval = scenario.timers.t1
                wakeups.append((.retransmit2xx(call: index), after: scenario.timers.t1))
            }
            return [action]
        case .retransmit2xx(let index):
            // §13.3.1.4: T1 doubling up to T2, until the ACK arrives or 64·T1 have passed.
            let call = calls[index]
            guard !call.ackReceived, let first = call.firstFinalAt, let response = call.finalResponse,
                  now - first < scenario.timers.transactionTimeout else { return [] }
            calls[index].retransmitInterval = scenario.timers.doubledCappedAtT2(call.retransmitInterval)
            wakeups.append((.retransmit2xx(call: index), after: calls[index].retransmitInterval))
            return [.respond(response, transaction: call.id)]
        }
    }

    private mutating func receive(_ request: SIPMessage, transaction id: TransactionID, cancels: TransactionID?,
                                  at now: Instant) -> [TransactionUserAction<Node>] {
        let index = calls.count
        calls.append(Call(id: id, request: request, toTag: "uas\(index)"))
        callByTransaction[id] = index
        if let every = scenario.faults.serverIgnoresEvery, index % every == every - 1 {
            ignoredRequests += 1
            return []
        }
        switch request.method {
        case .invite:
            if let callID = try? request.callID() { inviteByCallID[callID] = index }
            calls[index].plannedStatus = random.chance(scenario.busyProbability) ? 486 : 200
            let ring = random.duration(in: scenario.ringDelay)
            calls[index].ringDelay = ring
            wakeups.append((.ring(call: index), after: ring))
            wakeups.append((.answer(call: index), after: ring + random.duration(in: scenario.answerDelay)))
            return []
        case .cancel:
            // §9.2: 200 to the CANCEL (481 when its INVITE is gone), and 487 to an unanswered INVITE.
            guard let inviteID = cancels, let invite = callByTransaction[inviteID] else {
                return [final(index, 481, "Call/Transaction Does Not Exist", at: now)]
            }
            var actions = [final(index, 200, "OK", at: now)]
            if calls[invite].finalStatus == nil {
                calls[invite].cancelled = true
                actions.append(final(invite, 487, "Request Terminated", at: now))
            }
            return actions
        default:
            wakeups.append((.answer(call: index), after: random.duration(in: scenario.nonInviteThink)))
            return []
        }
    }

    private func respond(_ index: Int, _ status: Int, _ reason: String) -> TransactionUserAction<Node> {
        let response = calls[index].request.makeResponse(statusCode: status, reason: reason, toTag: calls[index].toTag)
        return .respond(response, transaction: calls[index].id)
    }

    private mutating func final(_ index: Int, _ status: Int, _ reason: String, at now: Instant) -> TransactionUserAction<Node> {
        let action = respond(index, status, reason)
        if case .respond(let response, _) = action { calls[index].finalResponse = response }
        calls[index].finalStatus = status
        calls[index].firstFinalAt = now
        return action
    }
}

/// The simulation: the driver of every endpoint, the client TUs, and the checks.
struct TransactionSimulation: Simulation {
    /// What the server's transaction layer did with each request its TU received.
    struct ServerAudit {
        /// Final responses the TU passed to `respond`, in order (2xx retransmissions included).
        var finals: [Int] = []
        /// Final responses `respond` refused (gave no outputs).
        var refusedFinals = 0
        var terminated = false
    }

    var environment: SimulatedEnvironment<Node, SimulationTimer>
    let scenario: Scenario
    var clientTables: [TransactionTable<Node>]
    var serverTable: TransactionTable<Node>
    var server: AnsweringServer
    var records: [ClientRecord] = []
    private var recordByTransaction: [TransactionID: Int] = [:]
    private var recordByBranch: [ByteString: Int] = [:]   // INVITE and non-INVITE requests, not CANCEL
    private var cancelRecordByBranch: [ByteString: Int] = [:]
    private var clientRandom: SeededRandom
    /// Per client: the start offset and method of each planned transaction.
    private var plans: [[SIPMethod]] = []
    var audits: [TransactionID: ServerAudit] = [:]
    var violations: [String] = []
    /// Messages on the wire by label (`INVITE`, `ACK`, `180`, …), every copy sent.
    var wire: [String: Int] = [:]
    var strayResponsesAtClients = 0
    /// When the first ACK with each branch reached the server (a non-2xx ACK has its INVITE's branch).
    var firstAckArrival: [ByteString: Instant] = [:]
    /// FNV-1a of every delivered datagram with its time and endpoints: equal runs, equal digests.
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The step cap of `run()`.
    static let maxSteps = 2_000_000

    init(_ scenario: Scenario) {
        self.scenario = scenario
        let root = SeededRandom(seed: scenario.seed)
        environment = SimulatedEnvironment(network: SimulatedNetwork(random: SeededRandom(seed: root.seed, stream: 1),
                                                                     defaultConditions: scenario.link))
        clientTables = (0..<scenario.clients).map { _ in
            TransactionTable(timers: scenario.timers, capacity: scenario.transactionsPerClient * 2)
        }
        serverTable = TransactionTable(timers: scenario.timers, capacity: scenario.transactionCount * 2)
        server = AnsweringServer(scenario: scenario)
        clientRandom = SeededRandom(seed: scenario.seed, stream: 3)
        let methods: [SIPMethod] = [.options, .message, .register, .invite, .invite]
        for client in 0..<scenario.clients {
            var plan: [SIPMethod] = []
            for index in 0..<scenario.transactionsPerClient {
                plan.append(clientRandom.element(of: methods))
                environment.schedule(.start(client: client, plan: index),
                                     after: clientRandom.duration(in: .zero...scenario.loadWindow))
            }
            plans.append(plan)
        }
    }

    /// Events handled by `run()`.
    var steps = 0

    /// Runs to the end: every transaction and timer has run out.
    mutating func run() -> DriveOutcome {
        let outcome = drive(maxSteps: Self.maxSteps)
        steps = outcome.steps
        return outcome
    }

    // MARK: Events

    mutating func handle(_ event: SimulatedEnvironment<Node, SimulationTimer>.Event) {
        let now = environment.now
        switch event {
        case .datagram(let datagram):
            mixIntoDigest(datagram)
            let message: SIPMessage
            do {
                message = try datagram.message()
            } catch {
                violations.append("\(datagram.to) could not parse a datagram from \(datagram.from): \(error)")
                return
            }
            switch (datagram.to, message.isRequest) {
            case (.server, true):
                if message.method == .ack, let branch = try? message.topVia()?.branch, firstAckArrival[branch] == nil {
                    firstAckArrival[branch] = now
                }
                apply(serverTable.receiveRequest(message, from: datagram.from, reliableTransport: false, at: now), at: .server)
            case (.client(let c), false):
                noteArrival(of: message)
                apply(clientTables[c].receiveResponse(message, from: .server, at: now), at: .client(c))
            case (let node, _):
                violations.append("\(node) got a \(message.isRequest ? "request" : "response") it never asks for")
            }
        case .timer(.transaction(let node, let id, let timer)):
            switch node {
            case .server: apply(serverTable.timerFired(timer, transaction: id, at: now), at: .server)
            case .client(let c): apply(clientTables[c].timerFired(timer, transaction: id, at: now), at: node)
            }
        case .timer(.start(let client, let plan)):
            startTransaction(client: client, plan: plan)
        case .timer(.cancel(let record)):
            sendCancel(of: record)
        case .timer(.server(let wakeup)):
            let actions = server.wake(wakeup, at: now)
            perform(actions)
        }
    }

    /// Performs what a table asks, in order: `Worker.apply`'s switch, with the checks.
    mutating func apply(_ outputs: [TransactionTableOutput<Node>], at node: Node) {
        for output in outputs {
            switch output {
            case .send(let message, let peer, let id):
                if node == .server {
                    if audits[id]?.terminated == true {
                        violations.append("the server sent \(label(message)) on \(id) after it terminated")
                    }
                } else if let record = recordByTransaction[id] {
                    if message.method == .ack { records[record].transactionAcks += 1 } else { records[record].requestSends += 1 }
                }
                transmit(message, from: node, to: peer)
            case .request(let request, let peer, let id):
                guard node == .server else {
                    violations.append("\(node) was given a request")
                    continue
                }
                if audits[id] != nil {
                    violations.append("the server TU got \(label(request)) \(id) a second time")
                }
                audits[id] = ServerAudit()
                let cancels = request.method == .cancel ? serverTable.inviteTransaction(cancelledBy: request) : nil
                deliverToServer(.request(request, from: peer, transaction: id, cancels: cancels))
            case .response(let response, let id):
                clientReceived(response, transaction: id)
            case .strayAck(let ack, let peer):
                if node == .server { deliverToServer(.strayAck(ack, from: peer)) } else { violations.append("\(node) got an ACK") }
            case .strayResponse(let response, _):
                clientReceivedStray(response, at: node)
            case .startTimer(let timer, let delay, let id):
                environment.schedule(.transaction(node, id, timer), after: delay)
            case .cancelTimer(let timer, let id):
                environment.timers.cancel(.transaction(node, id, timer))
            case .timedOut(let id):
                if node == .server {
                    deliverToServer(.timedOut(id))
                } else if let record = recordByTransaction[id] {
                    records[record].timedOut = true
                    if records[record].finalStatus != nil {
                        violations.append("\(id) timed out after its final response \(records[record].finalStatus!)")
                    }
                }
            case .transportFailed(let id):
                violations.append("\(node): transport failure on \(id), but the simulated network never fails a send")
            case .terminated(let id):
                for timer in TransactionTimer.allCases where environment.timers.deadline(of: .transaction(node, id, timer)) != nil {
                    violations.append("\(node): \(id) terminated with Timer \(timer) armed")
                }
                if node == .server {
                    if audits[id]?.terminated == true { violations.append("\(id) terminated twice") }
                    audits[id, default: ServerAudit()].terminated = true
                } else if let record = recordByTransaction[id] {
                    records[record].terminations += 1
                }
            case .rejected(_, _, let reason):
                violations.append("\(node) rejected a request: \(reason)")
            }
        }
    }

    private mutating func transmit(_ message: SIPMessage, from: Node, to: Node) {
        wire[label(message), default: 0] += 1
        environment.send(message, from: from, to: to)
    }

    // MARK: Server TU

    private mutating func deliverToServer(_ event: TransactionUserEvent<Node>) {
        let actions = server.handle(event, at: environment.now)
        perform(actions)
    }

    /// Performs the server TU's actions (`Worker.deliver`), then arms the timers it asked for.
    private mutating func perform(_ actions: [TransactionUserAction<Node>]) {
        for action in actions {
            switch action {
            case .respond(let response, let id):
                let status = response.statusCode ?? 0
                let outputs = serverTable.respond(response, transaction: id, at: environment.now)
                if status >= 200 {
                    audits[id, default: ServerAudit()].finals.append(status)
                    if !outputs.contains(where: { if case .send = $0 { true } else { false } }) {
                        audits[id, default: ServerAudit()].refusedFinals += 1
                    }
                }
                apply(outputs, at: .server)
            case .sendRequest, .sendRequestKeepingTransport:
                violations.append("the server TU sent a request")
            case .sendStateless(let message, let peer):
                transmit(message, from: .server, to: peer)
            case .cancelClientTransaction, .startTimer, .cancelTimer, .respondStatelessly:
                violations.append("the server TU asked for \(action): it sends no requests and arms no timers")
            case .note:
                break
            }
        }
        let wakeups = server.wakeups
        server.wakeups = []
        for (wakeup, delay) in wakeups { environment.schedule(.server(wakeup), after: delay) }
    }

    // MARK: Client TUs

    private mutating func startTransaction(client: Int, plan: Int) {
        let method = plans[client][plan]
        let branch = "z9hG4bK-c\(client)-t\(plan)"
        let requestURI: ByteString = method == .register ? "sip:server.sim" : "sip:service@server.sim"
        let request = SIPMessage.makeRequest(method: method, requestURI: requestURI, headers: [
            (.via, ByteString("SIP/2.0/UDP client\(client).sim:5060;branch=\(branch)")),
            (.maxForwards, "70"),
            (.from, ByteString("<sip:user\(client)@sim>;tag=f\(client)-\(plan)")),
            (.to, method == .register ? ByteString("<sip:user\(client)@sim>") : "<sip:service@server.sim>"),
            (.callID, ByteString("c\(client)-\(plan)@client\(client).sim")),
            (.cseq, ByteString("\(plan + 1) \(method.name)")),
        ])
        var record = ClientRecord(client: client, method: method, request: request,
                                  id: TransactionID(clientRequest: request)!, cancelling: nil)
        if method == .invite { record.wantsCancel = clientRandom.chance(scenario.cancelProbability) }
        send(record, branch: ByteString(branch))
    }

    /// §9.1: a CANCEL only after a provisional response, and only while no final one has come.
    private mutating func sendCancel(of invite: Int) {
        let record = records[invite]
        guard record.finalStatus == nil, record.cancelRecord == nil, clientTables[record.client].contains(record.id) else { return }
        let cancel = record.request.makeCancel()
        let cancelRecord = ClientRecord(client: record.client, method: .cancel, request: cancel,
                                        id: TransactionID(clientRequest: cancel)!, cancelling: invite)
        records[invite].cancelRecord = records.count
        send(cancelRecord, branch: nil)
    }

    private mutating func send(_ record: ClientRecord, branch: ByteString?) {
        let index = records.count
        records.append(record)
        recordByTransaction[record.id] = index
        if let branch { recordByBranch[branch] = index } else if let branch = record.id.branch {
            cancelRecordByBranch[branch] = index
        }
        let (id, outputs) = clientTables[record.client].sendRequest(record.request, to: .server, reliableTransport: false,
                                                                    at: environment.now)
        precondition(id == record.id)
        apply(outputs, at: .client(record.client))
    }

    private mutating func clientReceived(_ response: SIPMessage, transaction id: TransactionID) {
        guard let index = recordByTransaction[id] else {
            violations.append("a response for unknown client transaction \(id)")
            return
        }
        let status = response.statusCode ?? 0
        let record = records[index]
        if status < 200 {
            records[index].provisionals += 1
            if record.method == .invite, !record.cancelScheduled {
                records[index].cancelScheduled = true
                // The user hangs up early (with `cancelProbability`), or the UA gives up ringing
                // after `ringTimeout` with no answer: either way a CANCEL (§9.1).
                let delay = record.wantsCancel ? clientRandom.duration(in: scenario.cancelDelay) : scenario.ringTimeout
                environment.schedule(.cancel(record: index), after: delay)
            }
            return
        }
        records[index].finalDeliveries += 1
        if let first = record.finalStatus, first != status {
            violations.append("\(id) got final \(status) after final \(first)")
        }
        if record.finalStatus == nil { records[index].finalStatus = status }
        guard record.method == .invite else { return }
        if status < 300 {
            sendAckFor2xx(response, record: index)
        } else if scenario.faults.clientTUAcksNon2xx {
            records[index].userAgentAcks += 1
            transmit(record.request.makeAck(for: response), from: .client(record.client), to: .server)
        }
    }

    /// §13.2.2.4: the UAC core ACKs every 2xx (and each retransmission of it) itself, with a branch of
    /// its own, outside the INVITE transaction.
    private mutating func sendAckFor2xx(_ response: SIPMessage, record index: Int) {
        let record = records[index]
        records[index].userAgentAcks += 1
        guard let via = try? record.request.topVia(), let branch = via.branch, let to = response.firstValue(.to),
              let from = record.request.firstValue(.from), let callID = record.request.firstValue(.callID),
              let cseq = try? record.request.cseq(), let uri = record.request.requestURIText else {
            violations.append("cannot build the ACK for \(record.id)")
            return
        }
        let ack = SIPMessage.makeRequest(method: .ack, requestURI: uri, headers: [
            (.via, ByteString("SIP/2.0/UDP \(via.host):5060;branch=\(branch.string)-ack")),
            (.maxForwards, "70"), (.from, from), (.to, to), (.callID, callID),
            (.cseq, ByteString("\(cseq.number) ACK")),
        ])
        transmit(ack, from: .client(record.client), to: .server)
    }

    private mutating func clientReceivedStray(_ response: SIPMessage, at node: Node) {
        strayResponsesAtClients += 1
        guard node != .server else {
            violations.append("the server got a stray response")
            return
        }
        guard let cseq = try? response.cseq(), let branch = try? response.topVia()?.branch,
              let index = cseq.method == .cancel ? cancelRecordByBranch[branch] : recordByBranch[branch] else {
            violations.append("\(node) got a stray response for no request it sent")
            return
        }
        // Timers D, K and M outlast every retransmission of a final response (the delay spread is
        // under T1): only a transaction that timed out (B, F) before its responses came has strays.
        if !records[index].timedOut {
            violations.append("\(records[index].id): a stray \(label(response)) but the transaction did not time out")
        }
        // A 2xx to an INVITE whose transaction has ended still gets its ACK (RFC 6026 §7.2).
        if (200...299).contains(response.statusCode ?? 0), cseq.method == .invite {
            sendAckFor2xx(response, record: index)
        }
    }

    /// Counts final responses the network brought to a client, before the table looks at them.
    private mutating func noteArrival(of response: SIPMessage) {
        guard let status = response.statusCode, status >= 200, let cseq = try? response.cseq(),
              let branch = try? response.topVia()?.branch else { return }
        let index = cseq.method == .cancel ? cancelRecordByBranch[branch] : recordByBranch[branch]
        if let index { records[index].finalArrivals += 1 }
    }

    private mutating func mixIntoDigest(_ datagram: SimulatedDatagram<Node>) {
        func mix(_ byte: UInt8) {
            digest ^= UInt64(byte)
            digest = digest &* 0x0000_0100_0000_01b3
        }
        withUnsafeBytes(of: datagram.deliverAt.nanoseconds.littleEndian) { for b in $0 { mix(b) } }
        for b in "\(datagram.from)>\(datagram.to)".utf8 { mix(b) }
        for b in datagram.bytes { mix(b) }
    }
}

/// `INVITE`, `ACK`, `180`…
func label(_ message: SIPMessage) -> String {
    message.method.map(\.name) ?? String(message.statusCode ?? 0)
}
