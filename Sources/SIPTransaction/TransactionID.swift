import SIPCore

/// The key a transaction is found by (RFC 3261 §17.1.3, §17.2.3).
///
/// - Requests whose top Via branch starts with the magic cookie `z9hG4bK`: the branch, the
///   sent-by (host compared case-insensitively, port as written: an absent port is not 5060) and
///   the method, with ACK counted as INVITE on the server side (an ACK of a non-2xx joins its
///   INVITE's transaction; the ACK of a 2xx has a branch of its own and matches nothing). CANCEL
///   is its own method, hence its own transaction; `forCancelledInvite` gives the INVITE's key (§9.2).
/// - Older requests (no magic cookie, §17.2.3's RFC 2543 rules, server side only): the
///   Request-URI, To tag, From tag, Call-ID, CSeq number, method (ACK counted as INVITE) and the
///   whole top Via value, all compared byte for byte. An ACK carries the To tag of the response
///   it acknowledges; the table maps that key to the INVITE's transaction once a final response
///   with a To tag is sent.
/// - Responses, to find a client transaction: the top Via branch and the CSeq method (§17.1.3).
///   Zvonok's own requests always carry an RFC 3261 branch.
///
/// A client and a server transaction never share a key (`side`), so a request that spirals back
/// to its sender finds its server transaction, not the client transaction that sent it.
///
/// The key's bytes are copies of their own (`ByteString.detached`), not views into the message:
/// an id outlives its request in the table, the timers and the transaction user's maps (the 32 s
/// of an INVITE's Accepted state), and a view would keep the whole message buffer alive there.
public struct TransactionID: Hashable, Sendable, CustomStringConvertible {
    /// Which end of the transaction this element is: client (§17.1) or server (§17.2).
    public enum Side: Sendable, Hashable { case client, server }

    public let side: Side
    /// The method of the transaction: INVITE for an ACK that matches one.
    public let method: SIPMethod
    let key: Key
    /// The hash of side, method and key, computed once: the table looks an id up several times
    /// per event, and hashing the branch bytes each time was its largest cost.
    let hashCode: Int

    enum Key: Hashable, Sendable {
        /// `branch` with the magic cookie; `sentBy` empty on the client side (§17.1.3 matches by branch alone).
        case branch(ByteString, sentBy: ByteString)
        /// Boxed: the fallback key is large and rare, and the id is copied on every lookup.
        indirect case rfc2543(RFC2543Key)
    }

    /// The §17.2.3 fallback key of a request without the magic cookie.
    struct RFC2543Key: Hashable, Sendable {
        var requestURI: ByteString
        var toTag: ByteString?
        var fromTag: ByteString?
        var callID: ByteString
        var cseqNumber: UInt32
        var topVia: ByteString
    }

    /// The branch, when the key has one.
    public var branch: ByteString? { if case .branch(let b, _) = key { b } else { nil } }

    /// Whether this key uses the RFC 2543 fallback of §17.2.3.
    public var usesRFC2543Matching: Bool { if case .rfc2543 = key { true } else { false } }

    /// The server transaction key of a received request; nil when the request lacks what the key
    /// needs (a parsable top Via and CSeq; for the fallback also Call-ID and From).
    public init?(serverRequest request: SIPMessage) {
        guard request.isRequest, let method = request.method, let via = try? request.topVia() else { return nil }
        let keyMethod: SIPMethod = method == .ack ? .invite : method
        if via.hasRFC3261Branch, let branch = via.branch {
            self.init(side: .server, method: keyMethod, key: .branch(branch.detached, sentBy: Self.sentBy(of: via)))
            return
        }
        guard let uri = request.requestURIText, let cseq = try? request.cseq(), let callID = try? request.callID(),
              let from = try? request.from(), let to = try? request.to() else { return nil }
        self.init(side: .server, method: keyMethod, key: .rfc2543(RFC2543Key(
            requestURI: uri.detached, toTag: to.tag?.detached, fromTag: from.tag?.detached, callID: callID.detached,
            cseqNumber: cseq.number, topVia: via.text.detached)))
    }

    /// The client transaction key of a request this element sends; nil unless its top Via has an
    /// RFC 3261 branch and it is not an ACK (an ACK is never a client transaction of its own).
    public init?(clientRequest request: SIPMessage) {
        guard request.isRequest, let method = request.method, method != .ack, let via = try? request.topVia(),
              via.hasRFC3261Branch, let branch = via.branch else { return nil }
        self.init(side: .client, method: method, key: .branch(branch.detached, sentBy: ByteString([UInt8]())))
    }

    /// The client transaction key a received response matches (§17.1.3); nil when its top Via has
    /// no RFC 3261 branch or it has no parsable CSeq.
    public init?(response: SIPMessage) {
        guard response.isResponse, let via = try? response.topVia(), via.hasRFC3261Branch, let branch = via.branch,
              let cseq = try? response.cseq(), cseq.method != .ack else { return nil }
        self.init(side: .client, method: cseq.method, key: .branch(branch.detached, sentBy: ByteString([UInt8]())))
    }

    init(side: Side, method: SIPMethod, key: Key) {
        var hasher = Hasher()
        hasher.combine(side)
        hasher.combine(method)
        hasher.combine(key)
        self.init(side: side, method: method, key: key, hashCode: hasher.finalize())
    }

    /// An id with a given hash: for tests of what happens when two ids' hashes collide.
    init(side: Side, method: SIPMethod, key: Key, hashCode: Int) {
        self.side = side
        self.method = method
        self.key = key
        self.hashCode = hashCode
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hashCode) }

    public static func == (lhs: TransactionID, rhs: TransactionID) -> Bool {
        lhs.hashCode == rhs.hashCode && lhs.side == rhs.side && lhs.method == rhs.method && lhs.key == rhs.key
    }

    /// For a server CANCEL's key: the key of the INVITE it cancels (§9.2).
    public var forCancelledInvite: TransactionID { TransactionID(side: side, method: .invite, key: key) }

    /// For an RFC 2543 INVITE key: the key its ACK carries once the response with `toTag` was sent.
    func acknowledged(withToTag toTag: ByteString) -> TransactionID? {
        guard case .rfc2543(var k) = key else { return nil }
        k.toTag = toTag
        return TransactionID(side: side, method: method, key: .rfc2543(k))
    }

    public var description: String {
        let side = self.side == .client ? "client" : "server"
        switch key {
        case .branch(let branch, let sentBy):
            return sentBy.isEmpty ? "\(side) \(method) \(branch)" : "\(side) \(method) \(branch)@\(sentBy)"
        case .rfc2543(let k):
            return "\(side) \(method) rfc2543 \(k.callID) \(k.cseqNumber)"
        }
    }

    /// `host[:port]`, the host lower-cased.
    /// The sent-by, host lower-cased, in a buffer of its own.
    private static func sentBy(of via: Via) -> ByteString {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(via.host.count + 6)
        for c in via.host.bytes { bytes.append((c >= 0x41 && c <= 0x5A) ? c | 0x20 : c) }
        if let port = via.port { bytes.append(0x3A); bytes.append(contentsOf: String(port).utf8) }
        return ByteString(bytes)
    }
}
