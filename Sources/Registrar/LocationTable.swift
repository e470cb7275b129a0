/// The location service (RFC 3261 §10, §16.5): the bindings of every address-of-record, in
/// memory for lookups. Pure; the registrar changes it and reports each change for storage.
public struct LocationTable<Peer: Sendable & Hashable>: Sendable {
    private var byUser: [String: [Binding<Peer>]] = [:]

    public init() {}

    /// Every user with at least one binding.
    public var userCount: Int { byUser.count }
    public var bindingCount: Int { byUser.values.reduce(0) { $0 + $1.count } }

    /// The live bindings of `username` at `now`, highest q first (no q counts as 1.0), then the
    /// most recently registered first.
    public func bindings(for username: String, at now: Int64) -> [Binding<Peer>] {
        (byUser[username] ?? []).filter { $0.expiresAtUnixSeconds > now }
            .sorted { ($0.qThousandths ?? 1000, $0.expiresAtUnixSeconds) > ($1.qThousandths ?? 1000, $1.expiresAtUnixSeconds) }
    }

    /// All bindings of `username`, expired or not (the registrar's step 7 compares with them).
    func allBindings(for username: String) -> [Binding<Peer>] { byUser[username] ?? [] }

    mutating func replace(_ username: String, with bindings: [Binding<Peer>]) {
        byUser[username] = bindings.isEmpty ? nil : bindings
    }

    /// Loads bindings read back from storage at start.
    public mutating func load(_ bindings: [Binding<Peer>]) {
        for binding in bindings { byUser[binding.username, default: []].append(binding) }
    }

    /// Removes the bindings that have expired at `now`; returns the removals for storage.
    public mutating func expire(at now: Int64) -> [BindingChange<Peer>] {
        var removed: [BindingChange<Peer>] = []
        for (user, bindings) in byUser {
            let live = bindings.filter { $0.expiresAtUnixSeconds > now }
            guard live.count != bindings.count else { continue }
            for gone in bindings where gone.expiresAtUnixSeconds <= now {
                removed.append(.remove(username: user, contact: gone.contact))
            }
            byUser[user] = live.isEmpty ? nil : live
        }
        return removed
    }

    /// Removes every binding that reaches its user through `peer` (a TCP connection that closed).
    public mutating func remove(reachedThrough peer: Peer) -> [BindingChange<Peer>] {
        var removed: [BindingChange<Peer>] = []
        for (user, bindings) in byUser where bindings.contains(where: { $0.peer == peer }) {
            for gone in bindings where gone.peer == peer { removed.append(.remove(username: user, contact: gone.contact)) }
            let left = bindings.filter { $0.peer != peer }
            byUser[user] = left.isEmpty ? nil : left
        }
        return removed
    }
}
