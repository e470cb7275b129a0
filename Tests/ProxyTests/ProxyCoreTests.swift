import Testing
import Registrar
import SIPCore
import SIPTransaction
@testable import Proxy

/// RFC 3261 §16 on `ProxyCore` with a fake environment and no clock: routing and refusals,
/// forking with Record-Route, response selection (§16.7), CANCEL (§16.10), Timer C, loose routing
/// of in-dialog requests and the stateless ACK and 2xx.
@Suite struct ProxyCoreTests {
    typealias Action = TransactionUserAction<String>
    static let caller = "udp:192.0.2.10:5060"
    let now = Instant(nanoseconds: 0)

    func proxy(configure: (inout FakeProxyEnvironment) -> Void = { _ in }) -> ProxyCore<FakeProxyEnvironment> {
        var environment = FakeProxyEnvironment()
        environment.add(user: "alice", devices: [("sip:alice@192.0.2.10:5060", Self.caller)])
        environment.add(user: "bob", devices: [("sip:bob@192.0.2.20:5060", "udp:192.0.2.20:5060"),
                                               ("sip:bob@192.0.2.21:5070", "udp:198.51.100.7:40000")])
        environment.add(user: "carol")
        configure(&environment)
        return ProxyCore(environment: environment, policy: ProxyPolicy(timerC: .seconds(181)))
    }

