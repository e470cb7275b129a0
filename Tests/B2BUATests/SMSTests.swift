import B2BUA
import Billing
import SIPCore
import SIPTransaction
import Testing

@Suite struct SMSTests {
    func message(to uri: String) -> SIPMessage {
        let body = "Privet"
        return try! SIPMessage(parsing: [
            "MESSAGE \(uri) SIP/2.0", "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKm1", "Max-Forwards: 70",
            "From: <sip:alice@zvonok.example>;tag=m1", "To: <\(uri)>", "Call-ID: sms-1@10.0.0.5", "CSeq: 1 MESSAGE",
            "Content-Type: text/plain", "Content-Length: \(body.utf8.count)", "", body,
        ].joined(separator: "\r\n"))
    }

    @Test func smsToARussianMobileGoesToTheGatewayWithDigestAuth() throws {
        var h = CallHarness()
        let sms = message(to: "sip:+79161234567@zvonok.example")
        #expect(h.core.route(sms, from: h.caller) == .outgoing)
        let server = TransactionID(serverRequest: sms)!
        let count = h.handle(.outgoing(sms, from: h.caller, transaction: server, account: "alice"))
        guard case .countSMS(let key, let account, _)? = count.billing.first else {
            Issue.record("no count")
            return
        }
        #expect(account == AccountID("alice"))
        let sent = h.handle(.billing(.smsCounted(key, sentToday: 1)))
        let out = try #require(sent.sent.first)
        #expect(out.1 == "udp:203.0.113.9:5060")
        #expect(sent.transportSwitchable.isEmpty, "the gateway's transport is kept, whatever the size")
        #expect(out.0.requestURIText == "sip:+79161234567@203.0.113.9")
        #expect(out.0.body.string == "Privet" && out.0.firstValue(.contentType) == "text/plain")
        #expect(!out.0.description.contains("10.0.0.5"))
        let challenge = out.0.answer(401, "Unauthorized", contact: nil, headers: [
            (.wwwAuthenticate, "Digest realm=\"provider\", nonce=\"s1\", algorithm=MD5, qop=\"auth\""),
        ])
        let retry = try #require(h.tu(.response(challenge, transaction: TransactionID(clientRequest: out.0)!)).sent.first?.0)
        #expect(try retry.cseq()?.number == 2 && retry.firstValue(.authorization) != nil)
        let done = h.tu(.response(retry.answer(202, "Accepted", contact: nil), transaction: TransactionID(clientRequest: retry)!))
        #expect(done.codes == [202] && done.responses[0].1 == server)
        #expect(h.core.activeMessageCount == 0)
    }

    @Test func otherDestinationsAreRefusedNamingTheCountriesServed() {
        var h = CallHarness()
        for uri in ["sip:+12025550100@zvonok.example", "sip:+74951112233@zvonok.example"] {
            let sms = message(to: uri)
            let actions = h.handle(.outgoing(sms, from: h.caller, transaction: TransactionID(serverRequest: sms)!, account: "alice"))
            #expect(actions.codes == [403])
            let reason = actions.responses[0].0.reasonPhrase?.string ?? ""
            #expect(["Russia", "Ukraine", "Kazakhstan", "Uzbekistan"].allSatisfy(reason.contains))
        }
        let kz = message(to: "sip:+77011234567@zvonok.example")
        #expect(h.handle(.outgoing(kz, from: h.caller, transaction: TransactionID(serverRequest: kz)!, account: "alice")).billing.count == 1)
    }

    @Test func theDailyLimitIsA403() {
        var h = CallHarness()
        let sms = message(to: "sip:+380501234567@zvonok.example")
        let count = h.handle(.outgoing(sms, from: h.caller, transaction: TransactionID(serverRequest: sms)!, account: "alice"))
        guard case .countSMS(let key, _, _)? = count.billing.first else { return }
        let refused = h.handle(.billing(.smsCounted(key, sentToday: 51)))
        #expect(refused.codes == [403])
        #expect(refused.responses[0].0.reasonPhrase?.string.contains("daily SMS limit") == true)
        #expect(refused.sent.isEmpty)
    }
}
