#if canImport(Glibc)
import Glibc
#endif
import SIPTransport

/// Name resolution for the few names an operator configures (a trunk's host, an SMS gateway):
/// `getaddrinfo`, run when the configuration is loaded, never on a worker. SIP requests from
/// users are never resolved (ARCHITECTURE: devices are reached by IP).
enum HostResolver {
    /// The addresses `host` (a name or an IP literal, IPv6 with or without brackets) has, IPv4
    /// first, each with `port`; empty when it has none or cannot be resolved now.
    static func addresses(of host: String, port: UInt16) -> [SocketAddress] {
        if let literal = SocketAddress(ip: host, port: port) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var found: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let entry = node {
            if let raw = entry.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(entry.pointee.ai_addrlen)))
                }
                if let address = SocketAddress(storage: storage), !found.contains(address.withPort(port)) {
                    found.append(address.withPort(port))
                }
            }
            node = entry.pointee.ai_next
        }
        return found.sorted { ($0.family == .ipv4 ? 0 : 1) < ($1.family == .ipv4 ? 0 : 1) }
    }
}
