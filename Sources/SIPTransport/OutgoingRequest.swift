import SIPCore

/// What the transport does to a request a client sends (RFC 3261 §18.1.1): once the transport is
/// chosen (`TransportSelection`, by size) the top Via must say it, with the sent-by of the socket
/// the request leaves from. The transaction user has already put the Via with its branch on top
/// (§8.1.1.7); a request without one gets a fresh Via with the branch the caller drew.
public enum OutgoingRequest {
    /// `request` with its top Via naming `transport` and `sentBy` (`host:port` of the leaving
    /// socket, or the advertised address); `branchSuffix`, a fresh random token, is used only when
    /// the request has no Via yet.
    public static func prepare(_ request: SIPMessage, transport: TransportKind, sentBy: String,
                               branchSuffix: String) -> SIPMessage {
        var message = request
        guard let via = try? message.topVia() else {
            message.addHeader(.via, OutgoingVia.value(transport: transport, sentBy: sentBy, branchSuffix: branchSuffix), at: .first)
            return message
        }
        if !via.transport.equalsIgnoringASCIICase(ByteString(transport.viaToken)) || via.host.string + via.portSuffix != sentBy {
            let parameters = via.parameters.raw.string
            message.removeFirstValue(.via)
            message.addHeader(.via, "SIP/2.0/\(transport.viaToken) \(sentBy)\(parameters)", at: .first)
        }
        return message
    }
}

extension Via {
    /// `:port` when the Via has a port, else empty.
    var portSuffix: String { port.map { ":\($0)" } ?? "" }
}
