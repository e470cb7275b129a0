import SIPTransport

extension SIPPeer {
    /// How a binding's peer is stored (`BindingStore`): `udp|192.0.2.1|5060|0` — transport, IP,
    /// port and listening point; the TCP connection is not kept (it does not survive a restart).
    var storageText: String {
        "\(transport.rawValue)|\(remote.ipText)|\(remote.port)|\(listenerIndex)"
    }

    init?(storageText: String) {
        let parts = storageText.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 4, let transport = TransportKind(rawValue: String(parts[0])), let port = UInt16(parts[2]),
              let remote = SocketAddress(ip: String(parts[1]), port: port), let listener = Int(parts[3]) else { return nil }
        self.init(transport: transport, remote: remote, listenerIndex: listener)
    }
}
