import SIPTransport

/// One address the server listens on with one transport (RFC 3261 §18): `udp:0.0.0.0:5060`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var transport: TransportKind
    public var address: SocketAddress

    public init(transport: TransportKind, address: SocketAddress) {
        self.transport = transport
        self.address = address
    }

    public var description: String { "\(transport.rawValue):\(address)" }
}
