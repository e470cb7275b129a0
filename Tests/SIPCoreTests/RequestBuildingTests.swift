import Testing
@testable import SIPCore

/// Requests built from parts (§8.1.1), the ACK of a non-2xx final response (§17.1.1.3) and CANCEL (§9.1).
@Suite struct RequestBuildingTests {
    static let invite = sip("""
        INVITE sip:bob@biloxi.example.com SIP/2.0
        Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKnashds8, SIP/2.0/UDP older.example.com;branch=z9hG4bKold
        Via: SIP/2.0/TCP oldest.example.com;branch=z9hG4bKoldest
        Max-Forwards: 69
        Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>
        Route: <sip:p3.example.com;lr>
        From: "Алиса" <sip:alice@atlanta.example.com>;tag=1928301774
        To: Bob <sip:bob@biloxi.example.com>
        Call-ID: a84b4c76e66710@pc33.atlanta.example.com
        CSeq: 314159 INVITE
        Require: 100rel
        Proxy-Require: foo
        Contact: <sip:alice@pc33.atlanta.example.com>
        Content-Type: application/sdp
        Content-Length: 5

        v=0

        """)

    @Test func aRequestFromPartsParsesBackAsBuilt() throws {
        let request = SIPMessage.makeRequest(method: .options, requestURI: "sip:bob@example.com;transport=tcp", headers: [
            (.via, "SIP/2.0/TCP zvonok.example.com;branch=z9hG4bK77"),
            (.maxForwards, "70"),
            (.from, "<sip:zvonok@example.com>;tag=9"),
            (.to, "<sip:bob@example.com>"),
            (.callID, "c1@zvonok"),
            (.cseq, "7 OPTIONS"),
        ])
        #expect(request.isRequest && request.method == .options)
        #expect(request.requestURIText == "sip:bob@example.com;transport=tcp" && request.isVersion2)
        let reparsed = try SIPMessage(parsing: request.serialized())
        #expect(reparsed == request)
        #expect(reparsed.headerFields.map(\.known) == [.via, .maxForwards, .from, .to, .callID, .cseq, .contentLength])
        #expect(try reparsed.cseq() == CSeq(number: 7, method: .options))
        #expect(reparsed.contentLength() == 0 && reparsed.body.isEmpty)
        #expect(reparsed.validate() == nil)
        #expect(String(decoding: request.serialized(), as: UTF8.self).hasPrefix("OPTIONS sip:bob@example.com;transport=tcp SIP/2.0\r\nVia: "))
    }

    @Test func anExtensionMethodAndUnsafeValuesAreWrittenSafely() throws {
        let request = SIPMessage.makeRequest(method: SIPMethod("FOO"), requestURI: "sip:a@b", headers: [
            (.subject, "one\r\nInjected: yes"),
        ])
        let reparsed = try SIPMessage(parsing: request.serialized())
        #expect(reparsed.method == SIPMethod("FOO"))
        #expect(reparsed.values(named: "Injected").isEmpty && reparsed.firstValue(.subject) == "one  Injected: yes")
    }

    @Test func theAckOfAFailureFollowsSection17_1_1_3() throws {
        let invite = try SIPMessage(parsing: Self.invite)
        let busy = invite.makeResponse(statusCode: 486, reason: "Busy Here", toTag: "314")
        let ack = invite.makeAck(for: busy)
        let reparsed = try SIPMessage(parsing: ack.serialized())
        #expect(reparsed == ack)
        #expect(ack.method == .ack && ack.requestURIText == "sip:bob@biloxi.example.com")
        #expect(ack.values(.via) == ["SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKnashds8"])
        #expect(ack.values(.route) == ["<sip:p1.example.com;lr>, <sip:p2.example.com;lr>", "<sip:p3.example.com;lr>"])
        #expect(try ack.maxForwards() == 70)
        #expect(ack.firstValue(.from) == invite.firstValue(.from))
        #expect(ack.firstValue(.to) == "Bob <sip:bob@biloxi.example.com>;tag=314")
        #expect(ack.firstValue(.callID) == "a84b4c76e66710@pc33.atlanta.example.com")
        #expect(try ack.cseq() == CSeq(number: 314159, method: .ack))
        #expect(ack.contentLength() == 0 && ack.body.isEmpty)
        #expect(!ack.contains(.contact) && !ack.contains(.require) && !ack.contains(.contentType))
        #expect(ack.validate() == nil)
    }

    @Test func cancelFollowsSection9_1() throws {
        let invite = try SIPMessage(parsing: Self.invite)
        let cancel = invite.makeCancel()
        #expect(try SIPMessage(parsing: cancel.serialized()) == cancel)
        #expect(cancel.method == .cancel && cancel.requestURIText == invite.requestURIText)
        #expect(cancel.values(.via) == ["SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKnashds8"])
        #expect(cancel.values(.route) == invite.values(.route))
        #expect(cancel.firstValue(.to) == invite.firstValue(.to) && cancel.firstValue(.from) == invite.firstValue(.from))
        #expect(cancel.firstValue(.callID) == invite.firstValue(.callID))
        #expect(try cancel.cseq() == CSeq(number: 314159, method: .cancel))
        #expect(try cancel.maxForwards() == 70)
        #expect(!cancel.contains(.require) && !cancel.contains(.proxyRequire) && !cancel.contains(.contentType))
        #expect(cancel.contentLength() == 0)
        #expect(cancel.validate() == nil)
    }
}
