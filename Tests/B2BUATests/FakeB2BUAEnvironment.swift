import B2BUA
import Billing
import Numbering
import SIPCore
import SIPTransaction

/// A `B2BUAEnvironment` over plain values: peers are strings (`udp:203.0.113.1:5060`), trunk "a"
/// serves +7 (priority 0) with an SMS gateway, trunk "b" serves everything (priority 1); bob's
/// number alias is +74950000001, alice's +74951110000; billing time is 1,700,000,000 + seconds.
struct FakeB2BUAEnvironment: B2BUAEnvironment {
    typealias Peer = String

    var domain = "zvonok.example"
    var numbering = try! NumberingPlan.bundled()
    var trunks: [Trunk] = [
        Trunk(name: "a", host: "203.0.113.1", username: "zvonok", password: "trunk secret", fromDomain: "provider.example",
              prefixes: ["7"], priority: 0, smsGatewayURI: "sip:sms.gw@203.0.113.9", acceptedSources: ["203.0.113.1"]),
        Trunk(name: "b", host: "203.0.113.2", username: "zvonok-b", password: "b secret", fromDomain: "b.example",
              callerID: .accountName, prefixes: [""], priority: 1, acceptedSources: ["203.0.113.2"]),
    ]
    var aliases = ["alice": "74951110000", "bob": "74950000001"]
    private(set) var tokenCount = 0

    func isLocalDomain(_ uri: SIPURI) -> Bool { uri.host == "zvonok.example" || uri.host == "192.0.2.1" }
    func localUser(forNumber digits: String) -> String? { aliases.first { $0.value == digits }?.key }
    func numberAlias(ofAccount account: String) -> String? { aliases[account] }
    func peer(for trunk: Trunk) -> String? { "\(trunk.transport.rawValue):\(trunk.host):\(trunk.port)" }
    func peer(for uri: SIPURI) -> String? { "udp:\(uri.host):\(uri.port ?? 5060)" }
    func sourceAddress(of peer: String) -> String { String(peer.split(separator: ":")[1]) }
    func contactURI(facing peer: String) -> String { "sip:192.0.2.1:5060" }
    func billingTime(at instant: Instant) -> BillingTime { BillingTime(unixSeconds: 1_700_000_000 + instant.nanoseconds / 1_000_000_000) }
    mutating func makeToken() -> String {
        tokenCount += 1
        return "tok\(tokenCount)"
    }
}

typealias Action = B2BUAAction<String>

extension Array where Element == B2BUAAction<String> {
    /// Requests sent in client transactions, with their peers.
    var sent: [(SIPMessage, String)] {
        compactMap {
            switch $0 {
            case .transactionUser(.sendRequest(let m, let p)), .transactionUser(.sendRequestKeepingTransport(let m, let p)): (m, p)
            default: nil
            }
        }
    }
    /// Requests sent with `.sendRequest`, which lets the edge switch UDP to TCP by size (§18.1.1).
    var transportSwitchable: [(SIPMessage, String)] {
        compactMap { if case .transactionUser(.sendRequest(let m, let p)) = $0 { (m, p) } else { nil } }
    }
    var stateless: [(SIPMessage, String)] {
        compactMap { if case .transactionUser(.sendStateless(let m, let p)) = $0 { (m, p) } else { nil } }
    }
    var responses: [(SIPMessage, TransactionID)] {
        compactMap { if case .transactionUser(.respond(let m, let t)) = $0 { (m, t) } else { nil } }
    }
    var codes: [Int] { responses.compactMap { $0.0.statusCode } }
    var billing: [BillingRequest] { compactMap { if case .billing(let b) = $0 { b } else { nil } } }
    var settles: [BillingRequest] { billing.filter { if case .settle = $0 { true } else { false } } }
    var cancelled: [TransactionID] {
        compactMap { if case .transactionUser(.cancelClientTransaction(let t)) = $0 { t } else { nil } }
    }
    var started: [(UInt8, Duration)] {
        compactMap { if case .transactionUser(.startTimer(.call(_, let p), let d)) = $0 { (p, d) } else { nil } }
    }
    var cancelledTimers: [UInt8] {
        compactMap { if case .transactionUser(.cancelTimer(.call(_, let p))) = $0 { p } else { nil } }
    }
}

extension SIPMessage {
    /// A response to this request (as a far end writes it), with Contact and an optional body.
    func answer(_ code: Int, _ reason: String, toTag: String? = "far", contact: String? = "<sip:far@203.0.113.50>",
                body: String = "", headers: [(KnownHeader, String)] = []) -> SIPMessage {
        var response = makeResponse(statusCode: code, reason: reason, toTag: toTag, headers: headers)
        if let contact, code > 100 { response.addHeader(.contact, contact) }
        if !body.isEmpty { response.setBody(Array(body.utf8), contentType: "application/sdp") }
        return response
    }
}
