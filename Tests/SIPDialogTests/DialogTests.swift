import SIPCore
import SIPDialog
import Testing

private func message(_ lines: [String], body: String = "") -> SIPMessage {
    let text = lines.joined(separator: "\r\n") + "\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    return try! SIPMessage(parsing: text)
}

private let invite = message([
    "INVITE sip:bob@b.example SIP/2.0",
    "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1",
    "Max-Forwards: 70",
    "From: \"Alice\" <sip:alice@a.example>;tag=ft",
    "To: <sip:bob@b.example>",
    "Call-ID: c1@a.example",
    "CSeq: 7 INVITE",
    "Contact: <sip:alice@192.0.2.10:5060>",
    "Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>",
])

private let ok = message([
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1",
    "From: \"Alice\" <sip:alice@a.example>;tag=ft",
    "To: <sip:bob@b.example>;tag=tt",
    "Call-ID: c1@a.example",
    "CSeq: 7 INVITE",
    "Contact: <sip:bob@192.0.2.20:5070>",
    "Record-Route: <sip:p1.example;lr>",
    "Record-Route: <sip:p2.example;lr>",
])

@Suite struct DialogTests {
    @Test func uacReversesTheRecordRouteAndTakesTheResponseContact() throws {
        let dialog = try #require(Dialog(uacRequest: invite, response: ok))
        #expect(dialog.id == DialogID(callID: "c1@a.example", localTag: "ft", remoteTag: "tt"))
        #expect(dialog.routeSet.map(\.uri.text.string) == ["sip:p2.example;lr", "sip:p1.example;lr"])
        #expect(dialog.remoteTarget.text == "sip:bob@192.0.2.20:5070")
        #expect(dialog.localSequence == 7)
        #expect(dialog.remoteSequence == nil)
        #expect(dialog.localURI == "sip:alice@a.example" && dialog.remoteURI == "sip:bob@b.example")
    }

    @Test func uasKeepsTheRecordRouteOrderAndTheRequestContact() throws {
        let dialog = try #require(Dialog(uasRequest: invite, localTag: "mine"))
        #expect(dialog.id == DialogID(callID: "c1@a.example", localTag: "mine", remoteTag: "ft"))
        #expect(dialog.routeSet.map(\.uri.text.string) == ["sip:p1.example;lr", "sip:p2.example;lr"])
        #expect(dialog.remoteTarget.text == "sip:alice@192.0.2.10:5060")
        #expect(dialog.remoteSequence == 7)
        #expect(dialog.localSequence == 0)
        #expect(dialog.localURI == "sip:bob@b.example")
    }

    @Test func looseRoutingPutsTheRemoteTargetInTheRequestURI() throws {
        var dialog = try #require(Dialog(uacRequest: invite, response: ok))
        let bye = dialog.makeRequest(.bye, via: "SIP/2.0/UDP h;branch=z9hG4bKb")
        #expect(bye.requestURIText == "sip:bob@192.0.2.20:5070")
        #expect(bye.values(.route).map(\.string) == ["<sip:p2.example;lr>", "<sip:p1.example;lr>"])
        #expect(try bye.cseq() == CSeq(number: 8, method: .bye))
        #expect(try bye.from()?.tag == "ft")
        #expect(try bye.to()?.tag == "tt")
        #expect(bye.firstValue(.callID) == "c1@a.example")
        #expect(dialog.localSequence == 8)
        let ack = dialog.makeAck(inviteSequence: 7, via: "SIP/2.0/UDP h;branch=z9hG4bKa")
        #expect(try ack.cseq() == CSeq(number: 7, method: .ack))
        #expect(dialog.localSequence == 8, "ACK does not advance the sequence")
    }

    @Test func strictRoutingPutsTheFirstRouteInTheRequestURIAndTheTargetLast() throws {
        var dialog = Dialog(id: DialogID(callID: "c", localTag: "l", remoteTag: "r"), localURI: "sip:a@x", remoteURI: "sip:b@y",
                            remoteTarget: try! URI(parsing: "sip:b@192.0.2.9"),
                            routeSet: [try! SIPMessage(parsing: "BYE sip:x SIP/2.0\r\nRoute: <sip:strict.example>, <sip:p2.example;lr>\r\n\r\n").routes()].flatMap { $0 })
        #expect(dialog.firstRouteIsStrict)
        let request = dialog.makeRequest(.info, via: "SIP/2.0/UDP h;branch=z9hG4bKi")
        #expect(request.requestURIText == "sip:strict.example")
        #expect(request.values(.route).map(\.string) == ["<sip:p2.example;lr>", "<sip:b@192.0.2.9>"])
        #expect(try request.cseq()?.number == 1, "a UAS-side dialog starts its local CSeq at 1")
    }

    @Test func aLowerRemoteCSeqIsOutOfOrder() throws {
        var dialog = try #require(Dialog(uasRequest: invite, localTag: "mine"))
        func request(_ cseq: String) -> SIPMessage {
            message(["INFO sip:bob@b.example SIP/2.0", "Via: SIP/2.0/UDP a.example;branch=z9hG4bK9",
                     "From: <sip:alice@a.example>;tag=ft", "To: <sip:bob@b.example>;tag=mine", "Call-ID: c1@a.example",
                     "CSeq: \(cseq)"])
        }
        #expect(dialog.matches(request: request("8 INFO")))
        #expect(dialog.receiveRequest(request("8 INFO")) == .accepted)
        #expect(dialog.remoteSequence == 8)
        #expect(dialog.receiveRequest(request("6 INFO")) == .outOfOrder)
        #expect(dialog.remoteSequence == 8)
        #expect(dialog.receiveRequest(request("8 ACK")) == .accepted)
        #expect(dialog.receiveRequest(request("20 INFO")) == .accepted)
        #expect(dialog.remoteSequence == 20)
    }

