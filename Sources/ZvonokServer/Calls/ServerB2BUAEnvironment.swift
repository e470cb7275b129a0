import B2BUA
import Billing
import Numbering
import SIPCore
import SIPTransaction
import SIPTransport

/// The B2BUA's view of this server (`B2BUAEnvironment`): the domain and number aliases from the
/// account cache, the configured trunks with their resolved addresses, the server's own addresses
/// for Contact, the wall clock for billing, and this worker's random tokens. Used on its worker's
/// queue only.
struct ServerB2BUAEnvironment: B2BUAEnvironment {
    typealias Peer = SIPPeer

    let registrar: RegistrarService
    let addresses: ServerAddresses
    let trunkDirectory: TrunkDirectory
    let tokens: RandomTokens
    let numbering: NumberingPlan
    /// The worker this environment belongs to and how many there are: a trunk leg's Call-ID must
    /// belong to the same worker as its call, since responses are handed out by Call-ID.
    let workerIndex: Int
    let workerCount: Int
    /// Unix time minus monotonic time, read once: billing instants follow the monotonic clock, so
    /// a wall-clock step during a call does not change its length.
    let wallClockOffsetNanoseconds: Int64

    var domain: String { registrar.domain }

    var trunks: [Trunk] { trunkDirectory.trunks }

    func isLocalDomain(_ uri: SIPURI) -> Bool {
        uri.host.equalsIgnoringASCIICase(ByteString(registrar.domain)) || addresses.isOwn(host: uri.host.string, port: uri.port)
    }

    func localUser(forNumber e164Digits: String) -> String? {
        guard let account = registrar.accounts.account(phoneNumber: "+" + e164Digits), account.enabled else { return nil }
        return account.username
    }

    func numberAlias(ofAccount account: String) -> String? {
        guard let phone = registrar.accounts.account(username: account)?.phoneNumber else { return nil }
        return phone.hasPrefix("+") ? String(phone.dropFirst()) : phone
    }

    func peer(for trunk: Trunk) -> SIPPeer? {
        guard let remote = trunkDirectory.address(ofTrunk: trunk.name) else { return nil }
        return peer(remote, transport: trunk.transport == .tcp ? .tcp : .udp)
    }

    func peer(for uri: SIPURI) -> SIPPeer? {
        let host = uri.host.string
        let port = uri.port ?? 5060
        guard let remote = SocketAddress(ip: host, port: port) ?? trunkDirectory.address(ofHost: host, port: port) else { return nil }
        let transport: TransportKind = uri.transport.flatMap { TransportKind(viaToken: $0.string) } ?? .udp
        return peer(remote, transport: transport)
    }

    private func peer(_ remote: SocketAddress, transport: TransportKind) -> SIPPeer? {
        guard let listener = addresses.listenerIndex(for: transport, family: remote.family) else { return nil }
        return SIPPeer(transport: transport, remote: remote, listenerIndex: listener)
    }

    func sourceAddress(of peer: SIPPeer) -> String { peer.remote.ipText }

    func contactURI(facing peer: SIPPeer) -> String {
        "sip:\(addresses.sentBy(toward: peer))" + (peer.transport == .tcp ? ";transport=tcp" : "")
    }

    func billingTime(at instant: Instant) -> BillingTime {
        BillingTime(unixSeconds: (instant.nanoseconds + wallClockOffsetNanoseconds) / 1_000_000_000)
    }

    mutating func makeToken() -> String { tokens.token() }

    /// A Call-ID that hashes to this worker (`CallIDPartition`): on average `workerCount` tries.
    mutating func makeCallID() -> String {
        while true {
            let candidate = tokens.token() + tokens.token()
            if CallIDPartition.worker(forCallID: candidate.utf8, workerCount: workerCount) == workerIndex { return candidate }
        }
    }
}
