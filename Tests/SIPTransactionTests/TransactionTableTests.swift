import SIPCore
import Testing
@testable import SIPTransaction

/// The transaction table: matching (§17.1.3, §17.2.3), CANCEL (§9.2), stray messages, capacity.
@Suite struct TransactionTableTests {
    typealias Table = TransactionTable<String>
    typealias Output = TransactionTableOutput<String>
    static let alice = "198.51.100.1:5060"
    static let bob = "203.0.113.2:5060"
    let t0 = Instant.zero

    func table(capacity: Int = 100) -> Table { Table(timers: .rfc3261, capacity: capacity) }

    /// Receives a new request and returns the id of the transaction it created.
    func create(_ table: inout Table, _ request: SIPMessage, from peer: String = alice, reliable: Bool = false) throws -> TransactionID {
        let outputs = table.receiveRequest(request, from: peer, reliableTransport: reliable, at: t0)
        guard case .request(let delivered, let from, let id) = outputs.first else {
            Issue.record("no new transaction: \(outputs)")
            throw TableTestError.noTransaction
        }
        #expect(delivered == request && from == peer)
        return id
    }

    enum TableTestError: Error { case noTransaction }

    // MARK: Server side

    @Test func aNewRequestCreatesAServerTransaction() throws {
        var table = table()
        let invite = Messages.invite()
        let outputs = table.receiveRequest(invite, from: Self.alice, reliableTransport: false, at: t0)
        let id = try #require(TransactionID(serverRequest: invite))
        #expect(outputs == [.request(invite, from: Self.alice, transaction: id),
                            .startTimer(.trying100, after: .milliseconds(200), transaction: id)])
        #expect(table.count == 1 && table.contains(id) && table.request(of: id) == invite && table.peer(of: id) == Self.alice)
    }

    @Test func retransmissionsAreAbsorbedThenAnsweredWithTheLastResponse() throws {
        var table = table()
        let invite = Messages.invite()
        let id = try create(&table, invite)
        #expect(table.receiveRequest(invite, from: Self.alice, reliableTransport: false, at: t0).isEmpty)
        let ringing = Messages.response(180, to: invite)
        #expect(table.respond(ringing, transaction: id, at: t0)
                    == [.cancelTimer(.trying100, transaction: id), .send(ringing, to: Self.alice, transaction: id)])
        // A retransmission from another source port is still answered to the transaction's peer.
        #expect(table.receiveRequest(invite, from: "198.51.100.1:5999", reliableTransport: false, at: t0)
                    == [.send(ringing, to: Self.alice, transaction: id)])
        #expect(table.count == 1)
    }

    @Test func aDiscardedTransactionIsForgottenAndItsRequestIsNewAgain() throws {
        var table = table()
        let invite = Messages.invite()
        let id = try create(&table, invite)
        #expect(table.discard(id) == [.terminated(id)])
        #expect(table.count == 0 && table.discard(id).isEmpty)
        // A retransmission makes a new transaction (a stateless UAS answers it afresh, §8.2.7) and
        // the ACK of the answer is stray.
        #expect(try create(&table, invite) == id)
        #expect(table.discard(id) == [.terminated(id)])
        let ack = invite.makeAck(for: Messages.response(407, to: invite))
        #expect(table.receiveRequest(ack, from: Self.alice, reliableTransport: false, at: t0) == [.strayAck(ack, from: Self.alice)])
    }

    @Test func theAckOfAFailureIsAbsorbedAndTheTransactionEnds() throws {
        var table = table()
        let invite = Messages.invite()
        let id = try create(&table, invite)
        let busy = Messages.response(486, to: invite)
        #expect(table.respond(busy, transaction: id, at: t0) == [
            .cancelTimer(.trying100, transaction: id), .send(busy, to: Self.alice, transaction: id),
            .startTimer(.g, after: .milliseconds(500), transaction: id), .startTimer(.h, after: .seconds(32), transaction: id),
        ])
        #expect(table.receiveRequest(invite, from: Self.alice, reliableTransport: false, at: t0)
                    == [.send(busy, to: Self.alice, transaction: id)])
        let ack = Messages.ack(for: invite)
        #expect(table.receiveRequest(ack, from: Self.alice, reliableTransport: false, at: t0) == [
            .cancelTimer(.g, transaction: id), .cancelTimer(.h, transaction: id),
            .startTimer(.i, after: .seconds(5), transaction: id),
        ])
        #expect(table.receiveRequest(ack, from: Self.alice, reliableTransport: false, at: t0).isEmpty)
        #expect(table.timerFired(.i, transaction: id, at: t0 + .seconds(5)) == [.terminated(id)])
        #expect(table.count == 0 && !table.contains(id))
        // Gone: later calls about it do nothing; a late ACK is stray.
        #expect(table.respond(busy, transaction: id, at: t0 + .seconds(6)).isEmpty)
        #expect(table.timerFired(.g, transaction: id, at: t0 + .seconds(6)).isEmpty)
        #expect(table.transportError(transaction: id, at: t0 + .seconds(6)).isEmpty)
        #expect(table.receiveRequest(ack, from: Self.alice, reliableTransport: false, at: t0 + .seconds(6))
                    == [.strayAck(ack, from: Self.alice)])
    }

    @Test func theAckOfA2xxIsStray() throws {
        var table = table()
        let invite = Messages.invite()
        let id = try create(&table, invite)
        let ok = Messages.response(200, to: invite)
        #expect(table.respond(ok, transaction: id, at: t0) == [
            .cancelTimer(.trying100, transaction: id), .send(ok, to: Self.alice, transaction: id),
            .startTimer(.l, after: .seconds(32), transaction: id),
        ])
        let ack = Messages.ack(for: invite, branch: "z9hG4bKack2xx")   // §13.2.2.4: a new branch
        #expect(table.receiveRequest(ack, from: Self.alice, reliableTransport: false, at: t0) == [.strayAck(ack, from: Self.alice)])
        // The TU retransmits its 2xx through the Accepted transaction; INVITE retransmissions are absorbed.
        #expect(table.respond(ok, transaction: id, at: t0) == [.send(ok, to: Self.alice, transaction: id)])
        #expect(table.receiveRequest(invite, from: Self.alice, reliableTransport: false, at: t0).isEmpty)
        #expect(table.respond(Messages.response(486, to: invite), transaction: id, at: t0).isEmpty)
        // Accepted matches by key alone: the transaction no longer holds its INVITE.
        #expect(table.contains(id) && table.request(of: id) == nil && table.peer(of: id) == Self.alice)
    }

    @Test func matchingUsesBranchSentByAndMethod() throws {
        var table = table()
        let options = Messages.request("OPTIONS")
        let first = try create(&table, options)
        let otherHost = try create(&table, Messages.request("OPTIONS", sentBy: "proxy.example.net:5060"))
        let otherMethod = try create(&table, Messages.request("INFO"))
        let otherBranch = try create(&table, Messages.request("OPTIONS", branch: "z9hG4bKaaa2"))
        #expect(Set([first, otherHost, otherMethod, otherBranch]).count == 4 && table.count == 4)
        #expect(table.receiveRequest(options, from: Self.alice, reliableTransport: false, at: t0).isEmpty)
        #expect(table.count == 4)
    }

    @Test func cancelIsItsOwnTransactionAndFindsItsInvite() throws {
        var table = table()
        let invite = Messages.invite()
        let inviteID = try create(&table, invite)
        let cancel = Messages.request("CANCEL")
        let cancelID = try create(&table, cancel)
        #expect(cancelID != inviteID && table.count == 2)
        #expect(table.inviteTransaction(cancelledBy: cancel) == inviteID)
        #expect(table.inviteTransaction(cancelledBy: Messages.request("CANCEL", branch: "z9hG4bKnone")) == nil)
        #expect(table.inviteTransaction(cancelledBy: Messages.request("CANCEL", sentBy: "elsewhere.example.com")) == nil)
        #expect(table.inviteTransaction(cancelledBy: invite) == nil)
        // After the INVITE transaction is gone, the CANCEL finds nothing (the TU answers 481).
        _ = table.transportError(transaction: inviteID, at: t0)
        #expect(table.inviteTransaction(cancelledBy: cancel) == nil)
    }

    @Test func rfc2543RequestsMatchByTheFallbackKeyAndTheAckByTheResponseToTag() throws {
        var table = table()
        let invite = Messages.invite(branch: nil)
        let id = try create(&table, invite)
        #expect(id.usesRFC2543Matching)
        #expect(table.receiveRequest(invite, from: Self.alice, reliableTransport: false, at: t0).isEmpty)
        let cancel = Messages.request("CANCEL", branch: nil)
        #expect(table.inviteTransaction(cancelledBy: cancel) == id)
        let busy = Messages.response(486, to: invite, toTag: "bob9")
        _ = table.respond(busy, transaction: id, at: t0)
        let wrongTag = Messages.ack(for: invite, toTag: "bob8")
        #expect(table.receiveRequest(wrongTag, from: Self.alice, reliableTransport: false, at: t0) == [.strayAck(wrongTag, from: Self.alice)])
        let ack = Messages.ack(for: invite, toTag: "bob9")
        #expect(table.receiveRequest(ack, from: Self.alice, reliableTransport: false, at: t0) == [
            .cancelTimer(.g, transaction: id), .cancelTimer(.h, transaction: id),
            .startTimer(.i, after: .seconds(5), transaction: id),
        ])
        #expect(table.timerFired(.i, transaction: id, at: t0 + .seconds(5)) == [.terminated(id)])
        #expect(table.receiveRequest(ack, from: Self.alice, reliableTransport: false, at: t0 + .seconds(5))
                    == [.strayAck(ack, from: Self.alice)])
        #expect(table.count == 0)
    }

    @Test func aFullTableRefusesNewServerTransactionsWith503() throws {
        var table = Table(timers: .rfc3261, capacity: 2, retryAfterSeconds: 7)
        let first = try create(&table, Messages.request("OPTIONS", branch: "z9hG4bK1"))
        _ = try create(&table, Messages.request("OPTIONS", branch: "z9hG4bK2"))
        let third = Messages.request("OPTIONS", branch: "z9hG4bK3")
        let outputs = table.receiveRequest(third, from: Self.bob, reliableTransport: false, at: t0)
        guard case .rejected(let response, let peer, let reason) = outputs.first, outputs.count == 1 else {
            Issue.record("expected a rejection: \(outputs)")
            return
        }
        #expect(peer == Self.bob && reason.contains("full"))
        #expect(response.statusCode == 503 && response.firstValue(.retryAfter) == "7")
        #expect(response.values(.via) == third.values(.via) && response.firstValue(.cseq) == third.firstValue(.cseq))
        let tag = try #require(try response.to()?.tag)
        #expect(table.count == 2)
        // The retransmission gets the same answer (same To tag); another request another tag.
        guard case .rejected(let again, _, _) = table.receiveRequest(third, from: Self.bob, reliableTransport: false, at: t0).first,
              case .rejected(let other, _, _) = table.receiveRequest(Messages.request("OPTIONS", branch: "z9hG4bK4", callID: "c2"),
                                                                     from: Self.bob, reliableTransport: false, at: t0).first
        else {
            Issue.record("expected rejections")
            return
        }
        #expect(try again.to()?.tag == tag)
        #expect(try other.to()?.tag != tag)
        // Retransmissions of live transactions and stray ACKs still work when full.
        #expect(table.receiveRequest(Messages.request("OPTIONS", branch: "z9hG4bK1"), from: Self.alice,
                                     reliableTransport: false, at: t0).isEmpty)
        let strayAck = Messages.ack(for: Messages.invite(branch: "z9hG4bK9"))
        #expect(table.receiveRequest(strayAck, from: Self.alice, reliableTransport: false, at: t0) == [.strayAck(strayAck, from: Self.alice)])
        // A client transaction cannot be created either: it fails as a transport failure (§8.1.3.1: 503).
        let (clientID, clientOutputs) = table.sendRequest(Messages.invite(branch: "z9hG4bKout1"), to: Self.bob,
                                                          reliableTransport: false, at: t0)
        #expect(clientOutputs == [.transportFailed(clientID), .terminated(clientID)])
        #expect(table.count == 2)
        // Room again once a transaction ends.
        _ = table.respond(Messages.response(200, to: Messages.request("OPTIONS", branch: "z9hG4bK1")), transaction: first, at: t0)
        _ = table.timerFired(.j, transaction: first, at: t0 + .seconds(32))
        #expect(table.count == 1)
        _ = try create(&table, third, from: Self.bob)
        #expect(table.count == 2)
    }

    @Test func aRequestWithoutAKeyIsRefusedWith400AndAnAckDropped() {
        var table = table()
        let noVia = Messages.parse("""
            OPTIONS sip:bob@example.com SIP/2.0
            From: <sip:alice@example.com>;tag=1
            To: <sip:bob@example.com>
            Call-ID: x
            CSeq: 1 OPTIONS
            Content-Length: 0


            """)
        let outputs = table.receiveRequest(noVia, from: Self.alice, reliableTransport: false, at: t0)
        guard case .rejected(let response, Self.alice, _) = outputs.first else {
            Issue.record("expected a 400: \(outputs)")
            return
        }
        #expect(response.statusCode == 400 && table.count == 0)
        let ackNoVia = Messages.parse("""
            ACK sip:bob@example.com SIP/2.0
            From: <sip:alice@example.com>;tag=1
            To: <sip:bob@example.com>;tag=2
            Call-ID: x
            CSeq: 1 ACK
            Content-Length: 0


            """)
        #expect(table.receiveRequest(ackNoVia, from: Self.alice, reliableTransport: false, at: t0).isEmpty)
    }

    @Test func serverTransportErrorAndTimerHReachTheTU() throws {
        var table = table()
        let invite = Messages.invite()
        let id = try create(&table, invite, reliable: true)
        _ = table.respond(Messages.response(486, to: invite), transaction: id, at: t0)
        #expect(table.timerFired(.h, transaction: id, at: t0 + .seconds(32)) == [.timedOut(id), .terminated(id)])
        let options = Messages.request("OPTIONS")
        let optionsID = try create(&table, options)
        _ = table.respond(Messages.response(100, to: options, toTag: nil), transaction: optionsID, at: t0)
        #expect(table.transportError(transaction: optionsID, at: t0) == [.transportFailed(optionsID), .terminated(optionsID)])
        #expect(table.count == 0)
    }

    // MARK: Client side

    @Test func aClientInviteSendsMatchesResponsesAndAcksAFailure() throws {
        var table = table()
        let invite = Messages.invite(branch: "z9hG4bKout1", sentBy: "zvonok.example.com:5060")
        let (id, outputs) = table.sendRequest(invite, to: Self.bob, reliableTransport: false, at: t0)
        #expect(id == TransactionID(clientRequest: invite))
        #expect(outputs == [.send(invite, to: Self.bob, transaction: id),
                            .startTimer(.a, after: .milliseconds(500), transaction: id),
                            .startTimer(.b, after: .seconds(32), transaction: id)])
        #expect(table.timerFired(.a, transaction: id, at: t0 + .milliseconds(500)) == [
            .send(invite, to: Self.bob, transaction: id), .startTimer(.a, after: .seconds(1), transaction: id),
        ])
        let ringing = Messages.response(180, to: invite)
        let at = t0 + .milliseconds(700)
        #expect(table.receiveResponse(ringing, from: Self.bob, at: at) == [
            .cancelTimer(.a, transaction: id), .cancelTimer(.b, transaction: id), .response(ringing, transaction: id),
        ])
        let busy = Messages.response(486, to: invite)
        let failure = table.receiveResponse(busy, from: Self.bob, at: at)
        guard case .send(let ack, Self.bob, id) = failure.first else {
            Issue.record("expected the ACK first: \(failure)")
            return
        }
        #expect(ack.method == .ack)
        #expect(try ack.topVia()?.branch == "z9hG4bKout1")
        #expect(Array(failure.dropFirst()) == [.response(busy, transaction: id), .startTimer(.d, after: .seconds(32), transaction: id)])
        #expect(table.receiveResponse(busy, from: Self.bob, at: at) == [.send(ack, to: Self.bob, transaction: id)])
        #expect(table.timerFired(.d, transaction: id, at: at + .seconds(32)) == [.terminated(id)])
        #expect(table.count == 0)
        #expect(table.receiveResponse(busy, from: Self.bob, at: at + .seconds(33)) == [.strayResponse(busy, from: Self.bob)])
    }

    @Test func responsesMatchingNoClientTransactionAreStray() {
        var table = table()
        let options = Messages.request("OPTIONS", branch: "z9hG4bKout2")
        let (id, _) = table.sendRequest(options, to: Self.bob, reliableTransport: true, at: t0)
        let otherBranch = Messages.response(200, to: Messages.request("OPTIONS", branch: "z9hG4bKout3"))
        #expect(table.receiveResponse(otherBranch, from: Self.bob, at: t0) == [.strayResponse(otherBranch, from: Self.bob)])
        let otherMethod = Messages.response(200, to: Messages.request("INFO", branch: "z9hG4bKout2"))
        #expect(table.receiveResponse(otherMethod, from: Self.bob, at: t0) == [.strayResponse(otherMethod, from: Self.bob)])
        let ok = Messages.response(200, to: options)
        #expect(table.receiveResponse(ok, from: Self.bob, at: t0)
                    == [.cancelTimer(.f, transaction: id), .response(ok, transaction: id), .terminated(id)])
    }

    @Test func clientTimeoutAndTransportFailureReachTheTU() {
        var table = table()
        let (invite, _) = table.sendRequest(Messages.invite(branch: "z9hG4bKout4"), to: Self.bob, reliableTransport: true, at: t0)
        #expect(table.timerFired(.b, transaction: invite, at: t0 + .seconds(32)) == [.timedOut(invite), .terminated(invite)])
        let (options, _) = table.sendRequest(Messages.request("OPTIONS", branch: "z9hG4bKout5"), to: Self.bob,
                                             reliableTransport: false, at: t0)
        #expect(table.transportError(transaction: options, at: t0) == [
            .cancelTimer(.e, transaction: options), .cancelTimer(.f, transaction: options),
            .transportFailed(options), .terminated(options),
        ])
        #expect(table.count == 0)
    }

    @Test func aSpiralledRequestFindsItsServerTransactionNotTheClientOne() throws {
        var table = table()
        let request = Messages.request("OPTIONS", branch: "z9hG4bKspiral", sentBy: "zvonok.example.com:5060")
        let (clientID, _) = table.sendRequest(request, to: "192.0.2.9:5060", reliableTransport: false, at: t0)
        let serverID = try create(&table, request, from: "192.0.2.9:5060")
        #expect(clientID != serverID && table.count == 2)
    }
}

