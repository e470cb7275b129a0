import SIPCore

/// RFC 3261 §12: a dialog's identifier — the Call-ID, the local tag and the remote tag, seen from
/// this user agent (the UAC's local tag is its From tag; the UAS's local tag is its To tag).
public struct DialogID: Hashable, Sendable, CustomStringConvertible {
    public var callID: String
    public var localTag: String
    public var remoteTag: String

    public init(callID: String, localTag: String, remoteTag: String) {
        self.callID = callID
        self.localTag = localTag
        self.remoteTag = remoteTag
    }

    public var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }
}

/// What `Dialog.receiveRequest` makes of an in-dialog request's CSeq (RFC 3261 §12.2.2).
public enum RemoteSequenceCheck: Sendable, Equatable {
    /// In order: the remote sequence number is now the request's.
    case accepted
    /// Lower than the remote sequence number: reject with 500 (Server Internal Error).
    case outOfOrder
}

/// The state of one dialog (RFC 3261 §12.1, §12.2): its id, the local and remote URIs (From/To
/// without tags), the remote target (the peer's Contact), the route set, and the local and remote
/// sequence numbers; and the building of requests within it (§12.2.1.1).
///
/// Rules:
/// - UAC (§12.1.2): route set = the response's Record-Route **reversed**; remote target = the
///   response's Contact; local sequence = the request's CSeq; remote sequence empty.
/// - UAS (§12.1.1): route set = the request's Record-Route **in order**; remote target = the
///   request's Contact; remote sequence = the request's CSeq; local sequence empty (the first
///   request sent uses 1).
/// - A request sent in the dialog takes local sequence + 1 (ACK and CANCEL reuse the number of the
///   request they belong to and do not advance it).
/// - §12.2.1.1 routing: an empty route set → Request-URI = remote target, no Route; a first route
///   with `lr` (loose) → Request-URI = remote target, Route = the route set; otherwise (strict) →
///   Request-URI = the first route's URI, Route = the rest followed by the remote target.
/// - §12.2.2: a request with a CSeq lower than the remote sequence number is out of order (500);
///   otherwise the remote sequence number becomes its CSeq.
/// - Target refresh (§12.2.1.2, §12.2.2): a re-INVITE or UPDATE and their 2xx replace the remote
///   target with their Contact; the route set never changes after the dialog is established.
public struct Dialog: Sendable, Equatable {
    public let id: DialogID
    /// The local URI (From of requests this side sends), without tag.
    public let localURI: String
    /// The remote URI (To of requests this side sends), without tag.
    public let remoteURI: String
    public private(set) var remoteTarget: URI
    /// The route set, in the order Route headers are written for requests sent from here.
    public private(set) var routeSet: [NameAddress]
    /// The last local CSeq used (0: none yet).
    public private(set) var localSequence: UInt32
    /// The highest remote CSeq seen, nil while empty.
    public private(set) var remoteSequence: UInt32?

    /// A dialog from parts (tests, or a UA that knows them).
    public init(id: DialogID, localURI: String, remoteURI: String, remoteTarget: URI, routeSet: [NameAddress] = [],
                localSequence: UInt32 = 0, remoteSequence: UInt32? = nil) {
        self.id = id
        self.localURI = localURI
        self.remoteURI = remoteURI
        self.remoteTarget = remoteTarget
        self.routeSet = routeSet
        self.localSequence = localSequence
        self.remoteSequence = remoteSequence
    }

    /// §12.1.2: the UAC's dialog from the request it sent and a response with a To tag (a 2xx, or a
    /// 101-199 for an early dialog). Nil when a tag, the Call-ID, the CSeq or the Contact is missing.
    public init?(uacRequest request: SIPMessage, response: SIPMessage) {
        guard let callID = request.firstValue(.callID)?.string, let from = try? request.from(),
              let localTag = from.tag?.string, let to = try? response.to(), let remoteTag = to.tag?.string,
              let cseq = try? request.cseq(), let contact = (try? response.contacts())?.addresses.first,
              let recordRoutes = try? response.recordRoutes() else { return nil }
        self.init(id: DialogID(callID: callID, localTag: localTag, remoteTag: remoteTag),
                  localURI: from.uri.text.string, remoteURI: to.uri.text.string, remoteTarget: contact.uri,
                  routeSet: recordRoutes.reversed(), localSequence: cseq.number, remoteSequence: nil)
    }

    /// §12.1.1: the UAS's dialog from the request it answers with a 2xx (or 101-199) carrying
    /// `localTag` in To. Nil when the From tag, Call-ID, CSeq or Contact is missing.
    public init?(uasRequest request: SIPMessage, localTag: String) {
        guard let callID = request.firstValue(.callID)?.string, let from = try? request.from(),
              let remoteTag = from.tag?.string, let to = try? request.to(), let cseq = try? request.cseq(),
              let contact = (try? request.contacts())?.addresses.first,
              let recordRoutes = try? request.recordRoutes() else { return nil }
        self.init(id: DialogID(callID: callID, localTag: localTag, remoteTag: remoteTag),
                  localURI: to.uri.text.string, remoteURI: from.uri.text.string, remoteTarget: contact.uri,
                  routeSet: recordRoutes, localSequence: 0, remoteSequence: cseq.number)
    }

