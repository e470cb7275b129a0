import Dispatch
import Logging
import Synchronization
import SIPCore
import SIPTransaction
import SIPTransport

/// One worker (ARCHITECTURE "Workers and threads"): a serial DispatchQueue that owns the
/// transactions, timers and transaction user of the Call-IDs hashed to it, so nothing on the hot
/// path takes a lock. It is the thin shell around the pure cores: it feeds the transaction table
/// (RFC 3261 §17) socket reads and timer firings, and performs the actions the table and the
/// transaction user return — sends, timers, deliveries — exhaustively.
///
/// Everything below `queue` is touched only on `queue`; other workers hand messages over as
/// values with `enqueue`.
public final class Worker: @unchecked Sendable {
    /// A SIP timer of one transaction, as the wheel holds it.
    struct TimerKey: Sendable {
        var transaction: TransactionID
        var timer: TransactionTimer
    }

    /// What the wheel holds: a transaction's timer or one of the transaction user's.
    enum WheelEntry: Sendable {
        case transaction(TimerKey)
        case user(TransactionUserTimer)
    }

    public let index: Int
    public let queue: DispatchQueue
    let shared: ServerShared
    let logger: Logger
    /// Blocks handed to this worker and not yet run (the queue-depth metric).
    let pendingHandOffs = Atomic<Int>(0)

    // Queue-confined state.
    var settings: WorkerSettings
    var table: TransactionTable<SIPPeer>
    var transactionUser: any TransactionUser<SIPPeer>
    var wheel: TimerWheel<WheelEntry>
    /// The wheel tokens of each transaction's armed timers.
    var armed = TransactionMap<ArmedTimerTokens<TimerWheel<WheelEntry>.Token>>()
    /// The wheel tokens of the transaction user's armed timers.
    var userTimers: [TransactionUserTimer: TimerWheel<WheelEntry>.Token] = [:]
    /// This worker's own UDP socket for each UDP listening point, by listener index.
    var udpSockets: [Int: UDPSocket] = [:]
    /// A UDP send held while a batch of received datagrams is handled: what to tell of a failure.
    struct HeldSend {
        var transaction: TransactionID?
        var peer: SIPPeer
    }
    /// Whether UDP sends are held (`holdingUDPSends`), and where: one outbox per socket used.
    private var udpSendsHeld = false
    private var outboxes: [DatagramOutbox<HeldSend>] = []
    var draining = false
    /// The batch being handled waited in the socket longer than `settings.overloadQueueDelay`:
    /// new work is refused with 503 (`isNewWork`).
    private var overloaded = false
    /// Since when this worker has been refusing new work, and how many requests (for the log).
    private var overloadEpisode: (since: Instant, refused: Int)?
    private var lastLateBatch = Instant.zero
    /// Tags and branches for what this worker builds itself.
    let tokens = RandomTokens()
    private var tickSource: DispatchSourceTimer?
    private var lastSweep = Instant(nanoseconds: 0)
    /// The rejection found for the request being processed, answered when the table opens its
    /// transaction (so retransmissions of a rejected request are absorbed too).
    private var pendingRejection: SIPRejection?

    init(index: Int, shared: ServerShared, settings: WorkerSettings,
         transactionUser: any TransactionUser<SIPPeer>, logger: Logger) {
        self.index = index
        self.queue = DispatchQueue(label: "zvonok.worker.\(index)", qos: .userInitiated)
        self.shared = shared
        self.settings = settings
        self.logger = logger
        self.transactionUser = transactionUser
        self.table = TransactionTable(timers: settings.timers, capacity: settings.maxTransactions,
                                      retryAfterSeconds: settings.retryAfterSeconds)
        self.wheel = TimerWheel(start: MonotonicClock.now())
    }

    /// How often the timer wheel is advanced. SIP's timers start at T1 (500 ms unless configured
    /// otherwise), so a timer firing up to one tick late changes nothing a peer relies on; each
    /// tick wakes two threads (Dispatch's timer thread and a pool thread), which every 10 ms cost
    /// more than a tenth of the CPU of a busy registrar.
    static let tickInterval = DispatchTimeInterval.milliseconds(50)

