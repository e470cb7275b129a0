import Testing
@testable import SIPCore

/// The response a server owes a request it cannot process (RFC 3261 §8.2, §16.3).
@Suite struct ValidationTests {
    static func request(_ extra: String = "", method: String = "INVITE", uri: String = "sip:bob@example.com",
                        cseqMethod: String? = nil, body: String = "") -> [UInt8] {
        sip("""
            \(method) \(uri) SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1
            Max-Forwards: 70
            From: <sip:alice@example.com>;tag=1
            To: <sip:bob@example.com>
            Call-ID: c1@192.0.2.1
            CSeq: 1 \(cseqMethod ?? method)
            \(extra.isEmpty ? "X-Empty: 1" : extra)
            Content-Length: \(body.utf8.count)

            \(body)
            """.replacingOccurrences(of: "\n\n\n", with: "\n\n"))
    }

    static func verdict(_ bytes: [UInt8]) -> DatagramVerdict { DatagramVerdict.judge(bytes) }

    @Test func aGoodRequestIsValid() {
        #expect(Self.verdict(Self.request()) == DatagramVerdict(kind: .valid, code: 0, reason: ""))
        #expect(Self.verdict(Corpus.bench("invite.sip")).kind == .valid)
        #expect(Self.verdict(Corpus.bench("register.sip")).kind == .valid)
    }

    @Test(arguments: Corpus.realisticNames)
    func realSoftphoneMessagesAreValid(_ name: String) {
        #expect(Self.verdict(Corpus.realistic(name)) == DatagramVerdict(kind: .valid, code: 0, reason: ""), "\(name)")
    }

    @Test func everyRefusalHasItsCode() throws {
        #expect(Self.verdict(Self.request(cseqMethod: "BYE")).code == 400)
        #expect(Self.verdict(Self.request(method: "FOO", cseqMethod: "BYE")).code == 501)
        #expect(Self.verdict(Self.request(uri: "mailto:bob@example.com")).code == 416)
        #expect(Self.verdict(Self.request("Require: foo", method: "OPTIONS")).code == 420)
        #expect(Self.verdict(Self.request("Require: foo")).kind == .valid, "an INVITE's Require is the callee's to judge")
        #expect(Self.verdict(Self.request("Require: timer", method: "OPTIONS")).kind == .valid)
        #expect(Self.verdict(Self.request("Proxy-Require: bar", method: "OPTIONS")).code == 420)
        #expect(Self.verdict(Self.request("Require: foo", method: "ACK")).kind == .valid)
        #expect(Self.verdict(Self.request("Content-Type: text/html", body: "<b>x</b>")).code == 415)
        #expect(Self.verdict(Self.request("Content-Type: text/plain", method: "MESSAGE", body: "hi")).kind == .valid)
        #expect(Self.verdict(Self.request("Accept: text/plain")).code == 406)
        #expect(Self.verdict(Self.request("Accept: application/*")).kind == .valid)
        #expect(Self.verdict(Self.request("Call-ID: again")).code == 400)
        #expect(Self.verdict(Self.request("CSeq: 1 INVITE")).reason == "duplicate CSeq header")
    }

    @Test func rejectionsCarryUnsupportedFor420() throws {
        let m = try SIPMessage(parsing: Self.request("Require: foo, timer, bar", method: "OPTIONS"))
        let rejection = try #require(m.validate())
        #expect(rejection.statusCode == 420)
        #expect(rejection.headers.first?.0 == .unsupported && rejection.headers.first?.1 == "foo, bar")
    }

    @Test func policyChangesRoleDependentChecks() throws {
        let zero = try SIPMessage(parsing: Corpus.torture("zeromf"))
        #expect(zero.validate()?.statusCode == 483)
        var uas = ValidationPolicy.zvonok
        uas.rejectsExhaustedMaxForwards = false
        #expect(zero.validate(uas) == nil)
    }

    @Test func responsesWithBrokenHeadersAreFlagged() throws {
        let m = try SIPMessage(parsing: Corpus.torture("scalarlg"))
        #expect(m.validate()?.kind == .syntax)
        let ok = try SIPMessage(parsing: Corpus.torture("bcast"))
        #expect(ok.validate() == nil)
    }
}
