import Registrar
import SIPCore
import SIPTransaction

/// What the stateful proxy (RFC 3261 §16) needs from the rest of the server, declared here and
/// implemented by the composition root (and by fakes in tests): the directory of users and
/// their registered devices (the registrar's location service, §16.5), digest authentication
/// of callers (§22.3), and the few facts about the network a pure core cannot know — which
/// addresses are this proxy's own, where a URI or a response's Via leads, and what to write in
/// Record-Route. No clock: the environment applies its own wall clock to binding expiry.
public protocol ProxyEnvironment<Peer> {
    associatedtype Peer: Sendable & Hashable

    /// The SIP domain served: `sip:user@domain` is a local user.
    var domain: String { get }

    /// The account of a local user name, nil when there is none.
    func account(username: String) -> Account?

    /// The live bindings of a user, highest q first (§16.6 takes them as targets).
    func bindings(for username: String) -> [Binding<Peer>]

    /// The live binding whose contact names the device `uri` names (an in-dialog request's
    /// Request-URI), to reach it where its REGISTER came from (NAT, a TCP connection).
    func binding(forContact uri: SIPURI) -> Binding<Peer>?

    /// Digest authentication of `request` with Proxy-Authorization (407 challenge otherwise).
    mutating func authenticate(_ request: SIPMessage, from peer: Peer) -> AuthenticationResult

    /// Whether requests from `peer` are trusted without authentication: a configured trunk's own
    /// addresses (its calls to a user's number come from its servers, not from a user with a
    /// password). Such a request needs no From of the local domain.
    func isTrustedSource(_ peer: Peer) -> Bool

    /// Where `uri` leads without DNS: its host must be an IP literal (a name gives nil); the port
    /// defaults to 5060, the transport to the `transport` parameter or UDP. `arrivedOn` is the
    /// peer the request came from, whose listening point is the default to send from.
    func peer(for uri: SIPURI, arrivedOn: Peer) -> Peer?

    /// Where a response goes by its top Via (§18.2.2: `received`, `rport`), for a 2xx the proxy
    /// forwards statelessly (§16.7 step 10 with RFC 6026 §7.2).
    func responsePeer(for response: SIPMessage) -> Peer?

    /// Whether `uri` names this proxy itself (its address and port, a Record-Route it wrote).
    func isOwnURI(_ uri: SIPURI) -> Bool

    /// Whether a Via was written by this proxy (its sent-by is one of ours), for loop detection.
    func isOwnVia(_ via: Via) -> Bool

    /// The Record-Route URI of the listening point that faces `peer`, with `lr`
    /// (`sip:192.0.2.1:5060;transport=tcp;lr`).
    func recordRouteURI(facing peer: Peer) -> String

    /// A fresh random token for branches and tags.
    mutating func makeToken() -> String
}

extension ProxyEnvironment {
    /// No source is trusted unless the environment says so.
    public func isTrustedSource(_ peer: Peer) -> Bool { false }
}
