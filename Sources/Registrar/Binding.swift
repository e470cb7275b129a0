import SIPCore

/// One registered contact of an address-of-record (RFC 3261 §10.3 step 7): where requests for
/// the user go, until when, and what REGISTER set it (Call-ID and CSeq order the updates). `peer`
/// is where that REGISTER came from (the transport's address, and the TCP connection): the proxy
/// reaches a user behind NAT there (RFC 3581 received/rport, RFC 5626 in spirit).
public struct Binding<Peer: Sendable & Hashable>: Sendable, Equatable {
    public var username: String
    /// The Contact URI as registered.
    public let contact: String
    /// The q-value in thousandths (§20.10: 0.000–1.000); nil when the contact gave none.
    public var qThousandths: Int?
    public var expiresAtUnixSeconds: Int64
    public var callID: String
    public var cseq: UInt32
    public var peer: Peer
    /// `user@host:port` of the contact (`LocationTable.contactKey`), computed once: what finds
    /// the device again from a dialog's Request-URI.
    public let deviceKey: String

    public init(username: String, contact: String, qThousandths: Int?, expiresAtUnixSeconds: Int64,
                callID: String, cseq: UInt32, peer: Peer) {
        self.username = username
        self.contact = contact
        self.qThousandths = qThousandths
        self.expiresAtUnixSeconds = expiresAtUnixSeconds
        self.callID = callID
        self.cseq = cseq
        self.peer = peer
        self.deviceKey = LocationTable<Peer>.contactKey(text: contact)
    }

    /// Seconds left at `now` (0 when expired).
    public func remainingSeconds(at now: Int64) -> Int64 { max(0, expiresAtUnixSeconds - now) }

    /// Whether `other` names the same contact (§19.1.4 URI equivalence; byte equality when
    /// either does not parse).
    func hasSameContact(as other: String) -> Bool {
        if contact == other { return true }  // a device refreshing its binding sends the same text
        guard let mine = try? URI(parsing: contact), let theirs = try? URI(parsing: other) else { return contact == other }
        return mine.isEquivalent(to: theirs)
    }
}

/// A change the registrar made, for the store that keeps bindings across restarts.
public enum BindingChange<Peer: Sendable & Hashable>: Sendable, Equatable {
    case upsert(Binding<Peer>)
    case remove(username: String, contact: String)
}
