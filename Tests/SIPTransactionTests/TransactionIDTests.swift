import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.1.3 and §17.2.3 matching keys.
@Suite struct TransactionIDTests {
    func server(_ m: SIPMessage) throws -> TransactionID { try #require(TransactionID(serverRequest: m)) }

    @Test func serverKeyIsBranchSentByAndMethod() throws {
        let invite = try server(Messages.invite())
        #expect(try server(Messages.invite()) == invite)
        #expect(invite.branch == "z9hG4bKaaa1" && !invite.usesRFC2543Matching && invite.side == .server)
        #expect(try server(Messages.invite(branch: "z9hG4bKaaa2")) != invite)
        #expect(try server(Messages.invite(sentBy: "client.example.com:5070")) != invite)
        #expect(try server(Messages.invite(sentBy: "client.example.com")) != invite)   // the port as written
        #expect(try server(Messages.invite(sentBy: "CLIENT.Example.COM:5060")) == invite)
        #expect(try server(Messages.request("OPTIONS")) != invite)
    }

    @Test func ackCountsAsInviteAndCancelIsItsOwnTransaction() throws {
        let invite = try server(Messages.invite())
        #expect(try server(Messages.ack(for: Messages.invite())) == invite)
        let cancel = try server(Messages.request("CANCEL"))
        #expect(cancel != invite && cancel.method == .cancel)
        #expect(cancel.forCancelledInvite == invite)
    }

    @Test func clientAndServerKeysDiffer() throws {
        let request = Messages.invite()
        let client = try #require(TransactionID(clientRequest: request))
        #expect(client.side == .client)
        #expect(client != (try server(request)))
    }

    @Test func responseMatchesItsClientTransactionByBranchAndCSeqMethod() throws {
        let invite = Messages.invite()
        let client = try #require(TransactionID(clientRequest: invite))
        #expect(TransactionID(response: Messages.response(180, to: invite)) == client)
        let cancel = Messages.request("CANCEL")                    // same branch, CSeq method CANCEL
        #expect(TransactionID(response: Messages.response(200, to: cancel)) == TransactionID(clientRequest: cancel))
        #expect(TransactionID(response: Messages.response(200, to: cancel)) != client)
        #expect(TransactionID(response: Messages.response(200, to: Messages.invite(branch: "z9hG4bKother"))) != client)
    }

    @Test func requestsWithoutTheMagicCookieUseTheRFC2543Key() throws {
        let invite = try server(Messages.invite(branch: nil))
        #expect(invite.usesRFC2543Matching && invite.branch == nil)
        #expect(try server(Messages.invite(branch: "oldbranch1")).usesRFC2543Matching)
        #expect(try server(Messages.invite(branch: nil)) == invite)
        #expect(try server(Messages.request("INVITE", branch: nil, callID: "other")) != invite)
        #expect(try server(Messages.request("INVITE", branch: nil, cseq: 2)) != invite)
        #expect(try server(Messages.request("INVITE", branch: nil, fromTag: "mallory")) != invite)
        #expect(try server(Messages.request("INVITE", branch: nil, uri: "sip:carol@example.com")) != invite)
        #expect(try server(Messages.request("INVITE", branch: nil, sentBy: "elsewhere.example.com")) != invite)
        // The ACK carries the To tag of the response; without it, it would match the INVITE.
        #expect(try server(Messages.ack(for: Messages.invite(branch: nil), toTag: nil)) == invite)
        let ack = try server(Messages.ack(for: Messages.invite(branch: nil), toTag: "bob1"))
        #expect(ack != invite && invite.acknowledged(withToTag: "bob1") == ack)
        #expect(try server(Messages.request("CANCEL", branch: nil)).forCancelledInvite == invite)
    }

    @Test func keysHoldCopiesNotViewsIntoTheMessage() throws {
        // A view into the message would start at the branch's offset in the message's buffer; a
        // copy of its own starts at 0 and ends with the branch.
        func ownsItsBytes(_ b: ByteString?) -> Bool { b.map { $0.bytes.startIndex == 0 && $0.bytes.endIndex == $0.count } ?? false }
        let invite = Messages.invite()
        #expect(ownsItsBytes(try server(invite).branch))
        #expect(ownsItsBytes(TransactionID(clientRequest: invite)?.branch))
        #expect(ownsItsBytes(TransactionID(response: Messages.response(180, to: invite))?.branch))
        guard case .rfc2543(let old) = try server(Messages.invite(branch: nil)).key else {
            Issue.record("no RFC 2543 key")
            return
        }
        #expect([old.requestURI, old.callID, old.topVia].allSatisfy(ownsItsBytes) && ownsItsBytes(old.fromTag))
    }

    @Test func clientKeysNeedTheMagicCookieAndNoAck() {
        #expect(TransactionID(clientRequest: Messages.invite(branch: nil)) == nil)
        #expect(TransactionID(clientRequest: Messages.invite(branch: "old1")) == nil)
        #expect(TransactionID(clientRequest: Messages.ack(for: Messages.invite())) == nil)
        #expect(TransactionID(response: Messages.response(200, to: Messages.invite(branch: "old1"))) == nil)
    }

    @Test func requestsWithoutViaHaveNoKey() {
        let noVia = Messages.parse("""
            OPTIONS sip:bob@example.com SIP/2.0
            From: <sip:alice@example.com>;tag=1
            To: <sip:bob@example.com>
            Call-ID: x
            CSeq: 1 OPTIONS
            Content-Length: 0


            """)
        #expect(TransactionID(serverRequest: noVia) == nil)
        #expect(TransactionID(clientRequest: noVia) == nil)
    }
}