    @Test func aTargetRefreshReplacesTheRemoteTargetButNotTheRouteSet() throws {
        var dialog = try #require(Dialog(uacRequest: invite, response: ok))
        let reinvite200 = message(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP a;branch=z9hG4bK2", "From: <sip:alice@a.example>;tag=ft",
                                   "To: <sip:bob@b.example>;tag=tt", "Call-ID: c1@a.example", "CSeq: 8 INVITE",
                                   "Contact: <sip:bob@198.51.100.7>", "Record-Route: <sip:other;lr>"])
        dialog.refreshRemoteTarget(from: reinvite200)
        #expect(dialog.remoteTarget.text == "sip:bob@198.51.100.7")
        #expect(dialog.routeSet.count == 2)
    }

    @Test func noDialogWithoutTagsOrContact() {
        let noTag = message(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP a;branch=z9hG4bK1", "From: <sip:a@a>;tag=ft", "To: <sip:b@b>",
                             "Call-ID: c", "CSeq: 1 INVITE", "Contact: <sip:b@h>"])
        #expect(Dialog(uacRequest: invite, response: noTag) == nil)
    }
}

@Suite struct SessionTimerTests {
    private func request(_ extra: [String]) -> SIPMessage {
        message(["INVITE sip:b@b SIP/2.0", "Via: SIP/2.0/UDP a;branch=z9hG4bK1", "From: <sip:a@a>;tag=f", "To: <sip:b@b>",
                 "Call-ID: c", "CSeq: 1 INVITE", "Contact: <sip:a@h>"] + extra)
    }

    @Test func refreshAtHalfAndExpiryBeforeTheEnd() {
        let timer = SessionTimer(intervalSeconds: 1800, refresher: .local)
        #expect(timer.refreshAfter == .seconds(900))
        #expect(timer.expiryAfter == .seconds(1768))
        #expect(SessionTimer(intervalSeconds: 90, refresher: .remote).expiryAfter == .seconds(60))
    }

    @Test func uasRefusesTooSmallIntervalsWith422() {
        guard case .tooSmall(let minSE) = SessionTimer.negotiate(request: request(["Session-Expires: 60"]), localMinSE: 120,
                                                                 preferredSeconds: 1800) else {
            Issue.record("expected 422")
            return
        }
        #expect(minSE == 120)
    }

    @Test func uasLetsATimerCapableUACRefresh() {
        guard case .accept(let timer, let headers) = SessionTimer.negotiate(
            request: request(["Supported: timer", "Session-Expires: 3600", "Min-SE: 600"]), preferredSeconds: 1800) else {
            Issue.record("expected a timer")
            return
        }
        #expect(timer == SessionTimer(intervalSeconds: 1800, refresher: .remote))
        #expect(headers.map(\.1) == ["1800;refresher=uac", "timer"])
    }

    @Test func uasHonoursTheRequestedRefresherAndMinSE() {
        guard case .accept(let timer, _) = SessionTimer.negotiate(
            request: request(["Supported: timer", "Session-Expires: 1000;refresher=uas", "Min-SE: 1000"]), preferredSeconds: 900) else {
            Issue.record("expected a timer")
            return
        }
        #expect(timer == SessionTimer(intervalSeconds: 1000, refresher: .local))
    }

    @Test func noTimerForAUACThatKnowsNothingOfIt() {
        guard case .none = SessionTimer.negotiate(request: request([]), preferredSeconds: 1800) else {
            Issue.record("expected no timer")
            return
        }
    }

    @Test func uacReadsTheRefresherOfThe2xxAndRetriesAfter422() {
        let ok = message(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP a;branch=z9hG4bK1", "From: <sip:a@a>;tag=f", "To: <sip:b@b>;tag=t",
                          "Call-ID: c", "CSeq: 1 INVITE", "Session-Expires: 1200;refresher=uas"])
        #expect(SessionTimer(uacResponse: ok) == SessionTimer(intervalSeconds: 1200, refresher: .remote))
        let noTimer = message(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP a;branch=z9hG4bK1", "From: <sip:a@a>;tag=f",
                               "To: <sip:b@b>;tag=t", "Call-ID: c", "CSeq: 1 INVITE"])
        #expect(SessionTimer(uacResponse: noTimer) == nil)
        let tooSmall = message(["SIP/2.0 422 Session Interval Too Small", "Via: SIP/2.0/UDP a;branch=z9hG4bK1",
                                "From: <sip:a@a>;tag=f", "To: <sip:b@b>;tag=t", "Call-ID: c", "CSeq: 1 INVITE", "Min-SE: 1800"])
        #expect(SessionTimer.retryInterval(after: tooSmall, asked: 900) == 1800)
        #expect(SessionTimer.retryInterval(after: tooSmall, asked: 1800) == nil)
        #expect(SessionTimer.requestHeaders(intervalSeconds: 1800).map(\.1) == ["timer", "1800", "90"])
    }
}