    func request(_ method: String = "INVITE", uri: String = "sip:bob@zvonok.example", from: String = "alice",
                 toTag: String? = nil, branch: String = "z9hG4bKc1", auth: String? = "alice", maxForwards: Int? = 70,
                 routes: [String] = [], extraVias: [String] = [], body: String = "") -> SIPMessage {
        var text = "\(method) \(uri) SIP/2.0\r\n"
        for via in extraVias { text += "Via: \(via)\r\n" }
        text += "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=\(branch);received=192.0.2.10\r\n"
        if let maxForwards { text += "Max-Forwards: \(maxForwards)\r\n" }
        for route in routes { text += "Route: \(route)\r\n" }
        text += "From: <sip:\(from)@zvonok.example>;tag=ft\r\nTo: <\(uri)>\(toTag.map { ";tag=\($0)" } ?? "")\r\n"
        text += "Call-ID: call-1\r\nCSeq: 1 \(method)\r\nContact: <sip:\(from)@192.0.2.10:5060>\r\n"
        if let auth { text += "Proxy-Authorization: Digest username=\"\(auth)\", realm=\"zvonok.example\"\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        return try! SIPMessage(parsing: text)
    }

    func id(_ request: SIPMessage) -> TransactionID { TransactionID(serverRequest: request)! }

    func responses(_ actions: [Action]) -> [Int] {
        actions.compactMap {
            switch $0 {
            case .respond(let r, _), .respondStatelessly(let r, _): r.statusCode
            default: nil
            }
        }
    }

    func forwarded(_ actions: [Action]) -> [(request: SIPMessage, peer: String)] {
        actions.compactMap {
            switch $0 {
            case .sendRequest(let r, let p), .sendRequestKeepingTransport(let r, let p): (r, p)
            default: nil
            }
        }
    }

    func cancelled(_ actions: [Action]) -> [TransactionID] {
        actions.compactMap { if case .cancelClientTransaction(let id) = $0 { id } else { nil } }
    }

    func reason(_ actions: [Action]) -> String? {
        actions.compactMap { if case .respond(let r, _) = $0 { r.reasonPhrase?.string } else { nil } }.last
    }

    /// The response the device at a branch sends (our Via on top, as a UA echoes it).
    func answer(_ forwarded: SIPMessage, _ code: Int, _ reason: String, toTag: String = "callee",
                headers: [(KnownHeader, String)] = []) -> (SIPMessage, TransactionID) {
        (forwarded.makeResponse(statusCode: code, reason: reason, toTag: toTag, headers: headers),
         TransactionID(clientRequest: forwarded)!)
    }

    func start(_ p: inout ProxyCore<FakeProxyEnvironment>, _ invite: SIPMessage) -> [(request: SIPMessage, peer: String)] {
        forwarded(p.handle(.request(invite, from: Self.caller, transaction: id(invite), cancels: nil), at: now))
    }

    // MARK: Refusals (§16.3, §16.5)

    @Test func anUnauthenticatedCallerIsChallengedWith407() {
        var p = proxy()
        let invite = request(auth: nil)
        #expect(responses(p.handle(.request(invite, from: Self.caller, transaction: id(invite), cancels: nil), at: now)) == [407])
        #expect(p.activeRequestCount == 0)
    }

    @Test func theAuthenticatedUserMustBeTheFromUser() {
        var p = proxy()
        let invite = request(from: "mallory", auth: "alice")
        let actions = p.handle(.request(invite, from: Self.caller, transaction: id(invite), cancels: nil), at: now)
        #expect(responses(actions) == [403])
        #expect(reason(actions)?.contains("From must be sip:alice@zvonok.example") == true)
    }

    @Test(arguments: [
        ("sip:nobody@zvonok.example", 404, "Not Found"),
        ("sip:carol@zvonok.example", 480, "carol is not online"),
        ("sip:bob@elsewhere.example", 403, "Not relaying for elsewhere.example"),
        ("sip:+74951112233@zvonok.example", 403, "phone numbers"),
        ("sip:84951112233@zvonok.example;user=phone", 403, "phone numbers"),
        ("tel:+74951112233", 403, "phone numbers"),
    ])
    func refusals(uri: String, code: Int, phrase: String) {
        var p = proxy()
        let invite = request(uri: uri)
        let actions = p.handle(.request(invite, from: Self.caller, transaction: id(invite), cancels: nil), at: now)
        #expect(responses(actions) == [code])
        #expect(reason(actions)?.contains(phrase) == true, "\(reason(actions) ?? "")")
    }

    @Test func aDisabledAccountCannotBeCalled() {
        var p = proxy { $0.accounts["bob"]?.enabled = false }
        let invite = request()
        #expect(responses(p.handle(.request(invite, from: Self.caller, transaction: id(invite), cancels: nil), at: now)) == [404])
    }

    @Test func aRequestCarryingItsOwnHashInOurViaIsALoop() {
        var p = proxy()
        let original = request()
        let hash = LoopHash.of(original)
        // The same request back through another hop: its Via on top, ours below it.
        let ours = "SIP/2.0/UDP 192.0.2.1:5060;branch=\(LoopHash.branch(hash: hash, unique: "x0"))"
        let looped = request(extraVias: ["SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKhop", ours])
        #expect(LoopHash.of(looped) == hash, "the hash ignores the Vias added on the way")
        #expect(responses(p.handle(.request(looped, from: Self.caller, transaction: id(looped), cancels: nil), at: now)) == [482])
        // A spiral (changed Request-URI) is not a loop.
        let spiral = request(uri: "sip:bob@192.0.2.1", extraVias: ["SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKhop", ours])
        #expect(responses(p.handle(.request(spiral, from: Self.caller, transaction: id(spiral), cancels: nil), at: now)) == [100])
    }

    // MARK: Forking (§16.6)

    @Test func anInviteForksToEveryDeviceWithRecordRouteViaAndMaxForwards() throws {
        var p = proxy()
        let invite = request(maxForwards: 12, body: "v=0\r\n")
        let actions = p.handle(.request(invite, from: Self.caller, transaction: id(invite), cancels: nil), at: now)
        #expect(responses(actions) == [100])
        let out = forwarded(actions)
        #expect(out.map(\.peer) == ["udp:192.0.2.20:5060", "udp:198.51.100.7:40000"], "sent where each device registered from")
        #expect(actions.filter { if case .sendRequestKeepingTransport = $0 { true } else { false } }.count == 2,
                "on the transport each registered on, whatever the size")
        #expect(out.map { $0.request.requestURIText?.string } == ["sip:bob@192.0.2.20:5060", "sip:bob@192.0.2.21:5070"])
        for (request, _) in out {
            #expect(try request.maxForwards() == 11)
            #expect(try request.recordRoutes().map(\.description) == ["<sip:192.0.2.1:5060;lr>"])
            let via = try #require(try request.topVia())
            #expect(via.branch?.string.hasPrefix(LoopHash.prefix + LoopHash.of(invite) + ".") == true)
            #expect(try request.vias().count == 2)
            #expect(request.body == invite.body, "the SDP is relayed untouched")
        }
        #expect(Set(out.map { $0.request.firstValue(.via)! }).count == 2, "each branch has its own branch id")
        let timers = actions.compactMap { if case .startTimer(let t, let after) = $0 { (t, after) } else { nil } }
        #expect(timers.count == 2 && timers.allSatisfy { $0.1 == .seconds(181) })
        #expect(p.activeBranchCount == 2)
    }

