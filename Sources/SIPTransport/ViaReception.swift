import SIPCore

/// What a server does to the top Via of a request it receives (RFC 3261 §18.2.1, RFC 3581 §4):
/// it adds `received` with the source IP when the sent-by host is a name or another address, and
/// when the Via asks with an empty `rport`, fills in the source port (and always adds `received`).
/// Responses are then routed by `ResponseRouting` to where the request really came from.
public enum ViaReception {
    /// Stamps the top Via of `request` as received from `source`. Returns false, leaving the
    /// message as it was, when there is no top Via (validation answers that with 400).
    @discardableResult
    public static func stamp(_ request: inout SIPMessage, source: SocketAddress) -> Bool {
        guard let via = try? request.topVia() else { return false }
        let wantsRport = via.rport != nil
        var sourceIP: [UInt8] = []
        sourceIP.reserveCapacity(15)
        source.appendIPText(to: &sourceIP)
        if !wantsRport {
            // The common case compares the text; another spelling of the same address (IPv6) is parsed.
            let host = via.host.bytes
            let sentByMatches = host.elementsEqual(sourceIP)
                || (SocketAddress(ip: via.host.string, port: 0).map { $0.withPort(0) == source.withPort(0) } ?? false)
            if sentByMatches { return true }
        }

        let text = via.text.bytes
        let parameters = via.parameters
        var value: [UInt8] = []
        value.reserveCapacity(text.count + 40)
        value.append(contentsOf: text.prefix(text.count - parameters.raw.count))
        for p in parameters where !p.name.equalsIgnoringASCIICase("received") && !p.name.equalsIgnoringASCIICase("rport") {
            value.append(UInt8(ascii: ";"))
            value.append(contentsOf: p.name.bytes)
            if let v = p.value {
                value.append(UInt8(ascii: "="))
                value.append(contentsOf: v.bytes)
            }
        }
        value.append(contentsOf: ";received=".utf8)
        value.append(contentsOf: sourceIP)
        if wantsRport {
            value.append(contentsOf: ";rport=".utf8)
            appendDecimal(UInt(source.port), to: &value)
        }
        request.replaceFirstValue(.via, with: value)
        return true
    }
}

/// Where a server sends a response (RFC 3261 §18.2.2, RFC 3581 §4): on the connection the
/// request came in on for TCP (the caller's business); otherwise to `received` (or the sent-by
/// host when it is an address) at the `rport` port for UDP, or at the sent-by port (default
/// 5060, 5061 for TLS) when a new connection must be opened for a reliable transport, since an
/// `rport` there names the client's ephemeral source port of a connection that is gone.
///
/// `maddr` is not followed: it would let any client steer our responses to a third host
/// (a deliberate deviation, as most servers do; multicast SIP is not served).
public enum ResponseRouting {
    /// The address for `response` by its top Via, or nil when the Via names a host that is not
    /// an address and carries no `received` (Zvonok does not resolve names on this path).
    public static func destination(of response: SIPMessage, reliable: Bool = false) -> SocketAddress? {
        guard let via = try? response.topVia() else { return nil }
        let defaultPort: UInt16 = via.transport.equalsIgnoringASCIICase("TLS") ? 5061 : 5060
        var port = via.port ?? defaultPort
        if !reliable, let rport = via.rport?.value, let value = rport.decimalValue(limit: 65_535), value > 0 {
            port = UInt16(value)
        }
        if let received = via.received, let address = SocketAddress(ip: received.string, port: port) {
            return address
        }
        return SocketAddress(ip: via.host.string, port: port)
    }
}

/// The transport rule for requests a client sends (RFC 3261 §18.1.1): a request larger than
/// `udpMTUBytes` (1300 by default: the RFC's figure when the path MTU is unknown; set it to the
/// path MTU minus 200 when that is known) goes over TCP rather than UDP.
public enum TransportSelection {
    /// The transport to send a request of `messageBytes` bytes, when the target allows `preferred`.
    public static func transport(forRequestOf messageBytes: Int, preferred: TransportKind,
                                 udpMTUBytes: Int = 1300) -> TransportKind {
        guard preferred == .udp else { return preferred }
        return messageBytes > udpMTUBytes ? .tcp : .udp
    }
}

/// The Via a client puts on top of a request it sends (RFC 3261 §18.1.1, §8.1.1.7; RFC 3581 §3):
/// transport, sent-by, a branch starting with the magic cookie, and an empty `rport`.
public enum OutgoingVia {
    /// The RFC 3261 magic cookie every branch starts with.
    public static let magicCookie = "z9hG4bK"

    /// `SIP/2.0/UDP host:port;branch=z9hG4bK…;rport`. `branchSuffix` comes from the caller's
    /// random source (pure code here), and must be unique in space and time.
    public static func value(transport: TransportKind, sentBy: String, branchSuffix: String) -> String {
        "SIP/2.0/\(transport.viaToken) \(sentBy);branch=\(magicCookie)\(branchSuffix);rport"
    }
}
