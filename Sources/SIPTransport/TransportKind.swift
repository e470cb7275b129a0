/// The transports Zvonok listens on and sends with (RFC 3261 §18): UDP, unreliable and
/// message-oriented, and TCP, reliable and stream-oriented.
public enum TransportKind: String, Sendable, Hashable, CaseIterable {
    case udp, tcp

    /// The transport token in a Via header (§20.42): `UDP`, `TCP`.
    public var viaToken: String { rawValue.uppercased() }

    /// Reliable transports arm no retransmission timers (§17).
    public var isReliable: Bool { self == .tcp }

    /// The transport a Via transport token names, if Zvonok speaks it.
    public init?(viaToken: some StringProtocol) {
        switch viaToken.lowercased() {
        case "udp": self = .udp
        case "tcp": self = .tcp
        default: return nil
        }
    }
}

/// Who a message came from or goes to, as far as the transport is concerned: the transport, the
/// remote address, which listening point it arrived on (whose socket answers), and for TCP the
/// connection it arrived on (responses go back on it, §18.2.2).
public struct SIPPeer: Hashable, Sendable, CustomStringConvertible {
    public var transport: TransportKind
    public var remote: SocketAddress
    /// Index of the listening point (in configuration order) the message arrived on or leaves by.
    public var listenerIndex: Int
    /// The TCP connection the message arrived on; nil for UDP or for a request yet to be sent.
    public var connectionID: UInt64?

    public init(transport: TransportKind, remote: SocketAddress, listenerIndex: Int, connectionID: UInt64? = nil) {
        self.transport = transport
        self.remote = remote
        self.listenerIndex = listenerIndex
        self.connectionID = connectionID
    }

    public var description: String {
        "\(transport.rawValue):\(remote)" + (connectionID.map { "#\($0)" } ?? "")
    }
}
