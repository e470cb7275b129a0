import Proxy
import Registrar
import SIPCore
import SIPTransport

/// The proxy's view of this server (`ProxyEnvironment`): users and devices from the shared
/// registrar, the server's own addresses, where URIs and Vias lead (IP literals only: Zvonok
/// resolves no DNS names), and this worker's random tokens. Used on its worker's queue only.
struct ServerProxyEnvironment: ProxyEnvironment {
    typealias Peer = SIPPeer

    let registrar: RegistrarService
    let addresses: ServerAddresses
    let tokens: RandomTokens
    /// The trunks, whose own requests (calls to a user's number) need no authentication.
    let trunks: TrunkDirectory?

    var domain: String { registrar.domain }

    func account(username: String) -> Account? { registrar.accounts.account(username: username) }

    func bindings(for username: String) -> [Binding<SIPPeer>] { registrar.bindings(for: username) }

    func binding(forContact uri: SIPURI) -> Binding<SIPPeer>? { registrar.binding(forContact: uri) }

    mutating func authenticate(_ request: SIPMessage, from peer: SIPPeer) -> AuthenticationResult {
        registrar.authenticate(request, from: peer, toTag: tokens.token(), nonceRandom: tokens.nextUInt64())
    }

    func isTrustedSource(_ peer: SIPPeer) -> Bool {
        guard let trunks else { return false }
        let source = peer.remote.ipText
        return trunks.trunks.contains { $0.acceptedSources.contains(source) }
    }

    func peer(for uri: SIPURI, arrivedOn: SIPPeer) -> SIPPeer? {
        let host = uri.host.string
        let transport: TransportKind = uri.transport.flatMap { TransportKind(viaToken: $0.string) } ?? .udp
        guard let remote = SocketAddress(ip: host, port: uri.port ?? 5060) else { return nil }
        let listener = addresses.listenerIndex(for: transport, family: remote.family)
            ?? addresses.listenerIndex(for: .udp, family: remote.family)
        guard let listener else { return nil }
        return SIPPeer(transport: addresses.bound[listener].transport, remote: remote, listenerIndex: listener)
    }

    func responsePeer(for response: SIPMessage) -> SIPPeer? {
        guard let via = try? response.topVia(), let transport = TransportKind(viaToken: via.transport.string),
              let destination = ResponseRouting.destination(of: response, reliable: transport.isReliable),
              let listener = addresses.listenerIndex(for: transport, family: destination.family) else { return nil }
        return SIPPeer(transport: transport, remote: destination, listenerIndex: listener)
    }

    func isOwnURI(_ uri: SIPURI) -> Bool { addresses.isOwn(host: uri.host.string, port: uri.port) }

    func isOwnVia(_ via: Via) -> Bool { addresses.isOwn(host: via.host.string, port: via.port) }

    func recordRouteURI(facing peer: SIPPeer) -> String { addresses.recordRouteURI(facing: peer) }

    mutating func makeToken() -> String { tokens.token() }
}