    /// Starts the timer tick (`tickInterval`; deadlines are kept to the wheel's 10 ms).
    func start() {
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + Self.tickInterval, repeating: Self.tickInterval, leeway: .milliseconds(5))
        source.setEventHandler { [unowned self] in self.tick() }
        tickSource = source
        source.resume()
    }

    func stop() {
        tickSource?.cancel()
        tickSource = nil
        for socket in udpSockets.values { socket.close() }
        udpSockets = [:]
        outboxes = []
    }

    // MARK: Input

    /// A datagram read by this worker's UDP socket of listening point `listenerIndex`.
    func receiveDatagram(_ bytes: UnsafeRawBufferPointer, from source: SocketAddress, truncated: Bool, listenerIndex: Int) {
        let peer = SIPPeer(transport: .udp, remote: source, listenerIndex: listenerIndex)
        let datagram = Array(bytes)
        if datagram.allSatisfy({ $0 == 0x0D || $0 == 0x0A || $0 == 0 }) { return }  // keep-alives (RFC 5626 §4.4.1)
        if truncated || datagram.count > settings.parserLimits.maxMessageBytes {
            reject(unparseable: datagram, error: SIPParseError(statusCode: 513, reason: "message larger than \(settings.parserLimits.maxMessageBytes) bytes"), from: peer)
            return
        }
        let message: SIPMessage
        do {
            message = try SIPMessage(parsing: datagram, limits: settings.parserLimits)
        } catch {
            reject(unparseable: datagram, error: error, from: peer)
            return
        }
        route(message, from: peer)
    }

    /// A message framed on a TCP connection this worker owns.
    func receiveStreamMessage(_ message: SIPMessage, on connection: TCPConnection) {
        let peer = SIPPeer(transport: .tcp, remote: connection.remote, listenerIndex: connection.listenerIndex,
                           connectionID: connection.id)
        route(message, from: peer)
    }

    /// A TCP stream that broke framing: answer its message from the head if possible (the
    /// connection closes right after).
    func receiveUnframeable(_ bytes: [UInt8], error: SIPParseError, on connection: TCPConnection) {
        let peer = SIPPeer(transport: .tcp, remote: connection.remote, listenerIndex: connection.listenerIndex,
                           connectionID: connection.id)
        reject(unparseable: bytes, error: error, from: peer)
    }

    /// Stamps the Via (§18.2.1) and hands the message to the worker owning its Call-ID.
    private func route(_ message: SIPMessage, from peer: SIPPeer) {
        var message = message
        if message.isRequest { ViaReception.stamp(&message, source: peer.remote) }
        let owner = CallIDPartition.worker(for: message, workerCount: shared.workerCount)
        if owner == index {
            process(message, from: peer)
        } else {
            shared.worker(owner).enqueue(message, from: peer)
        }
    }

    /// At most this many messages wait to be handed to one worker; beyond it they are dropped
    /// (UDP senders retransmit) and counted, so a flood hashed to one worker cannot grow memory.
    static let maxPendingHandOffs = 65_536

    /// Hands a message to this worker from another one.
    func enqueue(_ message: SIPMessage, from peer: SIPPeer) {
        guard pendingHandOffs.add(1, ordering: .relaxed).newValue <= Self.maxPendingHandOffs else {
            pendingHandOffs.subtract(1, ordering: .relaxed)
            shared.metrics.refusal(reason: "queue_full")
            logger.debug("dropped a message: worker queue full", metadata: ["peer": "\(peer)"])
            return
        }
        queue.async {
            self.pendingHandOffs.subtract(1, ordering: .relaxed)
            self.process(message, from: peer)
        }
    }

    /// Runs `body` on this worker's queue (reloads, shutdown, tests).
    func perform(_ body: @escaping @Sendable (Worker) -> Void) {
        queue.async { body(self) }
    }

    // MARK: Processing

    func process(_ message: SIPMessage, from peer: SIPPeer) {
        let now = MonotonicClock.now()
        if message.isRequest {
            shared.metrics.requestReceived(message.method)
            pendingRejection = message.validate(settings.validationPolicy)
            if let rejection = pendingRejection, rejection.kind == .syntax || message.method == .ack {
                // No transaction can be keyed on a request whose Via, CSeq or Call-ID do not
                // read: answer statelessly (§8.2; ACK is never answered, §17.2.3).
                pendingRejection = nil
                shared.metrics.parseError(kind: "invalid")
                logger.debug("rejected request", metadata: ["peer": "\(peer)", "code": "\(rejection.statusCode)", "reason": "\(rejection.reason)"])
                if message.method != .ack {
                    transmit(message.makeResponse(statusCode: rejection.statusCode, reason: rejection.reason,
                                                  toTag: tokens.token(), headers: rejection.headers),
                             to: peer, transaction: nil, now: now)
                }
                return
            }
            if overloaded, pendingRejection == nil, isNewWork(message) {
                shared.metrics.refusal(reason: "overload")
                overloadEpisode?.refused += 1
                transmit(message.makeResponse(statusCode: 503, reason: "Service Unavailable (overloaded)",
                                              toTag: TransactionTable<SIPPeer>.statelessToTag(for: message),
                                              headers: [(.retryAfter, "\(settings.retryAfterSeconds)")]),
                         to: peer, transaction: nil, now: now)
                return
            }
            if pendingRejection == nil, !draining,
               let answer = transactionUser.answerStatelessly(message, from: peer, at: now) {
                transmit(answer, to: peer, transaction: nil, now: now)
                return
            }
            apply(table.receiveRequest(message, from: peer, reliableTransport: peer.transport.isReliable, at: now),
                  now: now, retransmitting: true)
            pendingRejection = nil
        } else {
            shared.metrics.responseReceived(message.statusCode ?? 0)
            do {
                try message.validateSyntax()
            } catch {
                shared.metrics.parseError(kind: "invalid")
                logger.debug("dropped malformed response", metadata: ["peer": "\(peer)", "reason": "\(error.reason)"])
                return
            }
            apply(table.receiveResponse(message, from: peer, at: now), now: now, retransmitting: false)
        }
    }

    /// Answers bytes that are not a SIP message when their head says where to (400/513), else
    /// drops them; either way the log says why.
    private func reject(unparseable bytes: [UInt8], error: SIPParseError, from peer: SIPPeer) {
        shared.metrics.parseError(kind: error.statusCode == 400 ? "invalid" : "reject")
        var relaxed = settings.parserLimits
        relaxed.maxMessageBytes = max(relaxed.maxMessageBytes, bytes.count)
        guard let head = try? SIPMessage(parsingHeadOf: bytes, limits: relaxed), head.isRequest,
              head.method != .ack, (try? head.topVia()) != nil, (try? head.cseq()) != nil else {
            logger.debug("dropped unparseable message", metadata: ["peer": "\(peer)", "bytes": "\(bytes.count)", "reason": "\(error.reason)"])
            return
        }
        var request = head
        ViaReception.stamp(&request, source: peer.remote)
        logger.debug("rejected request", metadata: ["peer": "\(peer)", "code": "\(error.statusCode)", "reason": "\(error.reason)"])
        transmit(request.makeResponse(statusCode: error.statusCode, reason: error.reason, toTag: tokens.token()),
                 to: peer, transaction: nil, now: MonotonicClock.now())
    }

    /// Performs what the transaction table asks, in order.
    func apply(_ outputs: [TransactionTableOutput<SIPPeer>], now: Instant, retransmitting: Bool) {
        var deliveredRequest = false
        for output in outputs {
            switch output {
            case .send(let message, let peer, let transaction):
                transmit(message, to: peer, transaction: transaction, now: now)
            case .request(let request, let peer, let transaction):
                deliveredRequest = true
                handleNewRequest(request, from: peer, transaction: transaction, now: now)
            case .response(let response, let transaction):
                deliver(.response(response, transaction: transaction), now: now)
            case .strayAck(let ack, let peer):
                deliver(.strayAck(ack, from: peer), now: now)
            case .strayResponse(let response, let peer):
                deliver(.strayResponse(response, from: peer), now: now)
            case .startTimer(let timer, let delay, let transaction):
                arm(TimerKey(transaction: transaction, timer: timer), after: delay, now: now)
            case .cancelTimer(let timer, let transaction):
                disarm(TimerKey(transaction: transaction, timer: timer))
            case .timedOut(let transaction):
                logger.debug("transaction timed out", metadata: ["transaction": "\(transaction)"])
                deliver(.timedOut(transaction), now: now)
            case .transportFailed(let transaction):
                deliver(.transportFailed(transaction), now: now)
            case .terminated(let transaction):
                if let tokens = armed.removeValue(forKey: transaction) {
                    for token in tokens.tokens { wheel.cancel(token) }
                }
            case .rejected(let message, let peer, let reason):
                shared.metrics.refusal(reason: "table_full")
                logger.warning("refused request", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
                transmit(message, to: peer, transaction: nil, now: now)
            }
        }
        if retransmitting && !deliveredRequest && outputs.contains(where: { if case .send = $0 { true } else { false } }) {
            shared.metrics.retransmission()
        }
    }

    private func handleNewRequest(_ request: SIPMessage, from peer: SIPPeer, transaction: TransactionID, now: Instant) {
        if let rejection = pendingRejection {
            pendingRejection = nil
            shared.metrics.parseError(kind: "reject")
            logger.debug("rejected request", metadata: ["peer": "\(peer)", "code": "\(rejection.statusCode)", "reason": "\(rejection.reason)"])
            let response = request.makeResponse(statusCode: rejection.statusCode, reason: rejection.reason,
                                                toTag: tokens.token(), headers: rejection.headers)
            apply(table.respond(response, transaction: transaction, at: now), now: now, retransmitting: false)
            return
        }
        if draining && request.method != .ack && request.method != .cancel {
            let response = request.makeResponse(statusCode: 503, reason: "Service Unavailable (shutting down)",
                                                toTag: tokens.token(),
                                                headers: [(.retryAfter, "\(settings.retryAfterSeconds)")])
            apply(table.respond(response, transaction: transaction, at: now), now: now, retransmitting: false)
            return
        }
        let cancels = request.method == .cancel ? table.inviteTransaction(cancelledBy: request) : nil
        deliver(.request(request, from: peer, transaction: transaction, cancels: cancels), now: now)
    }

    /// Hands an event to the transaction user and performs what it asks.
    private func deliver(_ event: TransactionUserEvent<SIPPeer>, now: Instant) {
        performUserActions(transactionUser.handle(event, at: now), now: now)
    }

    /// Hands an asynchronous service's answer (billing) to the transaction user, on this worker's
    /// queue, and performs what it asks.
    func deliver(serviceAnswer: any Sendable) {
        queue.async {
            guard let taker = self.transactionUser as? any ServiceAnswerTaking else { return }
            let now = MonotonicClock.now()
            self.performUserActions(taker.handle(serviceAnswer: serviceAnswer, at: now), now: now)
        }
    }

    /// Performs the transaction user's actions.
    private func performUserActions(_ actions: [TransactionUserAction<SIPPeer>], now: Instant) {
        for action in actions {
            switch action {
            case .respond(let response, let transaction):
                apply(table.respond(response, transaction: transaction, at: now), now: now, retransmitting: false)
            case .respondStatelessly(let response, let transaction):
                guard let peer = table.peer(of: transaction) else { continue }
                transmit(response, to: peer, transaction: nil, now: now)
                apply(table.discard(transaction), now: now, retransmitting: false)
            case .sendRequest(let request, let target), .sendRequestKeepingTransport(let request, let target):
                let keep: Bool
                if case .sendRequestKeepingTransport = action { keep = true } else { keep = false }
                let (message, peer) = prepareOutgoing(request, to: target, keepingTransport: keep)
                let (_, outputs) = table.sendRequest(message, to: peer, reliableTransport: peer.transport.isReliable, at: now)
                apply(outputs, now: now, retransmitting: false)
            case .sendStateless(let message, let peer):
                if message.isRequest {
                    let (prepared, preparedPeer) = prepareOutgoing(message, to: peer)
                    transmit(prepared, to: preparedPeer, transaction: nil, now: now)
                } else {
                    transmit(message, to: peer, transaction: nil, now: now)
                }
            case .note(let line):
                logger.notice("\(line)")
            case .cancelClientTransaction(let invite):
                guard let request = table.request(of: invite), let peer = table.peer(of: invite) else { continue }
                let (_, outputs) = table.sendRequest(request.makeCancel(), to: peer,
                                                     reliableTransport: peer.transport.isReliable, at: now)
                apply(outputs, now: now, retransmitting: false)
            case .startTimer(let timer, let delay):
                if let old = userTimers.updateValue(wheel.schedule(.user(timer), at: now + delay), forKey: timer) {
                    wheel.cancel(old)
                }
            case .cancelTimer(let timer):
                if let token = userTimers.removeValue(forKey: timer) { wheel.cancel(token) }
            }
        }
    }

    // MARK: Output

    /// §18.1.1 for a request the transaction user sends: UDP or TCP by size, the top Via's
    /// transport and sent-by to match.
    private func prepareOutgoing(_ request: SIPMessage, to target: SIPPeer, keepingTransport: Bool = false) -> (SIPMessage, SIPPeer) {
        // Over the MTU a UDP target is reached by TCP, when there is a TCP listening point to
        // name in the Via (and the TU did not pin the transport); otherwise it stays on UDP.
        var peer = target
        let tcpListener = shared.listenerIndex(for: .tcp, family: target.remote.family)
        let transport = TransportSelection.transport(forRequestOf: request.serializedCount, preferred: target.transport,
                                                     udpMTUBytes: tcpListener == nil || keepingTransport
                                                         ? Int.max : settings.udpMTUBytes)
        if transport != target.transport, let tcpListener {
            peer.transport = transport
            peer.connectionID = nil
            peer.listenerIndex = tcpListener
        }
        let message = OutgoingRequest.prepare(request, transport: peer.transport, sentBy: sentBy(toward: peer),
                                              branchSuffix: tokens.token())
        return (message, peer)
    }

    private func sentBy(toward target: SIPPeer) -> String { shared.addresses.sentBy(toward: target) }

    /// Sends a message (§18.1.1 requests, §18.2.2 responses); a failure goes back to its
    /// transaction as a transport error.
    func transmit(_ message: SIPMessage, to peer: SIPPeer, transaction: TransactionID?, now: Instant) {
        let bytes = message.serialized()
        if message.isRequest { shared.metrics.requestSent(message.method) } else { shared.metrics.responseSent(message.statusCode ?? 0) }
        let failure: String?
        switch peer.transport {
        case .udp:
            let destination = message.isResponse ? (ResponseRouting.destination(of: message) ?? peer.remote) : peer.remote
            if let socket = udpSocket(for: peer, destination: destination) {
                if udpSendsHeld {
                    outbox(for: socket).append(bytes, to: destination, context: HeldSend(transaction: transaction, peer: peer))
                    return
                }
                failure = socket.send(bytes, to: destination).map(\.description)
            } else {
                failure = "no UDP socket for \(destination.family == .ipv4 ? "IPv4" : "IPv6")"
            }
        case .tcp:
            failure = sendOverTCP(bytes, message: message, to: peer, now: now)
        }
        guard let failure else { return }
        reportSendFailure(failure, peer: peer, transaction: transaction, now: now)
    }

    /// A message that could not be sent: logged, and a transport error for its transaction
    /// (§17.1.4, §17.2.4).
    private func reportSendFailure(_ failure: String, peer: SIPPeer, transaction: TransactionID?, now: Instant) {
        logger.info("send failed", metadata: ["peer": "\(peer)", "error": "\(failure)"])
        if let transaction {
            apply(table.transportError(transaction: transaction, at: now), now: now, retransmitting: false)
        }
    }

    /// Runs `handleBatch` (the handling of one batch of received datagrams) with UDP sends held
    /// in `outboxes`, then sends them, one sendmmsg(2) per socket for up to 64.
    func holdingUDPSends(queueDelay: Duration?, _ handleBatch: () -> Void) {
        noteOverload(queueDelay: queueDelay)
        udpSendsHeld = true
        handleBatch()
        udpSendsHeld = false
        overloaded = false
        for outbox in outboxes where !outbox.isEmpty {
            let failures = outbox.flush()
            guard !failures.isEmpty else { continue }
            let now = MonotonicClock.now()
            for (held, error) in failures {
                reportSendFailure(error.description, peer: held.peer, transaction: held.transaction, now: now)
            }
        }
    }

    /// Whether the batch about to be handled waited too long (`WorkerSettings.overloadQueueDelay`).
    /// The log has one line when refusing begins and one when no batch has been late for a
    /// second, with how many requests were refused meanwhile (not a line per batch).
    private func noteOverload(queueDelay: Duration?) {
        guard let limit = settings.overloadQueueDelay, let queueDelay else { return }
        overloaded = queueDelay > limit
        let now = MonotonicClock.now()
        if overloaded {
            lastLateBatch = now
            if overloadEpisode == nil {
                overloadEpisode = (since: now, refused: 0)
                logger.notice("overloaded: refusing new requests with 503", metadata: [
                    "worker": "\(index)", "queueDelayMilliseconds": "\(queueDelay / .milliseconds(1))"])
            }
        } else {
            endOverloadEpisodeIfQuiet(at: now)
        }
    }

    /// Ends the overload episode in the log once no batch has been late for a second (called for
    /// each batch, and by the timer tick for when the traffic stops).
    private func endOverloadEpisodeIfQuiet(at now: Instant) {
        guard let episode = overloadEpisode, now.nanoseconds - lastLateBatch.nanoseconds > 1_000_000_000 else { return }
        overloadEpisode = nil
        logger.notice("no longer overloaded: taking new requests again", metadata: [
            "worker": "\(index)", "refused": "\(episode.refused)",
            "forMilliseconds": "\((lastLateBatch.nanoseconds - episode.since.nanoseconds) / 1_000_000)"])
    }

    /// New work, which an overloaded worker refuses: a request outside any dialog (no To tag)
    /// that starts something (not ACK or CANCEL) and is not a retransmission of a request whose
    /// transaction is open. Calls in progress (their ACK, BYE, re-INVITE) and open transactions
    /// are still served, so that what was taken on is finished.
    private func isNewWork(_ request: SIPMessage) -> Bool {
        guard request.method != .ack, request.method != .cancel, (try? request.to())??.tag == nil else { return false }
        guard let id = TransactionID(serverRequest: request) else { return true }
        return !table.contains(id)
    }

    private func outbox(for socket: UDPSocket) -> DatagramOutbox<HeldSend> {
        if let outbox = outboxes.first(where: { $0.socket === socket }) { return outbox }
        let outbox = DatagramOutbox<HeldSend>(socket: socket)
        outboxes.append(outbox)
        return outbox
    }

    private func udpSocket(for peer: SIPPeer, destination: SocketAddress) -> UDPSocket? {
        if let socket = udpSockets[peer.listenerIndex], socket.localAddress.family == destination.family { return socket }
        return udpSockets.values.first { $0.localAddress.family == destination.family }
    }

    /// TCP: the connection the request came on; else one open to the destination; else a new
    /// one (§18.2.2: to `received` at the sent-by port for a response).
    private func sendOverTCP(_ bytes: [UInt8], message: SIPMessage, to peer: SIPPeer, now: Instant) -> String? {
        let connections = shared.connections
        if let id = peer.connectionID, let connection = connections.connection(id: id), connection.send(bytes) {
            return nil
        }
        // The connection is gone (or going): a request fails over to a new one to the peer, a
        // response to `received` at the sent-by port (§18.2.2).
        let destination: SocketAddress
        if message.isResponse {
            guard let routed = ResponseRouting.destination(of: message, reliable: true) else { return "response has no routable Via" }
            destination = routed
        } else {
            destination = peer.remote
        }
        if let connection = connections.connection(to: destination) {
            return connection.send(bytes) ? nil : "connection to \(destination) is closed"
        }
        switch shared.openConnection(to: destination, listenerIndex: peer.listenerIndex, from: self, now: now) {
        case .success(let connection): return connection.send(bytes) ? nil : "connection to \(destination) failed"
        case .failure(let refusal): return refusal.description
        }
    }

    // MARK: Timers

    // Updated in place (`TransactionMap.update`); an entry is removed when its last timer goes.
    private func arm(_ key: TimerKey, after delay: Duration, now: Instant) {
        let token = wheel.schedule(.transaction(key), at: now + delay)
        let replaced = armed.update(key.transaction) { $0.set(key.timer, token) }
        if let old = replaced ?? nil {
            wheel.cancel(old)
        } else if replaced == nil {
            var tokens = ArmedTimerTokens<TimerWheel<WheelEntry>.Token>()
            _ = tokens.set(key.timer, token)
            armed[key.transaction] = tokens
        }
    }

    private func disarm(_ key: TimerKey) {
        if let token = forget(key) { wheel.cancel(token) }
    }

    /// Removes `key` from the armed timers; returns its token.
    @discardableResult
    private func forget(_ key: TimerKey) -> TimerWheel<WheelEntry>.Token? {
        guard let (token, empty) = armed.update(key.transaction, { tokens in (tokens.remove(key.timer), tokens.isEmpty) }) else {
            return nil
        }
        if empty { armed[key.transaction] = nil }
        return token
    }

    private func tick() {
        let now = MonotonicClock.now()
        endOverloadEpisodeIfQuiet(at: now)
        for entry in wheel.advance(to: now) {
            guard case .transaction(let key) = entry else {
                if case .user(let timer) = entry, userTimers.removeValue(forKey: timer) != nil {
                    deliver(.timerFired(timer), now: now)
                }
                continue
            }
            forget(key)
            let outputs = table.timerFired(key.timer, transaction: key.transaction, at: now)
            if outputs.contains(where: { if case .send = $0 { true } else { false } }) { shared.metrics.retransmission() }
            apply(outputs, now: now, retransmitting: false)
        }
        if now - lastSweep >= .seconds(1) {
            lastSweep = now
            shared.metrics.setTransactionsAlive(worker: index, count: table.count)
            shared.metrics.setQueueDepth(worker: index, depth: pendingHandOffs.load(ordering: .relaxed))
            sweepIdleConnections(now: now)
        }
    }

    private func sweepIdleConnections(now: Instant) {
        let idleNanoseconds = settings.tcpIdleTimeout.components.seconds * 1_000_000_000
        for connection in shared.connections.all where connection.queue === queue {
            if now.nanoseconds - connection.lastActivity > idleNanoseconds { connection.close(.idle) }
        }
    }

    /// Transactions alive on this worker (read on its queue).
    var transactionCount: Int { table.count }

    /// Transactions of this worker still waiting for a final response (read on its queue).
    var unfinishedTransactionCount: Int { table.awaitingFinalResponseCount }
}

extension Worker {
    /// New settings (reload): they apply to transactions and messages from now on.
    func applySettings(_ newSettings: WorkerSettings) {
        settings = newSettings
        table.timers = newSettings.timers
        table.capacity = newSettings.maxTransactions
        table.retryAfterSeconds = newSettings.retryAfterSeconds
    }
}
