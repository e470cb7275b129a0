import Proxy
import Registrar
import SIPCore
import SIPTransaction
import SIPTransport

/// The transaction user of one worker (RFC 3261 §17's TU): sends each request to the part of
/// the server that serves it — REGISTER to the registrar (§10.3); a request addressed to the
/// server itself (no user part, outside a dialog, no Route) to the built-in responder as a UAS
/// (OPTIONS → 200 §11, other methods 405 or 501 §8.2.1); everything else, CANCEL included, to the
/// stateful proxy (§16) — and every response, timeout and timer to the proxy, which owns all
/// client transactions.
struct ZvonokTransactionUser: TransactionUser {
    typealias Peer = SIPPeer

    var builtIn: BuiltInResponder<SIPPeer>
    var proxy: ProxyCore<ServerProxyEnvironment>
    let registrar: RegistrarService
    let tokens: RandomTokens

    init(registrar: RegistrarService, addresses: ServerAddresses, proxyPolicy: ProxyPolicy) {
        let tokens = RandomTokens()
        self.tokens = tokens
        self.registrar = registrar
        var builtIn = BuiltInResponder<SIPPeer>(makeTag: { tokens.token() })
        // What the server itself answers as a UAS; calls and messages are for users (the proxy).
        builtIn.allowedMethods = [.options, .register, .ack, .cancel]
        self.builtIn = builtIn
        proxy = ProxyCore(environment: ServerProxyEnvironment(registrar: registrar, addresses: addresses, tokens: tokens),
                          policy: proxyPolicy)
    }

    mutating func handle(_ event: TransactionUserEvent<SIPPeer>, at now: Instant) -> [TransactionUserAction<SIPPeer>] {
        guard case .request(let request, let peer, let transaction, _) = event else { return proxy.handle(event, at: now) }
        switch request.method {
        case .register:
            // The registrar answers as a stateless UAS (§8.2.7), as Kamailio's does: no transaction
            // is kept for 64·T1. A retransmitted REGISTER is answered afresh; after a 200 its
            // nonce count is spent, so it gets 401 stale=true and the client authenticates again.
            let response = registrar.register(request, from: peer, toTag: tokens.token(), nonceRandom: tokens.nextUInt64())
            return [.respondStatelessly(response, transaction: transaction)]
        case .cancel:
            return proxy.handle(event, at: now)
        case _ where Self.isAddressedToServer(request):
            return builtIn.handle(event, at: now)
        default:
            return proxy.handle(event, at: now)
        }
    }

    /// A request for the server itself: no user part in the Request-URI, no To tag, no Route.
    static func isAddressedToServer(_ request: SIPMessage) -> Bool {
        guard let text = request.requestURIText, let uri = try? URI(parsing: text, context: .requestURI),
              let sip = uri.sipURI else { return false }
        return sip.user == nil && (try? request.to())?.tag == nil && !request.contains(.route)
    }
}
