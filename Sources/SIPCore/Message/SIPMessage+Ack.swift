/// The ACK a client INVITE transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3).
/// (The ACK for a 2xx is a request of its own in the dialog, §13.2.2.4: the TU builds that one.)
extension SIPMessage {
    /// The ACK for `response`, a 300-699 final response to this INVITE: the Request-URI, Call-ID and
    /// From of the INVITE, CSeq with its number and method ACK, the INVITE's top Via value alone
    /// (so the ACK joins the INVITE's transaction), To from the response (with its tag), the
    /// INVITE's Route header fields, Max-Forwards: 70 and Content-Length: 0.
    public func makeAck(for response: SIPMessage) -> SIPMessage {
        precondition(method == .invite, "makeAck on a request that is not an INVITE")
        precondition(response.isResponse && (response.statusCode ?? 0) >= 300, "makeAck needs a 300-699 response")
        guard let uri = requestURIText, let via = topViaValue, let callID = firstValue(.callID),
              let from = firstValue(.from), let cseq = try? cseq(), let to = response.firstValue(.to) else {
            preconditionFailure("makeAck: the INVITE lacks Via, Call-ID, From or CSeq, or the response lacks To")
        }
        var headers: [(KnownHeader, ByteString)] = [(.via, via)]
        for route in values(.route) { headers.append((.route, route)) }
        headers += [
            (.maxForwards, "70"), (.from, from), (.to, to), (.callID, callID),
            (.cseq, ByteString("\(cseq.number) ACK")),
        ]
        return .makeRequest(method: .ack, requestURI: uri, headers: headers)
    }
}
