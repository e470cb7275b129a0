import Testing
@testable import SIPCore

/// `parse(serialize(m)) == m`, byte-exact forwarding of untouched headers, and the edits of a proxy.
@Suite struct SerializerTests {
    static let invite = Corpus.bench("invite.sip")

    @Test func serializingAParsedMessageGivesItsBytesBack() throws {
        let m = try SIPMessage(parsing: Self.invite)
        #expect(m.serialized() == Self.invite)
        for name in Corpus.realisticNames {
            let bytes = Corpus.realistic(name)
            #expect(try SIPMessage(parsing: bytes).serialized() == bytes, "\(name)")
        }
    }

    @Test func proxyEditsLeaveOtherHeadersByteExact() throws {
        var m = try SIPMessage(parsing: Self.invite)
        let before = m.headerFields.filter { $0.known != .maxForwards }.map(\.line)
        m.addHeader(.via, "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKproxy1", at: .first)
        m.addHeader(.recordRoute, "<sip:192.0.2.10;lr>", at: .first)
        m.setMaxForwards(try #require(try m.maxForwards()) - 1)
        m.setRequestURI(try URI(parsing: "sip:bob@198.51.100.7:5062;transport=udp"))
        let reparsed = try SIPMessage(parsing: m.serialized())
        #expect(reparsed == m)
        #expect(reparsed.requestURIText == "sip:bob@198.51.100.7:5062;transport=udp")
        #expect(try reparsed.vias().map(\.branch) == ["z9hG4bKproxy1", "z9hG4bK776asdhds"])
        #expect(try reparsed.maxForwards() == 69)
        #expect(try reparsed.recordRoutes().first?.uri.text == "sip:192.0.2.10;lr")
        let after = reparsed.headerFields.filter { ![.maxForwards, .via, .recordRoute].contains($0.known) }.map(\.line)
        #expect(after == before.filter { !$0.string.hasPrefix("Via") })
        #expect(reparsed.body == m.body)
    }

    @Test func removingTheTopViaValue() throws {
        var m = try SIPMessage(parsing: sip("""
            SIP/2.0 200 OK
            Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa, SIP/2.0/UDP p2.example.com;branch=z9hG4bKb
            Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bKc
            From: <sip:a@b>;tag=1
            To: <sip:c@d>;tag=2
            Call-ID: x
            CSeq: 1 INVITE
            Content-Length: 0


            """))
        m.removeFirstValue(.via)
        #expect(try m.vias().map(\.host) == ["p2.example.com", "ua.example.com"])
        m.removeFirstValue(.via)
        #expect(try m.vias().map(\.host) == ["ua.example.com"])
        #expect(try SIPMessage(parsing: m.serialized()) == m)
    }

    @Test func editsCannotInjectHeaderLines() throws {
        var m = try SIPMessage(parsing: Self.invite)
        m.addHeader(named: "Subject", "hi\r\nInjected: yes")
        let reparsed = try SIPMessage(parsing: m.serialized())
        #expect(reparsed.values(named: "Injected").isEmpty)
        #expect(reparsed.firstValue(.subject) == "hi  Injected: yes")
        m.setHeader(.subject, "  padded\r\n ")
        #expect(try SIPMessage(parsing: m.serialized()) == m)
        #expect(m.firstValue(.subject) == "padded")
    }

    @Test func settingTheBodyUpdatesContentLength() throws {
        var m = try SIPMessage(parsing: Self.invite)
        m.setBody(Array("hello".utf8), contentType: "text/plain")
        let reparsed = try SIPMessage(parsing: m.serialized())
        #expect(reparsed.body == "hello" && reparsed.contentLength() == 5)
        #expect(try reparsed.contentType()?.matches(type: "text", subtype: "plain") == true)
    }

    @Test func responseCopiesTheDialogHeaders() throws {
        let request = try SIPMessage(parsing: Self.invite)
        let response = request.makeResponse(statusCode: 180, reason: "Ringing", toTag: "srv1",
                                            headers: [(.contact, "<sip:bob@192.0.2.20>")])
        let reparsed = try SIPMessage(parsing: response.serialized())
        #expect(reparsed.statusCode == 180 && reparsed.reasonPhrase == "Ringing")
        #expect(reparsed.values(.via) == request.values(.via))
        #expect(reparsed.values(.from) == request.values(.from))
        #expect(reparsed.firstValue(.callID) == request.firstValue(.callID))
        #expect(reparsed.firstValue(.cseq) == request.firstValue(.cseq))
        #expect(try reparsed.to()?.tag == "srv1")
        #expect(try reparsed.contacts()?.addresses.first?.uri.text == "sip:bob@192.0.2.20")
        #expect(reparsed.contentLength() == 0)
        #expect(reparsed.validate() == nil)
        let trying = request.makeResponse(statusCode: 100, reason: "Trying", toTag: "srv1")
        #expect(try trying.to()?.tag == nil)
    }
}
