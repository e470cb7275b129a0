import SIPCore

/// What the transport does to a request a client sends (RFC 3261 §18.1.1): it picks UDP or TCP
/// by size (`TransportSelection`) and makes the top Via say so, with the sent-by of the socket it
/// leaves from. The transaction user has already put the Via with its branch on top (§8.1.1.7);
/// a request without one gets a fresh Via with the branch the caller drew.
public enum OutgoingRequest {
    /// The request as it goes on the wire and the transport it goes by.
    public struct Prepared: Sendable {
        public var message: SIPMessage
        public var transport: TransportKind
    }

    /// Prepares `request` for a target reachable by `preferred`; `sentBy` is `host:port` of the
    /// leaving socket (or the advertised address), `branchSuffix` a fresh random token used only
    /// when the request has no Via yet.
    public static func prepare(_ request: SIPMessage, preferred: TransportKind, sentBy: String,
                               udpMTUBytes: Int, branchSuffix: String) -> Prepared {
        var message = request
        var via = try? message.topVia()
        if via == nil {
            message.addHeader(.via, OutgoingVia.value(transport: preferred, sentBy: sentBy, branchSuffix: branchSuffix), at: .first)
            via = try? message.topVia()
        }
        let transport = TransportSelection.transport(forRequestOf: message.serializedCount, preferred: preferred,
                                                     udpMTUBytes: udpMTUBytes)
        if let via, !via.transport.equalsIgnoringASCIICase(ByteString(transport.viaToken)) || via.host.string + via.portSuffix != sentBy {
            let parameters = via.parameters.raw.string
            message.removeFirstValue(.via)
            message.addHeader(.via, "SIP/2.0/\(transport.viaToken) \(sentBy)\(parameters)", at: .first)
        }
        return Prepared(message: message, transport: transport)
    }
}

extension Via {
    /// `:port` when the Via has a port, else empty.
    var portSuffix: String { port.map { ":\($0)" } ?? "" }
}
