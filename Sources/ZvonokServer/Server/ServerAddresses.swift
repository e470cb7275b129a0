import Synchronization
import SIPCore
import SIPTransport

/// The server's own addresses as the transaction users need them (RFC 3261 §16.4 "is this Route
/// mine?", §16.3 loop detection, §16.6 Record-Route, §18.1.1 sent-by): the bound listening
/// points and the advertised address (behind NAT), which a reload may change.
public final class ServerAddresses: Sendable {
    private let state = Mutex<(bound: [ListenAddress], advertised: String?)>(([], nil))
    /// Hosts found to be (or not to be) this machine's, for listening points bound to a wildcard.
    private let localHostCache = Mutex<[String: Bool]>([:])

    init(advertised: String?) {
        state.withLock { $0.advertised = advertised }
    }

    func setBound(_ bound: [ListenAddress]) { state.withLock { $0.bound = bound } }
    func setAdvertised(_ advertised: String?) { state.withLock { $0.advertised = advertised } }

    public var bound: [ListenAddress] { state.withLock { $0.bound } }
    public var advertised: String? { state.withLock { $0.advertised } }

    /// The first listening point with `transport` in `family`.
    public func listenerIndex(for transport: TransportKind, family: SocketAddress.Family) -> Int? {
        bound.firstIndex { $0.transport == transport && $0.address.family == family }
    }

    /// `host:port` for a Via sent-by or a Record-Route toward `peer`: the advertised address, else
    /// the listening point's address (the local address toward the peer when it is bound to a
    /// wildcard).
    public func sentBy(toward peer: SIPPeer) -> String {
        let (bound, advertised) = state.withLock { ($0.bound, $0.advertised) }
        if let advertised { return advertised }
        guard bound.indices.contains(peer.listenerIndex) else {
            return SocketAddress.localAddress(toward: peer.remote)?.hostText ?? "invalid"
        }
        let address = bound[peer.listenerIndex].address
        guard address.isWildcard else { return address.description }
        let local = SocketAddress.localAddress(toward: peer.remote) ?? address
        return local.withPort(address.port).description
    }

    /// The Record-Route URI facing `peer` (§16.6 step 4): `sip:host:port;lr`, with
    /// `;transport=tcp` for TCP.
    public func recordRouteURI(facing peer: SIPPeer) -> String {
        "sip:\(sentBy(toward: peer))" + (peer.transport == .tcp ? ";transport=tcp" : "") + ";lr"
    }

    /// Whether `host` (`192.0.2.1`, `[::1]`) and `port` (nil: 5060) name this server: a listening
    /// point, a local address on a wildcard listening point's port, or the advertised address.
    public func isOwn(host: String, port: UInt16?) -> Bool {
        let port = port ?? 5060
        let (bound, advertised) = state.withLock { ($0.bound, $0.advertised) }
        if let advertised, advertised.lowercased() == "\(host.lowercased()):\(port)"
            || (port == 5060 && advertised.lowercased() == host.lowercased()) {
            return true
        }
        guard let address = SocketAddress(ip: host, port: port) else { return false }
        for point in bound where point.address.port == port && point.address.family == address.family {
            if point.address == address { return true }
            if point.address.isWildcard && isLocalHost(address) { return true }
        }
        return false
    }

    /// Whether `address` is one of this machine's: the kernel's source toward it is itself.
    private func isLocalHost(_ address: SocketAddress) -> Bool {
        if address.isLoopback { return true }
        let key = address.hostText
        if let known = localHostCache.withLock({ $0[key] }) { return known }
        let isLocal = SocketAddress.localAddress(toward: address.withPort(9))?.hostText == key
        localHostCache.withLock { cache in
            if cache.count > 1024 { cache.removeAll() }
            cache[key] = isLocal
        }
        return isLocal
    }
}
