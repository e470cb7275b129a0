#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Logging
import Synchronization
import Registrar
import SIPCore
import SIPTransport

/// The registrar (RFC 3261 §10.3) and digest authentication (§22, RFC 7616/8760) shared by every
/// worker: one `RegistrarCore` behind a lock, since a REGISTER and the INVITE that looks its
/// binding up may land on different workers (they have different Call-IDs), and a nonce's count
/// must be checked in one place whichever worker sees it. Held for microseconds per request: a
/// digest check and a dictionary update. Accounts come from the `AccountDirectory` cache;
/// binding changes are written to the `BindingStore` on a queue of their own, in order, so a
/// worker never waits for the database. The wall clock (Unix seconds) is read here, at the edge.
final class RegistrarService: @unchecked Sendable {
    private let core: Mutex<RegistrarCore<SIPPeer>>
    let accounts: AccountDirectory
    let domain: String
    let realm: String
    private let store: (any BindingStore)?
    private let storeQueue = DispatchQueue(label: "zvonok.bindings", qos: .utility)
    /// Changes waiting for the store, oldest first (see `persist`).
    private let pendingChanges = Mutex<[BindingChange<String>]>([])
    /// Set by `startSweeping`, cleared by `stop`, both called by the daemon in order (hence `@unchecked`).
    private var sweepTimer: DispatchSourceTimer?
    private let logger: Logger
    /// How long a binding change may wait to be written with the ones that follow it.
    static let flushDelay = DispatchTimeInterval.milliseconds(200)

    init(core: RegistrarCore<SIPPeer>, accounts: AccountDirectory, store: (any BindingStore)?, logger: Logger) {
        self.core = Mutex(core)
        self.domain = core.domain
        self.realm = core.verifier.realm
        self.accounts = accounts
        self.store = store
        self.logger = logger
    }

    static func unixNow() -> Int64 { Int64(time(nil)) }

    /// Reads the stored bindings back (at start). Bindings over TCP are dropped (their connections
    /// did not survive the restart; RFC 5626 in spirit), as are expired ones and any that do not
    /// read; the dropped ones are deleted from the store.
    func loadBindings() throws {
        guard let store else { return }
        let now = Self.unixNow()
        var live: [Binding<SIPPeer>] = []
        var dropped: [BindingChange<String>] = []
        for stored in try store.loadBindings() {
            if stored.expiresAtUnixSeconds > now, let peer = SIPPeer(storageText: stored.peer), peer.transport == .udp {
                live.append(Binding(username: stored.username, contact: stored.contact, qThousandths: stored.qThousandths,
                                    expiresAtUnixSeconds: stored.expiresAtUnixSeconds, callID: stored.callID,
                                    cseq: stored.cseq, peer: peer))
            } else {
                dropped.append(.remove(username: stored.username, contact: stored.contact))
            }
        }
        core.withLock { $0.load(live) }
        try store.apply(dropped)
        logger.info("bindings loaded", metadata: ["live": "\(live.count)", "dropped": "\(dropped.count)"])
    }

    /// Removes expired bindings every `interval` (lookups already skip them; this frees memory and
    /// the store's rows).
    func startSweeping(every interval: DispatchTimeInterval = .seconds(15)) {
        let source = DispatchSource.makeTimerSource(queue: storeQueue)
        source.schedule(deadline: .now() + interval, repeating: interval, leeway: .seconds(1))
        source.setEventHandler { [weak self] in
            guard let self else { return }
            let now = Self.unixNow()
            self.persist(self.core.withLock { $0.expire(at: now) })
        }
        sweepTimer = source
        source.resume()
    }

    func stop() {
        sweepTimer?.cancel()
        sweepTimer = nil
        storeQueue.sync { flush() }  // write what is still queued
    }

    /// New registrar limits and ban settings (SIGHUP).
    func reconfigure(policy: RegistrarPolicy, maxFailures: Int, windowSeconds: Int64, banSeconds: Int64) {
        core.withLock {
            $0.policy = policy
            $0.updateThrottle(maxFailures: maxFailures, windowSeconds: windowSeconds, banSeconds: banSeconds)
        }
    }

