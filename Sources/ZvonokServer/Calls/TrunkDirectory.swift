import Logging
import Synchronization
import B2BUA
import SIPCore
import SIPTransport
import ZvonokConfig

/// The configured trunks as the B2BUA sees them (`B2BUA.Trunk`), with their host names resolved
/// (shared by every worker, replaced as a whole on reload). Resolution happens here, when the
/// configuration is loaded, so a worker never waits for DNS; a trunk whose host does not resolve
/// is kept (so that its prefixes still fail over to the next trunk) but has no address.
final class TrunkDirectory: Sendable {
    private struct Snapshot: Sendable {
        var trunks: [Trunk] = []
        /// The address of each trunk by name (the first its host resolves to).
        var addresses: [String: SocketAddress] = [:]
        /// Resolved hosts of SMS gateways and trunks, lowercased, by `host:port`.
        var hosts: [String: SocketAddress] = [:]
        /// The trunks this server registers with, and the expiry it asks for.
        var registrations: [(trunk: Trunk, expiresSeconds: Int)] = []
    }

    private let snapshot = Mutex(Snapshot())
    private let logger: Logger

    init(configuration: [ZvonokConfiguration.Trunk], logger: Logger) {
        self.logger = logger
        load(configuration)
    }

    /// The trunks, ready for `B2BUAEnvironment.trunks`.
    var trunks: [Trunk] { snapshot.withLock { $0.trunks } }

    /// The trunks configured with `register: true`, with the expiry to ask for.
    var registrations: [(trunk: Trunk, expiresSeconds: Int)] { snapshot.withLock { $0.registrations } }

    /// The address of trunk `name`, nil when its host did not resolve.
    func address(ofTrunk name: String) -> SocketAddress? { snapshot.withLock { $0.addresses[name] } }

    /// The resolved address of a configured host (a trunk's or an SMS gateway's), nil for others.
    func address(ofHost host: String, port: UInt16) -> SocketAddress? {
        snapshot.withLock { $0.hosts["\(host.lowercased()):\(port)"] }
    }

    /// Replaces the trunks with `configuration`'s, resolving their hosts (blocking: call it from the
    /// reload path, not a worker).
    func load(_ configuration: [ZvonokConfiguration.Trunk]) {
        var fresh = Snapshot()
        for entry in configuration {
            let port = UInt16(clamping: entry.port)
            let resolved = HostResolver.addresses(of: entry.host, port: port)
            if let first = resolved.first {
                fresh.addresses[entry.name] = first
                fresh.hosts["\(entry.host.lowercased()):\(port)"] = first
            } else {
                logger.error("trunk host does not resolve; calls fail over past this trunk",
                             metadata: ["trunk": "\(entry.name)", "host": "\(entry.host)"])
            }
            if let gateway = entry.smsGateway, let uri = (try? URI(parsing: gateway, context: .requestURI))?.sipURI {
                let gatewayPort = uri.port ?? 5060
                let host = uri.host.string
                if let address = HostResolver.addresses(of: host, port: gatewayPort).first {
                    fresh.hosts["\(host.lowercased()):\(gatewayPort)"] = address
                } else {
                    logger.error("SMS gateway host does not resolve", metadata: ["trunk": "\(entry.name)", "host": "\(host)"])
                }
            }
            let sources = entry.acceptFrom.isEmpty
                ? resolved.map(\.ipText)
                : entry.acceptFrom.compactMap { SocketAddress(ip: $0, port: 5060)?.ipText }
            let trunk = Trunk(
                name: entry.name, host: entry.host, port: port, transport: entry.transport == .tcp ? .tcp : .udp,
                username: entry.username ?? "", password: entry.password ?? "", realm: entry.realm,
                fromDomain: entry.fromDomain ?? entry.host, callerID: entry.callerID == .account ? .accountName : .e164Alias,
                prefixes: entry.prefixes.isEmpty ? [""] : entry.prefixes.map { $0.hasPrefix("+") ? String($0.dropFirst()) : $0 },
                priority: entry.priority, smsGatewayURI: entry.smsGateway, acceptedSources: sources)
            fresh.trunks.append(trunk)
            if entry.register { fresh.registrations.append((trunk, entry.registerExpiresSeconds)) }
        }
        snapshot.withLock { $0 = fresh }
    }
}