    /// Whether the route set's first entry is a strict router (no `lr`, §12.2.1.1).
    public var firstRouteIsStrict: Bool {
        guard let first = routeSet.first else { return false }
        return !(first.uri.sipURI?.isLooseRouter ?? false)
    }

    /// §12.2.1.1: the Request-URI and Route values of a request sent in this dialog.
    public var requestTarget: (requestURI: URI, routes: [String]) {
        guard let first = routeSet.first else { return (remoteTarget, []) }
        if !firstRouteIsStrict { return (remoteTarget, routeSet.map(\.description)) }
        return (first.uri, routeSet.dropFirst().map(\.description) + ["<\(remoteTarget.text)>"])
    }

    /// Builds a request in the dialog (§12.2.1.1) and advances the local sequence number: request
    /// line and Route by the routing rules, `Via` with `via` (the caller's value with its branch),
    /// Max-Forwards 70, From (local URI, local tag), To (remote URI, remote tag), Call-ID, CSeq,
    /// Contact when given, then `headers`. The body is empty (`setBody` adds one).
    public mutating func makeRequest(_ method: SIPMethod, via: String, contact: String? = nil,
                                     headers: [(KnownHeader, String)] = []) -> SIPMessage {
        precondition(method != .ack && method != .cancel, "ACK and CANCEL take the sequence number of their request")
        precondition(localSequence < UInt32(Int32.max), "local CSeq exhausted")
        localSequence += 1
        return build(method, cseq: localSequence, via: via, contact: contact, headers: headers)
    }

    /// Takes the next local sequence number for a request built by hand in this dialog (a request
    /// re-sent with credentials after a 401/407 needs a new CSeq, RFC 3261 §22.2).
    public mutating func advanceLocalSequence() -> UInt32 {
        precondition(localSequence < UInt32(Int32.max), "local CSeq exhausted")
        localSequence += 1
        return localSequence
    }

    /// The ACK of a 2xx to the INVITE numbered `inviteSequence` (§13.2.2.4): the same routing as any
    /// request of the dialog, CSeq `inviteSequence ACK`, a branch of its own (`via`).
    public func makeAck(inviteSequence: UInt32, via: String, headers: [(KnownHeader, String)] = []) -> SIPMessage {
        build(.ack, cseq: inviteSequence, via: via, contact: nil, headers: headers)
    }

    private func build(_ method: SIPMethod, cseq: UInt32, via: String, contact: String?,
                       headers extra: [(KnownHeader, String)]) -> SIPMessage {
        let (uri, routes) = requestTarget
        var headers: [(KnownHeader, ByteString)] = [(.via, ByteString(via))]
        for route in routes { headers.append((.route, ByteString(route))) }
        headers += [
            (.maxForwards, "70"),
            (.from, ByteString("<\(localURI)>;tag=\(id.localTag)")),
            (.to, ByteString("<\(remoteURI)>;tag=\(id.remoteTag)")),
            (.callID, ByteString(id.callID)),
            (.cseq, ByteString("\(cseq) \(method.name)")),
        ]
        if let contact { headers.append((.contact, ByteString(contact))) }
        for (header, value) in extra { headers.append((header, ByteString(value))) }
        return .makeRequest(method: method, requestURI: uri.text, headers: headers)
    }

    /// §12.2.2: checks and records the CSeq of a request received in the dialog. ACK and CANCEL
    /// carry the number of the request they belong to and are always accepted without a change.
    public mutating func receiveRequest(_ request: SIPMessage) -> RemoteSequenceCheck {
        guard let cseq = try? request.cseq() else { return .outOfOrder }
        if request.method == .ack || request.method == .cancel { return .accepted }
        if let remote = remoteSequence, cseq.number < remote { return .outOfOrder }
        remoteSequence = cseq.number
        return .accepted
    }

    /// Target refresh (§12.2): takes the remote target from the message's Contact when it has one.
    public mutating func refreshRemoteTarget(from message: SIPMessage) {
        if let contact = (try? message.contacts())?.addresses.first { remoteTarget = contact.uri }
    }

    /// Whether `message` (a request received or a response to one sent) belongs to this dialog by
    /// Call-ID and tags (§12.2.2: the request's To tag is our local tag, its From tag the remote one).
    public func matches(request message: SIPMessage) -> Bool {
        guard message.firstValue(.callID)?.string == id.callID else { return false }
        return (try? message.to())?.tag?.string == id.localTag && (try? message.from())?.tag?.string == id.remoteTag
    }
}
