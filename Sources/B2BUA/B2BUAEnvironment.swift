import Billing
import Numbering
import SIPCore
import SIPTransaction

/// What the B2BUA (RFC 3261 §6 "back-to-back user agent"; RFC 7092 taxonomy: a signalling-only,
/// topology-hiding B2BUA) needs from the rest of the server, implemented by the composition root
/// and by fakes in tests. No clock and no random source of its own: `billingTime(at:)` converts the
/// monotonic `Instant` to wall-clock billing time, `makeToken()` gives tags, branches, Call-IDs
/// and cnonces.
public protocol B2BUAEnvironment<Peer> {
    associatedtype Peer: Sendable & Hashable

    /// The SIP domain served (`sip:+7…@domain` is a call to a phone number).
    var domain: String { get }
    /// Numbering's prefix table (classifies numbers: SMS rules, billing destination class).
    var numbering: NumberingPlan { get }
    /// The configured trunks (the order does not matter: `Trunk.candidates` orders them).
    var trunks: [Trunk] { get }

    /// Whether `uri` names this server's domain or one of its own addresses.
    func isLocalDomain(_ uri: SIPURI) -> Bool
    /// The local account whose number alias is `e164Digits` (digits without `+`), if any.
    func localUser(forNumber e164Digits: String) -> String?
    /// The number alias of `account` (E.164 digits without `+`), if it has one.
    func numberAlias(ofAccount account: String) -> String?
    /// Where `trunk` is reached (no DNS in the core: nil when it cannot be resolved now).
    func peer(for trunk: Trunk) -> Peer?
    /// Where a SIP URI (an SMS gateway) is reached; nil when it cannot be.
    func peer(for uri: SIPURI) -> Peer?
    /// The source IP address (as text) a request came from, compared with `Trunk.acceptedSources`.
    func sourceAddress(of peer: Peer) -> String
    /// The URI of our Contact for a leg facing `peer` (`sip:192.0.2.1:5060;transport=tcp`): the
    /// server's own address only, never a user's (topology hiding).
    func contactURI(facing peer: Peer) -> String
    /// The wall-clock billing time of the monotonic instant `instant`.
    func billingTime(at instant: Instant) -> BillingTime
    /// A fresh random token (letters and digits) for tags, branches, Call-IDs and cnonces.
    mutating func makeToken() -> String
    /// A fresh Call-ID for a leg the B2BUA starts (a trunk call, an SMS). A server that shares
    /// calls among workers by Call-ID makes one its own worker owns, so the leg's responses reach
    /// the call; the default is a token.
    mutating func makeCallID() -> String
}

extension B2BUAEnvironment {
    /// A random token as the Call-ID.
    public mutating func makeCallID() -> String { makeToken() }
}