    @Test func aMissingMaxForwardsBecomes70AndMessageIsNotRecordRouted() throws {
        var p = proxy()
        let message = request("MESSAGE", maxForwards: nil, body: "hello")
        let actions = p.handle(.request(message, from: Self.caller, transaction: id(message), cancels: nil), at: now)
        #expect(responses(actions).isEmpty, "no 100 for a non-INVITE")
        let out = forwarded(actions)
        #expect(out.count == 2)
        #expect(try out[0].request.maxForwards() == 70)
        #expect(!out[0].request.contains(.recordRoute))
    }

    @Test func aRequestChangingTransportGetsTwoRecordRoutes() throws {
        var p = proxy { $0.bindingsByUser["bob"] = [Binding(username: "bob", contact: "sip:bob@192.0.2.20:5060;transport=tcp",
                                                            qThousandths: nil, expiresAtUnixSeconds: .max, callID: "r", cseq: 1,
                                                            peer: "tcp:192.0.2.20:5060")] }
        let out = start(&p, request())
        #expect(try out[0].request.recordRoutes().map(\.description)
            == ["<sip:192.0.2.1:5061;transport=tcp;lr>", "<sip:192.0.2.1:5060;lr>"],
            "the callee's side on top, the caller's below (§16.6 step 4)")
    }

    // MARK: Responses (§16.7)

    @Test func provisionalsGoUpAtOnceAndA2xxCancelsTheOtherBranch() throws {
        var p = proxy()
        let invite = request()
        let out = start(&p, invite)
        let (ringing, branch0) = answer(out[0].request, 180, "Ringing")
        var actions = p.handle(.response(ringing, transaction: branch0), at: now)
        #expect(responses(actions) == [180])
        if case .respond(let up, _) = actions.first(where: { if case .respond = $0 { true } else { false } }) {
            #expect(try up.vias().count == 1, "our Via is removed (§16.7 step 3)")
        }
        // The second branch has sent nothing: its CANCEL waits for a provisional response (§9.1).
        let (ok, _) = answer(out[0].request, 200, "OK")
        actions = p.handle(.response(ok, transaction: branch0), at: now)
        #expect(responses(actions) == [200])
        #expect(cancelled(actions).isEmpty)
        let (trying, branch1) = answer(out[1].request, 100, "Trying", toTag: "")
        actions = p.handle(.response(trying, transaction: branch1), at: now)
        #expect(cancelled(actions) == [branch1], "cancelled as soon as it is proceeding")
        #expect(responses(actions).isEmpty, "a 100 is not forwarded")
        let (terminated, _) = answer(out[1].request, 487, "Request Terminated", toTag: "b1")
        actions = p.handle(.response(terminated, transaction: branch1), at: now)
        #expect(responses(actions).isEmpty, "no final response after the 2xx")
        #expect(p.activeRequestCount == 0 && p.activeBranchCount == 0)
    }

    @Test func theBestFinalResponseIsChosenWhenAllBranchesFail() {
        var p = proxy()
        let out = start(&p, request())
        let (busy, b0) = answer(out[0].request, 486, "Busy Here")
        #expect(responses(p.handle(.response(busy, transaction: b0), at: now)).isEmpty)
        let (error, b1) = answer(out[1].request, 500, "Server Error")
        let actions = p.handle(.response(error, transaction: b1), at: now)
        #expect(responses(actions) == [486], "4xx before 5xx")
        #expect(p.activeRequestCount == 0)
    }

    @Test func a6xxEndsTheForkAndCancelsTheOthers() {
        var p = proxy()
        let out = start(&p, request())
        let (ringing, b1) = answer(out[1].request, 180, "Ringing")
        _ = p.handle(.response(ringing, transaction: b1), at: now)
        let (decline, b0) = answer(out[0].request, 603, "Decline")
        var actions = p.handle(.response(decline, transaction: b0), at: now)
        #expect(cancelled(actions) == [b1])
        #expect(responses(actions).isEmpty, "sent once every branch has answered")
        let (terminated, _) = answer(out[1].request, 487, "Request Terminated")
        actions = p.handle(.response(terminated, transaction: b1), at: now)
        #expect(responses(actions) == [603])
    }

    @Test func challengesOfSeveralBranchesAreAggregated() throws {
        var p = proxy()
        let out = start(&p, request())
        let (c0, b0) = answer(out[0].request, 401, "Unauthorized", headers: [(.wwwAuthenticate, "Digest realm=\"a\", nonce=\"1\"")])
        _ = p.handle(.response(c0, transaction: b0), at: now)
        let (c1, b1) = answer(out[1].request, 407, "Proxy Authentication Required",
                              headers: [(.proxyAuthenticate, "Digest realm=\"b\", nonce=\"2\"")])
        let actions = p.handle(.response(c1, transaction: b1), at: now)
        guard case .respond(let chosen, _)? = actions.first(where: { if case .respond = $0 { true } else { false } }) else {
            Issue.record("no response")
            return
        }
        #expect([401, 407].contains(chosen.statusCode ?? 0))
        #expect(chosen.values(.wwwAuthenticate).count == 1 && chosen.values(.proxyAuthenticate).count == 1)
    }

    @Test func a503BecomesA500AndTimeoutsCountAs408() {
        var p = proxy()
        let out = start(&p, request())
        let (unavailable, b0) = answer(out[0].request, 503, "Service Unavailable")
        _ = p.handle(.response(unavailable, transaction: b0), at: now)
        let b1 = TransactionID(clientRequest: out[1].request)!
        let actions = p.handle(.timedOut(b1), at: now)
        #expect(responses(actions) == [408], "408 ranks before 500")

        var q = proxy()
        let out2 = start(&q, request())
        for (index, forwarded) in out2.enumerated() {
            let (response, branch) = answer(forwarded.request, 503, "Service Unavailable")
            let actions = q.handle(.response(response, transaction: branch), at: now)
            if index == 1 { #expect(responses(actions) == [500]) }
        }
    }

    @Test func aBranchThatCannotBeSentCountsAs503() {
        var p = proxy { $0.bindingsByUser["bob"]?.removeLast() }
        let out = start(&p, request())
        let actions = p.handle(.transportFailed(TransactionID(clientRequest: out[0].request)!), at: now)
        #expect(responses(actions) == [500])
    }

    // MARK: CANCEL (§16.10) and Timer C (§16.6 step 11)

    @Test func aCancelFromTheCallerCancelsEveryPendingBranch() {
        var p = proxy()
        let invite = request()
        let out = start(&p, invite)
        let (ringing, b0) = answer(out[0].request, 180, "Ringing")
        _ = p.handle(.response(ringing, transaction: b0), at: now)
        let cancel = invite.makeCancel()
        var actions = p.handle(.request(cancel, from: Self.caller, transaction: id(cancel), cancels: id(invite)), at: now)
        #expect(responses(actions) == [200])
        let b1 = TransactionID(clientRequest: out[1].request)!
        #expect(cancelled(actions) == [b0], "the proceeding branch now, the other on its first provisional")
        let (trying, _) = answer(out[1].request, 180, "Ringing")
        actions = p.handle(.response(trying, transaction: b1), at: now)
        #expect(cancelled(actions) == [b1])
        _ = p.handle(.response(answer(out[0].request, 487, "Request Terminated").0, transaction: b0), at: now)
        actions = p.handle(.response(answer(out[1].request, 487, "Request Terminated").0, transaction: b1), at: now)
        #expect(responses(actions) == [487])
    }

    @Test func aCancelMatchingNothingGets481() {
        var p = proxy()
        let cancel = request().makeCancel()
        #expect(responses(p.handle(.request(cancel, from: Self.caller, transaction: id(cancel), cancels: nil), at: now)) == [481])
    }

    @Test func timerCCancelsAProceedingBranchAndTimesOutASilentOne() {
        var p = proxy()
        let out = start(&p, request())
        let (ringing, b0) = answer(out[0].request, 180, "Ringing")
        let relayed = p.handle(.response(ringing, transaction: b0), at: now)
        #expect(relayed.contains { if case .startTimer(.timerC(b0), _) = $0 { true } else { false } }, "a provisional restarts Timer C")
        #expect(cancelled(p.handle(.timerFired(.timerC(b0)), at: now)) == [b0])
        #expect(p.handle(.timerFired(.timerC(b0)), at: now).isEmpty, "one CANCEL per branch")
        let b1 = TransactionID(clientRequest: out[1].request)!
        #expect(responses(p.handle(.timerFired(.timerC(b1)), at: now)).isEmpty)
        let actions = p.handle(.response(answer(out[0].request, 487, "Request Terminated").0, transaction: b0), at: now)
        #expect(responses(actions) == [408], "the silent branch counts as 408, better than 487? no: 408 and 487 are both 4xx")
    }

    // MARK: In-dialog requests (§16.4, §16.12), ACK and stray 2xx

    @Test func anInDialogRequestFollowsItsRouteSetThroughUs() throws {
        var p = proxy()
        let bye = request("BYE", uri: "sip:bob@192.0.2.21:5070", toTag: "callee", auth: nil, routes: ["<sip:192.0.2.1:5060;lr>"])
        let out = forwarded(p.handle(.request(bye, from: Self.caller, transaction: id(bye), cancels: nil), at: now))
        #expect(out.map(\.peer) == ["udp:198.51.100.7:40000"], "the device is reached where it registered from")
        #expect(!out[0].request.contains(.route), "our Route entry is removed")
        #expect(out[0].request.requestURIText?.string == "sip:bob@192.0.2.21:5070")

        let viaOther = request("BYE", uri: "sip:bob@192.0.2.21:5070", toTag: "callee", auth: nil,
                               routes: ["<sip:192.0.2.1:5060;lr>", "<sip:203.0.113.9;lr>"])
        let next = forwarded(p.handle(.request(viaOther, from: Self.caller, transaction: id(viaOther), cancels: nil), at: now))
        #expect(next.map(\.peer) == ["udp:203.0.113.9:5060"], "loose routing to the next Route")
    }

    @Test func anInDialogRequestNotRoutedThroughUsIsRefused() {
        var p = proxy()
        let bye = request("BYE", uri: "sip:bob@192.0.2.21:5070", toTag: "callee", auth: nil)
        #expect(responses(p.handle(.request(bye, from: Self.caller, transaction: id(bye), cancels: nil), at: now)) == [403])
        let relay = request("INVITE", uri: "sip:x@203.0.113.9", auth: nil, routes: ["<sip:203.0.113.9;lr>"])
        #expect(responses(p.handle(.request(relay, from: Self.caller, transaction: id(relay), cancels: nil), at: now)) == [403],
                "never an open relay")
    }

    @Test func theAckOfA2xxIsForwardedStatelesslyWithAStableBranch() throws {
        var p = proxy()
        let ack = request("ACK", uri: "sip:bob@192.0.2.20:5060", toTag: "callee", auth: nil, routes: ["<sip:192.0.2.1:5060;lr>"])
        let first = p.handle(.strayAck(ack, from: Self.caller), at: now)
        let again = p.handle(.strayAck(ack, from: Self.caller), at: now)
        guard case .sendStateless(let out, let peer)? = first.first, case .sendStateless(let out2, _)? = again.first else {
            Issue.record("not forwarded: \(first)")
            return
        }
        #expect(peer == "udp:192.0.2.20:5060")
        #expect(try out.topVia()?.branch == out2.topVia()?.branch)
        #expect(try out.vias().count == 2 && !out.contains(.route))
        let stray = request("ACK", uri: "sip:bob@192.0.2.20:5060", toTag: "callee", auth: nil)
        #expect(p.handle(.strayAck(stray, from: Self.caller), at: now).isEmpty, "an ACK not routed through us is dropped")
    }

    @Test func aStray2xxWithOurViaGoesUpstream() throws {
        var p = proxy()
        let out = start(&p, request())
        let (ok, _) = answer(out[0].request, 200, "OK")
        let actions = p.handle(.strayResponse(ok, from: "udp:192.0.2.20:5060"), at: now)
        guard case .sendStateless(let up, let peer)? = actions.first else {
            Issue.record("not forwarded")
            return
        }
        #expect(peer == "udp:192.0.2.10:5060")
        #expect(try up.vias().count == 1)
        let foreign = request().makeResponse(statusCode: 200, reason: "OK", toTag: "x")
        #expect(p.handle(.strayResponse(foreign, from: "udp:192.0.2.20:5060"), at: now).isEmpty)
    }
}
