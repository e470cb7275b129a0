import Testing
import SIPCore
import SIPTransaction
@testable import ZvonokServer

/// What the server answers by itself (RFC 3261 §11.2, §9.2, §8.2.1).
@Suite struct BuiltInResponderTests {
    let responder = BuiltInResponder<Int>(makeTag: { "t1" })

    private func request(_ method: String, uri: String = "sip:zvonok.example") throws -> SIPMessage {
        try SIPMessage(parsing: """
        \(method) \(uri) SIP/2.0\r
        Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr1\r
        Max-Forwards: 70\r
        From: <sip:a@zvonok.example>;tag=f1\r
        To: <sip:zvonok.example>\r
        Call-ID: r1\r
        CSeq: 1 \(method)\r
        Content-Length: 0\r
        \r

        """)
    }

    @Test func optionsGetsAllowAcceptAndSupported() throws {
        let response = try #require(responder.response(to: try request("OPTIONS"), cancelMatched: false))
        #expect(response.statusCode == 200)
        #expect(response.firstValue(.allow) == "OPTIONS, ACK, CANCEL")
        #expect(response.firstValue(.accept) == "application/sdp")
        #expect(response.firstValue(.supported)?.string.contains("outbound") == true)
        #expect(try response.to()?.tag == "t1")
    }

    @Test func knownMethodsGet405WithAllowAndUnknownOnes501() throws {
        for method in ["INVITE", "REGISTER", "MESSAGE", "SUBSCRIBE", "BYE"] {
            let response = try #require(responder.response(to: try request(method), cancelMatched: false))
            #expect(response.statusCode == 405, "\(method)")
            #expect(response.firstValue(.allow) != nil)
        }
        let response = try #require(responder.response(to: try request("FROBNICATE"), cancelMatched: false))
        #expect(response.statusCode == 501)
    }

    @Test func cancelIs200WhenItMatchesElse481AndAckIsAbsorbed() throws {
        #expect(responder.response(to: try request("CANCEL"), cancelMatched: true)?.statusCode == 200)
        #expect(responder.response(to: try request("CANCEL"), cancelMatched: false)?.statusCode == 481)
        #expect(responder.response(to: try request("ACK"), cancelMatched: false) == nil)
    }

    @Test func theTransactionUserContractAnswersEveryRequestOnce() throws {
        var tu = responder
        let id = try #require(TransactionID(serverRequest: try request("OPTIONS")))
        let actions = tu.handle(.request(try request("OPTIONS"), from: 1, transaction: id, cancels: nil),
                                at: Instant(nanoseconds: 0))
        #expect(actions.count == 1)
        guard case .respond(let response, let transaction) = actions.first else { Issue.record("no response"); return }
        #expect(response.statusCode == 200)
        #expect(transaction == id)
        #expect(tu.handle(.timedOut(id), at: Instant(nanoseconds: 0)).isEmpty)
    }
}
