/// The CANCEL of a pending request (RFC 3261 §9.1), most often an INVITE.
extension SIPMessage {
    /// A CANCEL for this request: its Request-URI, Call-ID, From and To, CSeq with its number and
    /// method CANCEL, its top Via value alone (so the CANCEL reaches the same server transaction's
    /// element, §9.2), its Route header fields, Max-Forwards: 70 and Content-Length: 0. No Require or
    /// Proxy-Require. Only an element that sent the request may cancel it, and only after a
    /// provisional response arrived (§9.1): the caller checks that.
    public func makeCancel() -> SIPMessage {
        precondition(isRequest && method != .ack && method != .cancel, "CANCEL of an ACK, a CANCEL or a response")
        guard let uri = requestURIText, let via = topViaValue, let callID = firstValue(.callID),
              let from = firstValue(.from), let to = firstValue(.to), let cseq = try? cseq() else {
            preconditionFailure("makeCancel: the request lacks Via, Call-ID, From, To or CSeq")
        }
        var headers: [(KnownHeader, ByteString)] = [(.via, via)]
        for route in values(.route) { headers.append((.route, route)) }
        headers += [
            (.maxForwards, "70"), (.from, from), (.to, to), (.callID, callID),
            (.cseq, ByteString("\(cseq.number) CANCEL")),
        ]
        return .makeRequest(method: .cancel, requestURI: uri, headers: headers)
    }
}
