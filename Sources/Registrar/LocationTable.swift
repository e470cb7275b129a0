import SIPCore

/// The location service (RFC 3261 §10, §16.5): the bindings of every address-of-record, in
/// memory for lookups. Pure; the registrar changes it and reports each change for storage.
public struct LocationTable<Peer: Sendable & Hashable>: Sendable {
    private var byUser: [String: [Binding<Peer>]] = [:]
    /// Contact key (`ContactKey`) → the user whose binding it is: the proxy finds the device an
    /// in-dialog request's Request-URI (a Contact) names, to reach it where its REGISTER came from.
    private var ownerByContact: [String: String] = [:]

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

    /// The live binding whose contact names the same device as `uri` (user, host and port), if any.
    public func binding(forContact uri: SIPURI, at now: Int64) -> Binding<Peer>? {
        let key = Self.contactKey(uri)
        guard let user = ownerByContact[key] else { return nil }
        return byUser[user]?.first { $0.expiresAtUnixSeconds > now && $0.deviceKey == key }
    }

    mutating func replace(_ username: String, with bindings: [Binding<Peer>]) {
        for old in byUser[username] ?? [] { ownerByContact[old.deviceKey] = nil }
        byUser[username] = bindings.isEmpty ? nil : bindings
        for binding in bindings { ownerByContact[binding.deviceKey] = username }
    }

    /// Loads bindings read back from storage at start.
    public mutating func load(_ bindings: [Binding<Peer>]) {
        for binding in bindings {
            byUser[binding.username, default: []].append(binding)
            ownerByContact[binding.deviceKey] = binding.username
        }
    }

    /// `user@host:port`, the host lower-cased, the port 5060 when absent: what identifies a device
    /// across the small differences between a REGISTER's Contact and a dialog's (parameters).
    static func contactKey(_ uri: SIPURI) -> String {
        "\(uri.user?.string ?? "")@\(uri.host.string.lowercased()):\(uri.port ?? 5060)"
    }

    static func contactKey(text: String) -> String {
        guard let uri = (try? URI(parsing: text))?.sipURI else { return text }
        return contactKey(uri)
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
            replace(user, with: live)
        }
        return removed
    }

    /// Removes every binding that reaches its user through `peer` (a TCP connection that closed).
    public mutating func remove(reachedThrough peer: Peer) -> [BindingChange<Peer>] {
        var removed: [BindingChange<Peer>] = []
        for (user, bindings) in byUser where bindings.contains(where: { $0.peer == peer }) {
            for gone in bindings where gone.peer == peer { removed.append(.remove(username: user, contact: gone.contact)) }
            replace(user, with: bindings.filter { $0.peer != peer })
        }
        return removed
    }
}
