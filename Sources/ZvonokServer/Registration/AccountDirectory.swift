import Dispatch
import Logging
import Synchronization
import Registrar

/// The account cache (ARCHITECTURE "Workers and threads": a shared read-mostly table): every
/// account in memory, so that a worker authenticating a REGISTER or an INVITE never waits for
/// the database. Every `refreshInterval`, on a queue of its own, it reads the store's revision (one
/// row) and reloads the accounts only when it moved, so accounts that `zvonokctl` adds, disables or
/// re-passwords take effect within that interval without a restart, and an idle server does not
/// reread its whole table.
final class AccountDirectory: @unchecked Sendable {
    private struct Snapshot: Sendable {
        var byName: [String: Account] = [:]
        var byPhone: [String: Account] = [:]
    }

    private let store: any AccountStore
    private let logger: Logger
    private let snapshot = Mutex(Snapshot())
    /// The store revision the snapshot was read at (touched on `queue` and in `init` only).
    private let loadedRevision = Mutex<Int64?>(nil)
    private let queue = DispatchQueue(label: "zvonok.accounts", qos: .utility)
    /// Set by `start`, cleared by `stop`, both called by the daemon in order (hence `@unchecked`).
    private var timer: DispatchSourceTimer?

    /// Loads every account once; throws when the store cannot be read at all.
    init(store: any AccountStore, logger: Logger) throws {
        self.store = store
        self.logger = logger
        try load(revision: try store.revision())
    }

    /// Reloads every `interval` until `stop`.
    func start(refreshInterval: DispatchTimeInterval = .seconds(1)) {
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + refreshInterval, repeating: refreshInterval, leeway: .milliseconds(200))
        source.setEventHandler { [weak self] in
            guard let self else { return }
            do {
                let revision = try self.store.revision()
                guard revision != self.loadedRevision.withLock({ $0 }) else { return }
                try self.load(revision: revision)
            } catch {
                self.logger.error("cannot reload accounts; keeping the previous ones", metadata: ["error": "\(error)"])
            }
        }
        timer = source
        source.resume()
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }

    func account(username: String) -> Account? { snapshot.withLock { $0.byName[username] } }
    func account(phoneNumber: String) -> Account? { snapshot.withLock { $0.byPhone[phoneNumber] } }
    var count: Int { snapshot.withLock { $0.byName.count } }

    /// Rereads every account; `revision` is the store's, read before them (a change made in
    /// between only causes one more reload).
    private func load(revision: Int64) throws {
        var fresh = Snapshot()
        for account in try store.accounts() {
            fresh.byName[account.username] = account
            if let phone = account.phoneNumber { fresh.byPhone[phone] = account }
        }
        snapshot.withLock { $0 = fresh }
        loadedRevision.withLock { $0 = revision }
    }
}