    /// Answers a REGISTER (§10.3) as a stateless UAS (§8.2.7): the To tag is the request's
    /// fingerprint, so a retransmission gets the same tag, and is recognised as one.
    func register(_ request: SIPMessage, from peer: SIPPeer, nonceRandom: UInt64) -> SIPMessage {
        let now = Self.unixNow()
        let accounts = self.accounts
        let fingerprint = request.fingerprint(from: peer)
        let outcome = core.withLock {
            $0.register(request, from: peer, source: peer.remote.ipText, lookup: accounts.account(username:), now: now,
                        nonceRandom: nonceRandom, toTag: String(fingerprint, radix: 36), fingerprint: fingerprint)
        }
        if let note = outcome.note { logger.notice("\(note)") }
        persist(outcome.changes)
        return outcome.response
    }

    /// Digest authentication of a request the proxy serves (407, §22.3).
    func authenticate(_ request: SIPMessage, from peer: SIPPeer, toTag: String, nonceRandom: UInt64) -> AuthenticationResult {
        let now = Self.unixNow()
        let accounts = self.accounts
        return core.withLock {
            $0.authenticate(request, asProxy: true, source: peer.remote.ipText, lookup: accounts.account(username:), now: now,
                            nonceRandom: nonceRandom, toTag: toTag)
        }
    }

    func bindings(for username: String) -> [Binding<SIPPeer>] {
        let now = Self.unixNow()
        return core.withLock { $0.location.bindings(for: username, at: now) }
    }

    func binding(forContact uri: SIPURI) -> Binding<SIPPeer>? {
        let now = Self.unixNow()
        return core.withLock { $0.location.binding(forContact: uri, at: now) }
    }

    /// A TCP connection closed: the bindings reached through it go.
    func connectionClosed(_ peer: SIPPeer) {
        let removed = core.withLock { $0.connectionClosed(peer) }
        if !removed.isEmpty {
            logger.info("bindings removed: their TCP connection closed",
                        metadata: ["peer": "\(peer)", "bindings": "\(removed.count)"])
        }
        persist(removed)
    }

    /// Registered users and bindings, for metrics and tests.
    var counts: (users: Int, bindings: Int) { core.withLock { ($0.location.userCount, $0.location.bindingCount) } }

    /// Queues binding changes for the store. They are written in batches, one database
    /// transaction per batch, `flushDelay` after the first change of a batch: under load a batch
    /// holds every REGISTER of that interval, so the database costs a few commits a second, not
    /// one per REGISTER (Kamailio's usrloc write-back mode, with a shorter timer). A crash loses
    /// at most that interval's changes, which the devices' next REGISTERs restore; a stop writes
    /// them first.
    private func persist(_ changes: [BindingChange<SIPPeer>]) {
        guard store != nil, !changes.isEmpty else { return }
        let stored = changes.map { change -> BindingChange<String> in
            switch change {
            case .upsert(let b):
                .upsert(Binding(username: b.username, contact: b.contact, qThousandths: b.qThousandths,
                                expiresAtUnixSeconds: b.expiresAtUnixSeconds, callID: b.callID, cseq: b.cseq,
                                peer: b.peer.storageText))
            case .remove(let username, let contact):
                .remove(username: username, contact: contact)
            }
        }
        let startFlush = pendingChanges.withLock { pending -> Bool in
            let wasEmpty = pending.isEmpty
            pending += stored
            return wasEmpty
        }
        if startFlush { storeQueue.asyncAfter(deadline: .now() + Self.flushDelay) { self.flush() } }
    }

    /// Writes every queued change (on `storeQueue`).
    private func flush() {
        guard let store else { return }
        let batch = pendingChanges.withLock { pending -> [BindingChange<String>] in
            defer { pending = [] }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try store.apply(batch)
        } catch {
            logger.error("cannot store binding changes", metadata: ["error": "\(error)", "changes": "\(batch.count)"])
        }
    }

}
