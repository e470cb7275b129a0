import Proxy
import Registrar
import SIPCore

/// A `ProxyEnvironment` over plain values: peers are strings (`udp:192.0.2.20:5060`), the proxy's
/// own address is 192.0.2.1:5060 (UDP) and :5061 (TCP), a request is authenticated when its
/// Proxy-Authorization says `Digest username="<user>"` for a user in `passwordsOK`.
struct FakeProxyEnvironment: ProxyEnvironment {
    typealias Peer = String

    var domain = "zvonok.example"
    var accounts: [String: Account] = [:]
    var bindingsByUser: [String: [Binding<String>]] = [:]
    var passwordsOK: Set<String> = []
    private(set) var tokenCount = 0

    mutating func add(user: String, enabled: Bool = true, devices: [(contact: String, peer: String)] = []) {
        accounts[user] = Account(username: user, displayName: user, enabled: enabled, realm: domain, ha1MD5: "", ha1SHA256: "",
                                 createdAtUnixSeconds: 0)
        bindingsByUser[user] = devices.map {
            Binding(username: user, contact: $0.contact, qThousandths: nil, expiresAtUnixSeconds: .max, callID: "r", cseq: 1, peer: $0.peer)
        }
        passwordsOK.insert(user)
    }

    func account(username: String) -> Account? { accounts[username] }
    func bindings(for username: String) -> [Binding<String>] { bindingsByUser[username] ?? [] }

    func binding(forContact uri: SIPURI) -> Binding<String>? {
        bindingsByUser.values.joined().first { (try? URI(parsing: $0.contact))?.sipURI?.host == uri.host
            && (try? URI(parsing: $0.contact))?.sipURI?.port == uri.port }
    }

    mutating func authenticate(_ request: SIPMessage, from peer: String) -> AuthenticationResult {
        let value = request.firstValue(.proxyAuthorization)?.string ?? ""
        if let user = passwordsOK.first(where: { value.contains("username=\"\($0)\"") }) {
            return .authenticated(username: user)
        }
        return .refused(request.makeResponse(statusCode: 407, reason: "Proxy Authentication Required", toTag: "auth",
                                             headers: [(.proxyAuthenticate, "Digest realm=\"\(domain)\", nonce=\"n\"")]),
                        note: value.isEmpty ? nil : "wrong password")
    }

    func peer(for uri: SIPURI, arrivedOn: String) -> String? {
        guard uri.host.string.first?.isNumber == true else { return nil }
        let transport = uri.transport?.string.lowercased() ?? "udp"
        return "\(transport):\(uri.host):\(uri.port ?? 5060)"
    }

    func responsePeer(for response: SIPMessage) -> String? {
        guard let via = try? response.topVia() else { return nil }
        return "udp:\(via.host):\(via.port ?? 5060)"
    }

    func isOwnURI(_ uri: SIPURI) -> Bool { uri.host == "192.0.2.1" && [nil, 5060, 5061].contains(uri.port) }
    /// 0.0.0.0 too: the proxy writes that placeholder sent-by, which the server replaces with the
    /// leaving socket's address when it sends (here nothing sends, so responses echo it).
    func isOwnVia(_ via: Via) -> Bool { via.host == "192.0.2.1" || via.host == "0.0.0.0" }

    func recordRouteURI(facing peer: String) -> String {
        peer.hasPrefix("tcp:") ? "sip:192.0.2.1:5061;transport=tcp;lr" : "sip:192.0.2.1:5060;lr"
    }

    mutating func makeToken() -> String {
        tokenCount += 1
        return "tok\(tokenCount)"
    }
}