extension TransactionTableTests {
    /// What a graceful shutdown waits for: transactions without their final response yet.
    @Test func transactionsAwaitingAFinalResponseAreCounted() throws {
        var table = table()
        let invite = Messages.invite()
        let options = Messages.request("OPTIONS", branch: "z9hG4bKopt1")
        let inviteID = try create(&table, invite)
        let optionsID = try create(&table, options)
        #expect(table.awaitingFinalResponseCount == 2)
        _ = table.respond(Messages.response(180, to: invite), transaction: inviteID, at: t0)
        #expect(table.awaitingFinalResponseCount == 2)
        _ = table.respond(Messages.response(200, to: options), transaction: optionsID, at: t0)
        #expect(table.awaitingFinalResponseCount == 1)  // Completed: only absorbs retransmissions now
        #expect(table.count == 2)
        _ = table.respond(Messages.response(486, to: invite), transaction: inviteID, at: t0)
        #expect(table.awaitingFinalResponseCount == 0)
        let (_, _) = table.sendRequest(Messages.request("MESSAGE", branch: "z9hG4bKout1"), to: Self.bob, reliableTransport: false, at: t0)
        #expect(table.awaitingFinalResponseCount == 1)
    }
}

extension TransactionTableTests {
    /// §9.1: an INVITE cancelled in Proceeding whose final response never comes is given up 64·T1
    /// after the CANCEL (Proceeding has no timer of its own, Figure 5).
    @Test func aCancelledInviteWithoutAFinalResponseIsGivenUp() throws {
        var table = table()
        let invite = Messages.invite(branch: "z9hG4bKgive1")
        let (inviteID, _) = table.sendRequest(invite, to: Self.bob, reliableTransport: false, at: t0)
        _ = table.receiveResponse(Messages.response(180, to: invite), from: Self.bob, at: t0)
        let (_, cancelOutputs) = table.sendRequest(invite.makeCancel(), to: Self.bob, reliableTransport: false, at: t0)
        #expect(cancelOutputs.contains(.startTimer(.cancelGrace, after: .seconds(32), transaction: inviteID)))
        #expect(table.timerFired(.cancelGrace, transaction: inviteID, at: t0 + .seconds(32))
                == [.timedOut(inviteID), .terminated(inviteID)])
        #expect(!table.contains(inviteID))
        #expect(table.awaitingFinalResponseCount == 1)  // the CANCEL's own transaction is still there
    }

    @Test func aCancelledInviteThatGetsItsFinalResponseDisarmsTheGraceTimer() throws {
        var table = Table(timers: .rfc3261, capacity: 100)
        let invite = Messages.invite(branch: "z9hG4bKgive2")
        let (inviteID, _) = table.sendRequest(invite, to: Self.bob, reliableTransport: true, at: t0)
        _ = table.receiveResponse(Messages.response(180, to: invite), from: Self.bob, at: t0)
        _ = table.sendRequest(invite.makeCancel(), to: Self.bob, reliableTransport: true, at: t0)
        // Reliable transport: Timer D is zero, so the 487 ends the INVITE at once.
        let outputs = table.receiveResponse(Messages.response(487, to: invite), from: Self.bob, at: t0)
        #expect(outputs.contains(.cancelTimer(.cancelGrace, transaction: inviteID)))
        #expect(outputs.last == .terminated(inviteID))
        #expect(table.timerFired(.cancelGrace, transaction: inviteID, at: t0 + .seconds(32)).isEmpty)
    }
}
